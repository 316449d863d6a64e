"""run_in_child (modelpick/_isolation.py) with real spawned children: value, exception, timeout, crash.

The functions are from the standard library so the children start fast and need nothing of ours.
"""

from __future__ import annotations

import os
import time

import pytest

from modelpick._isolation import run_in_child
from modelpick.exceptions import CandidateTimeout, ModelpickError, ProfilingError


def test_value_comes_back():
    assert run_in_child(divmod, 17, 5, timeout_s=60) == (3, 2)


def test_exception_becomes_a_one_line_reason_with_the_traceback_kept():
    with pytest.raises(ProfilingError) as info:
        run_in_child(int, "not a number", timeout_s=60, error=ProfilingError)
    assert str(info.value).startswith("ValueError: invalid literal for int()")
    assert "\n" not in str(info.value)
    assert "Traceback" in info.value.details


def test_context_comes_before_the_reason():
    with pytest.raises(ModelpickError, match=r"^Parsing failed: ValueError: invalid literal"):
        run_in_child(int, "x", timeout_s=60, context="Parsing failed")


def test_timeout_ends_the_child_and_is_its_own_type():
    started = time.perf_counter()
    with pytest.raises(CandidateTimeout) as info:
        run_in_child(time.sleep, 30, timeout_s=0.5, error=ProfilingError)
    assert str(info.value) == "timed out after 0.5 s"
    assert info.value.timeout_s == 0.5
    assert not isinstance(info.value, ProfilingError)
    # The parent did not wait for the sleep to finish.
    assert time.perf_counter() - started < 25


def test_crash_without_a_result_is_reported():
    with pytest.raises(ProfilingError, match=r"^the child process exited with code 3 without a result$"):
        run_in_child(os._exit, 3, timeout_s=60, error=ProfilingError)


def test_killed_by_a_signal_is_named():
    with pytest.raises(ModelpickError, match=r"^the child process was killed by SIGABRT$"):
        run_in_child(os.abort, timeout_s=60)
