"""run_in_child (modelpick/_isolation.py) with real spawned children: value, exception, timeout, crash.

The functions are from the standard library so the children start fast and need nothing of ours.
"""

from __future__ import annotations

import os
import time

from modelpick._isolation import run_in_child


def test_value_comes_back():
    outcome = run_in_child(divmod, 17, 5, timeout_s=60)
    assert outcome.ok
    assert outcome.value == (3, 2)
    assert outcome.error == ""


def test_exception_becomes_a_one_line_reason_with_the_traceback_kept():
    outcome = run_in_child(int, "not a number", timeout_s=60)
    assert not outcome.ok
    assert outcome.error_type == "ValueError"
    assert outcome.error.startswith("ValueError: invalid literal for int()")
    assert "\n" not in outcome.error
    assert "Traceback" in outcome.details


def test_timeout_ends_the_child():
    started = time.perf_counter()
    outcome = run_in_child(time.sleep, 30, timeout_s=0.5)
    assert not outcome.ok
    assert outcome.error_type == "Timeout"
    assert outcome.error == "timed out after 0.5 s"
    # The parent did not wait for the sleep to finish.
    assert time.perf_counter() - started < 25


def test_crash_without_a_result_is_reported():
    outcome = run_in_child(os._exit, 3, timeout_s=60)
    assert not outcome.ok
    assert outcome.error_type == "Crash"
    assert outcome.error == "the child process exited with code 3 without a result"


def test_killed_by_a_signal_is_named():
    outcome = run_in_child(os.abort, timeout_s=60)
    assert not outcome.ok
    assert outcome.error_type == "Crash"
    assert outcome.error == "the child process was killed by SIGABRT"
