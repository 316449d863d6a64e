"""run_in_child (modelpick/_isolation.py) with real spawned children: value, exception, timeout, crash, Ctrl-C.

The functions are from the standard library so the children start fast and need nothing of ours.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
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


def _spawned_children() -> list:
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):  # multiprocessing's, lives as long as we do
                alive.append(child)
        except psutil.Error:
            continue  # gone while we looked
    return alive


def test_the_child_ignores_ctrl_c_which_is_the_parents_to_handle():
    assert run_in_child(signal.getsignal, signal.SIGINT, timeout_s=60) == signal.SIG_IGN


def test_the_child_works_with_sigint_unblocked_so_what_it_starts_behaves_normally():
    assert signal.SIGINT not in run_in_child(signal.pthread_sigmask, signal.SIG_BLOCK, [], timeout_s=60)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # nor is it left blocked here


_INTERRUPTED_RUN = """
import sys, time
from modelpick._isolation import run_in_child
if __name__ == "__main__":
    try:
        run_in_child(time.sleep, 60, timeout_s=120)
    except KeyboardInterrupt:
        sys.exit("interrupted")
"""


@pytest.mark.slow
def test_ctrl_c_while_a_child_is_still_starting_prints_no_traceback(tmp_path):
    # A terminal's Ctrl-C reaches the whole process group, including a child still importing its modules
    # (about a second): at every moment of that start, only the parent may answer it.
    script = tmp_path / "run.py"
    script.write_text(_INTERRUPTED_RUN)
    for delay_s in (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45):
        run = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.PIPE, start_new_session=True)
        while not psutil.Process(run.pid).children():
            time.sleep(0.002)
        time.sleep(delay_s)
        os.killpg(run.pid, signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
        assert (run.returncode, stderr.decode().strip()) == (1, "interrupted"), f"SIGINT {delay_s} s into the start"


def test_ctrl_c_in_the_parent_kills_the_child_and_goes_on_as_keyboard_interrupt():
    # SIGINT to this process while it waits on a child that would sleep for ten minutes.
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_in_child(time.sleep, 600, timeout_s=600)
    finally:
        timer.cancel()
    assert _spawned_children() == []


def _start_a_grandchild_write_a_temporary_file_and_hang(pid_file: str) -> None:
    import tempfile

    folder = tempfile.mkdtemp(prefix="exported-graph-")
    Path(folder, "model.onnx").write_bytes(b"\0" * 1024)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    Path(pid_file).write_text(f"{sleeper.pid} {folder}")
    time.sleep(600)


@pytest.mark.slow
def test_a_child_ended_at_its_timeout_takes_its_children_and_temporary_files_with_it(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    with pytest.raises(CandidateTimeout):
        run_in_child(_start_a_grandchild_write_a_temporary_file_and_hang, str(pid_file), timeout_s=8)
    pid, folder = pid_file.read_text().split()  # both made before the timeout
    assert _dies(int(pid))
    assert _spawned_children() == []
    # A killed child cannot clean up; the parent removes the scratch directory every child writes under.
    assert Path(folder).parent.name.startswith("modelpick-child-")
    assert not Path(folder).parent.exists()


def _dies(pid: int) -> bool:
    """Whether ``pid`` is dead within a few seconds (a zombie is dead: its parent, init here, reaps it)."""
    for _ in range(50):
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def _write_a_temporary_file_and_hang(path_file: str) -> None:
    import tempfile

    folder = tempfile.mkdtemp(prefix="exported-graph-")
    Path(path_file).write_text(folder)
    time.sleep(60)


class _Exporter:
    def export_and_hang(self, path_file: str) -> None:
        _write_a_temporary_file_and_hang(path_file)


def test_a_worker_ended_at_its_timeout_leaves_no_temporary_files(tmp_path):
    from modelpick._isolation import ChildWorker

    path_file = tmp_path / "folder"
    worker = ChildWorker(_Exporter, timeout_s=60)
    with pytest.raises(CandidateTimeout):
        worker.call("export_and_hang", str(path_file), timeout_s=3)  # the worker is up: the call is quick to start
    written = Path(path_file.read_text())
    assert written.parent.name.startswith("modelpick-child-")
    assert not written.parent.exists()


def _raise_unsupported() -> None:
    from modelpick.exceptions import UnsupportedVariantError

    raise UnsupportedVariantError("torch.onnx.export cannot export Toy: no graph holds its loop")


def test_whether_a_childs_error_is_reproducible_crosses_into_the_parent():
    with pytest.raises(ProfilingError, match=r"^Profiling toy failed: torch.onnx.export cannot export Toy") as info:
        run_in_child(_raise_unsupported, timeout_s=60, error=ProfilingError, context="Profiling toy failed")
    assert info.value.reproducible
    with pytest.raises(ProfilingError) as info:
        run_in_child(int, "x", timeout_s=60, error=ProfilingError)
    assert not info.value.reproducible


def test_a_worker_started_without_waiting_reports_its_build_error_when_waited_for():
    # Several children may load at once (profile_interleaved starts one per CPU): starting never raises for
    # what the child does, waiting does, and a call first waits.
    from modelpick._isolation import ChildWorker

    failing = ChildWorker(int, "not a number", timeout_s=None, error=ProfilingError, context="Loading x failed")
    building = ChildWorker(list, [3, 1, 2], timeout_s=None)
    with pytest.raises(ProfilingError, match=r"^Loading x failed: ValueError: invalid literal for int\(\)"):
        failing.wait_ready(60)
    assert building.call("__len__", timeout_s=60) == 3  # waits for the build first
    building.wait_ready(60)  # already ready: returns at once
    building.close()
    assert _spawned_children() == []
