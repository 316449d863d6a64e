"""Run one function in a fresh spawned child process, with a timeout.

Measurements need a clean process (no memory or threads left over from another candidate), and a
candidate that crashes, is killed for memory or hangs must not take the run down. The parent waits on
the pipe with a timeout (no busy-waiting), then ends the child if it is still there.

Ctrl-C belongs to the parent. A terminal sends SIGINT to the whole foreground process group, children
included; a child ignores it (no half-written result, no traceback of its own on stderr), and the
parent, whose wait the ``KeyboardInterrupt`` ends, kills the child and everything the child started at
once (there is nothing in a child worth waiting for), so an interrupted run stops in well under a second.
A child must ignore SIGINT from its very first instruction: a spawned interpreter takes a second to
import its modules, and a Ctrl-C in that second would end it with Python's own traceback on the user's
terminal. So the parent blocks SIGINT while it starts a child (the blocked mask survives fork and exec);
the child sets SIGINT to ignored, which discards one already pending, and only then unblocks it. A
Ctrl-C that reaches the parent meanwhile stays pending and is raised as soon as the child is started.

Each child writes its temporary files (an exported ONNX graph is 0.5 GB for DeBERTa-v3-small) under a
scratch directory the parent made for it and removes once the child has ended: a child killed for a
timeout or for memory cannot clean up after itself, and used to leave its files in the system's
temporary directory.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator
from multiprocessing import resource_tracker
from typing import Any

from modelpick._errors import one_line
from modelpick.exceptions import CandidateTimeout, ModelpickError

__all__ = ["ChildWorker", "run_in_child"]

# A child asked to stop (SIGTERM) gets this long before SIGKILL; a killed one is reaped within the other.
_TERMINATE_WAIT_S = 3.0
_KILL_WAIT_S = 2.0


def _scratch_directory() -> str:
    """A directory for one child's temporary files, made (and later removed) by the parent."""
    return tempfile.mkdtemp(prefix="modelpick-child-")


def _enter_child(scratch: str) -> None:
    """What every child does first: leave Ctrl-C to the parent (see the module docstring; SIGTERM and
    SIGKILL still work), and write temporary files, its own and its libraries', under ``scratch``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent while it started us
    tempfile.tempdir = scratch
    os.environ["TMPDIR"] = scratch  # for processes the child starts


def _child_main(connection: Any, scratch: str, function: Callable[..., Any], args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> None:
    _enter_child(scratch)
    try:
        value = function(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as data
        connection.send(_error_message(exc))
    else:
        connection.send(("ok", value))
    finally:
        connection.close()


def _error_message(exc: BaseException) -> tuple[str, str, str, bool]:
    """What a child sends for an error: its one line, its traceback, and whether it is reproducible (the
    parent re-raises it as another class, so it could not tell from the class)."""
    return "error", one_line(exc), traceback.format_exc(), bool(getattr(exc, "reproducible", False))


def _as_error(error: type[ModelpickError], context: str, reason: str, details: str = "",
              reproducible: bool = False) -> ModelpickError:
    exc = error(f"{context}: {reason}" if context else reason)
    exc.details = details
    exc.reproducible = reproducible
    return exc


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
    function: Callable[..., Any],
    *args: Any,
    timeout_s: float,
    error: type[ModelpickError] = ModelpickError,
    context: str = "",
    **kwargs: Any,
) -> Any:
    """Call ``function(*args, **kwargs)`` in a spawned child and return its value.

    ``function`` and its arguments must be picklable (module-level functions, dataclasses).

    Args:
        timeout_s: Wall-clock limit; the child is ended when it runs past it.
        error: The error raised when the child raises or dies.
        context: Put before the one-line reason, e.g. ``"Profiling bert failed"``.

    Raises:
        CandidateTimeout: the child ran past ``timeout_s`` ("timed out after 30 s").
        ModelpickError: ``error``, when the child raised (its one-line reason; the traceback is on
            ``details``) or died without a result ("the child process was killed by SIGKILL (out of memory?)").

    Example:
        >>> run_in_child(divmod, 7, 2, timeout_s=60)
        (3, 1)
        >>> run_in_child(divmod, 1, 0, timeout_s=60, context="Dividing failed")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.ModelpickError: Dividing failed: ZeroDivisionError: integer division or modulo by zero
    """

    def failure(reason: str, details: str = "", reproducible: bool = False) -> ModelpickError:
        return _as_error(error, context, reason, details, reproducible)

    spawn = multiprocessing.get_context("spawn")
    receiver, sender = spawn.Pipe(duplex=False)
    scratch = _scratch_directory()
    process = spawn.Process(target=_child_main, args=(sender, scratch, function, args, kwargs), daemon=True)
    try:
        # Starting the resource tracker unblocks SIGINT (CPython's own bpo-33613 guard), so it runs first.
        resource_tracker.ensure_running()
        with _sigint_blocked():
            process.start()
        sender.close()  # the parent keeps only its end, so a dead child shows as EOF
        if receiver.poll(timeout_s):
            try:
                message = receiver.recv()
            except EOFError:
                process.join(5)
                raise failure(_describe_exit(process.exitcode)) from None
            process.join(30)
            if message[0] == "ok":
                return message[1]
            _, line, details, reproducible = message
            raise failure(line, details, reproducible)
        if not process.is_alive():
            process.join(5)
            raise failure(_describe_exit(process.exitcode))
        reason = f"timed out after {timeout_s:g} s"
        raise CandidateTimeout(f"{context}: {reason}" if context else reason, timeout_s=timeout_s)
    except (KeyboardInterrupt, SystemExit):
        # Ctrl-C or an exit: the run stops now, and the child's work would be lost anyway.
        _end(process, graceful=False)
        raise
    finally:
        sender.close()
        receiver.close()
        _end(process, graceful=True)
        shutil.rmtree(scratch, ignore_errors=True)


def _worker_main(connection: Any, scratch: str, factory: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
    _enter_child(scratch)
    try:
        served = factory(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the parent learns of it at its first request
        connection.send(_error_message(exc))
        connection.close()
        return
    connection.send(("ok", None))
    while True:
        try:
            method, call_args, call_kwargs = connection.recv()
        except EOFError:  # the parent is gone or done
            break
        try:
            value = getattr(served, method)(*call_args, **call_kwargs)
        except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as data
            connection.send(_error_message(exc))
        else:
            connection.send(("ok", value))
    connection.close()


class ChildWorker:
    """An object built and kept in a spawned child, whose methods the parent calls one at a time.

    ``ChildWorker(factory, *args, ...)`` starts the child, which builds ``factory(*args, **kwargs)``, and
    waits up to ``timeout_s`` for it; with ``timeout_s=None`` it returns at once, so several children
    can build at the same time, and :meth:`wait_ready` (or the first :meth:`call`) waits.
    :meth:`call` runs one of that object's methods there and returns its value. Used where work must
    alternate between several children that each keep state (one loaded model each, timed in turns).
    The rules of :func:`run_in_child` hold: a child ignores Ctrl-C (the parent's
    ``KeyboardInterrupt`` kills every worker at once), a crash or hang becomes ``error`` or
    :class:`CandidateTimeout`, and the worker is then closed.

    Example:
        >>> worker = ChildWorker(list, [3, 1, 2], timeout_s=60)
        >>> worker.call("sort", timeout_s=60), worker.call("__len__", timeout_s=60)
        (None, 3)
        >>> worker.close()
    """

    def __init__(self, factory: Callable[..., Any], *args: Any, timeout_s: float | None,
                 error: type[ModelpickError] = ModelpickError, context: str = "", **kwargs: Any) -> None:
        self._error, self._context = error, context
        spawn = multiprocessing.get_context("spawn")
        self._connection, child_end = spawn.Pipe(duplex=True)
        self._scratch = _scratch_directory()
        self._process = spawn.Process(target=_worker_main, args=(child_end, self._scratch, factory, args, kwargs),
                                      daemon=True)
        self._closed = False
        try:
            resource_tracker.ensure_running()  # see run_in_child
            with _sigint_blocked():
                self._process.start()
        except BaseException:
            self.close(graceful=False)
            raise
        finally:
            child_end.close()
        self._ready = False
        if timeout_s is not None:
            self.wait_ready(timeout_s)

    def wait_ready(self, timeout_s: float) -> None:
        """Wait until the child has built its object; raise the reason it could not (the worker is then closed)."""
        if not self._ready:
            self._receive(timeout_s)
            self._ready = True

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def call(self, method: str, *args: Any, timeout_s: float, **kwargs: Any) -> Any:
        """``method(*args, **kwargs)`` on the child's object; its value (which must pickle)."""
        if self._closed:
            raise self._failure("the worker was closed")
        self.wait_ready(timeout_s)
        try:
            self._connection.send((method, args, kwargs))
        except (BrokenPipeError, OSError):
            self.close()
            raise self._failure(_describe_exit(self._process.exitcode)) from None
        return self._receive(timeout_s)

    def _receive(self, timeout_s: float) -> Any:
        try:
            if self._connection.poll(timeout_s):
                try:
                    message = self._connection.recv()
                except EOFError:
                    self._process.join(5)
                    self.close()
                    raise self._failure(_describe_exit(self._process.exitcode)) from None
                if message[0] == "ok":
                    return message[1]
                _, line, details, reproducible = message
                self.close()
                raise self._failure(line, details, reproducible)
            alive = self._process.is_alive()
            self.close()
            if not alive:
                raise self._failure(_describe_exit(self._process.exitcode))
            reason = f"timed out after {timeout_s:g} s"
            raise CandidateTimeout(f"{self._context}: {reason}" if self._context else reason, timeout_s=timeout_s)
        except (KeyboardInterrupt, SystemExit):
            self.close(graceful=False)
            raise

    def _failure(self, reason: str, details: str = "", reproducible: bool = False) -> ModelpickError:
        return _as_error(self._error, self._context, reason, details, reproducible)

    def close(self, *, graceful: bool = True) -> None:
        """End the child (and anything it started); safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        try:
            self._connection.close()  # a waiting child sees EOF and returns
        finally:
            if graceful and self._process.pid is not None:
                self._process.join(_TERMINATE_WAIT_S)
            _end(self._process, graceful=graceful)
            shutil.rmtree(self._scratch, ignore_errors=True)


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread for the block; a Ctrl-C meanwhile is raised when it ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _end(process: Any, *, graceful: bool) -> None:
    """End ``process`` and every process it started, if still running.

    ``graceful``: SIGTERM first with a few seconds to exit, then SIGKILL; otherwise SIGKILL at once.
    The child's own children are found before it dies (then they would belong to no one) and killed too.
    """
    if process.pid is None:  # never started
        return
    if not process.is_alive():
        process.join(1)
        return
    descendants = _descendants(process.pid)
    if graceful:
        process.terminate()
        process.join(_TERMINATE_WAIT_S)
    if process.is_alive():
        process.kill()
        process.join(_KILL_WAIT_S)
    for leftover in descendants:
        try:
            leftover.kill()
        except Exception:  # noqa: BLE001 - it is gone already (psutil.NoSuchProcess) or not ours to kill
            pass


def _descendants(pid: int) -> list[Any]:
    try:
        import psutil

        return list(psutil.Process(pid).children(recursive=True))
    except Exception:  # noqa: BLE001 - the child exited meanwhile; it left nothing to find
        return []
