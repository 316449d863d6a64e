"""Run one function in a fresh spawned child process, with a timeout.

Measurements need a clean process (no memory or threads left over from another candidate), and a
candidate that crashes, is killed for memory or hangs must not take the run down. The parent waits on
the pipe with a timeout (no busy-waiting), then ends the child if it is still there.
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelpick.exceptions import ModelpickError

__all__ = ["ChildOutcome", "run_in_child"]


@dataclass(frozen=True)
class ChildOutcome:
    """What came back from a child: a value, or a one-line reason it failed."""

    ok: bool
    value: Any = None
    error: str = ""  # one line: "timed out after 30 s", "killed by SIGKILL (out of memory?)", "ValueError: ...",
    # or the message alone of one of modelpick's own errors
    error_type: str = ""  # class name of the child's exception, "Timeout" or "Crash"
    details: str = ""  # the child's traceback, for --debug


def _child_main(connection: Any, function: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        value = function(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as data
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        # modelpick's own errors already read as a reason; anything else is named by its type.
        line = message if isinstance(exc, ModelpickError) and message else (
            f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        )
        connection.send(("error", type(exc).__name__, line, traceback.format_exc()))
    else:
        connection.send(("ok", value))
    finally:
        connection.close()


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "the child did not exit"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"the child process was killed by {name}{hint}"
    return f"the child process exited with code {exitcode} without a result"


def run_in_child(
    function: Callable[..., Any], *args: Any, timeout_s: float, **kwargs: Any
) -> ChildOutcome:
    """Call ``function(*args, **kwargs)`` in a spawned child and return its outcome.

    ``function`` and its arguments must be picklable (module-level functions, dataclasses).

    Example:
        >>> run_in_child(divmod, 7, 2, timeout_s=60).value
        (3, 1)
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, function, args, kwargs), daemon=True)
    process.start()
    sender.close()  # the parent keeps only its end, so a dead child shows as EOF
    try:
        if receiver.poll(timeout_s):
            try:
                message = receiver.recv()
            except EOFError:
                process.join(5)
                return ChildOutcome(False, error=_describe_exit(process.exitcode), error_type="Crash")
            process.join(30)
            if message[0] == "ok":
                return ChildOutcome(True, value=message[1])
            _, error_type, line, details = message
            return ChildOutcome(False, error=line, error_type=error_type, details=details)
        if not process.is_alive():
            process.join(5)
            return ChildOutcome(False, error=_describe_exit(process.exitcode), error_type="Crash")
        return ChildOutcome(False, error=f"timed out after {timeout_s:g} s", error_type="Timeout")
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
