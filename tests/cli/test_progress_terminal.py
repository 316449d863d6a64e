"""The progress bar on a real terminal (a pseudo-terminal): Ctrl-C gives the cursor back.

rich hides the cursor while a bar is live; a run interrupted mid-bar must stop the bar, or the user's
shell is left without a cursor.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

from modelpick.testing.faults import ignores_sigint

HIDE_CURSOR, SHOW_CURSOR = b"\x1b[?25l", b"\x1b[?25h"

pytestmark = pytest.mark.slow


def _read(fd: int, into: bytearray, *, for_s: float) -> None:
    deadline = time.monotonic() + for_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the run ended
                return
            if not chunk:
                return
            into.extend(chunk)


def test_ctrl_c_during_the_progress_bar_gives_the_cursor_back(tmp_path):
    import psutil

    leader, follower = pty.openpty()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MODELPICK_CACHE_DIR": str(tmp_path), "COLUMNS": "100"}
    run = subprocess.Popen(
        [sys.executable, "-m", "modelpick.testing.faults", "advise", "--demo", "--candidate", "fault:hang",
         "--candidate", "majority-class", "--offline", "--threads", "1"],
        stdin=follower, stdout=follower, stderr=follower, start_new_session=True, env=env,
    )
    os.close(follower)
    shown = bytearray()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            _read(leader, shown, for_s=0.5)
            children = psutil.Process(run.pid).children(recursive=True)
            if HIDE_CURSOR in shown and any(ignores_sigint(child.pid) for child in children):
                break
        else:
            raise AssertionError(f"the bar never showed a candidate at work:\n{shown.decode(errors='replace')}")
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C on a terminal sends
        run.wait(60)
        _read(leader, shown, for_s=2)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(30)
        os.close(leader)

    assert run.returncode == 130, shown.decode(errors="replace")
    assert shown.rfind(SHOW_CURSOR) > shown.rfind(HIDE_CURSOR), "the cursor was left hidden"
    assert b"Traceback" not in shown
