"""The one error boundary: any exception as one line of text, and third-party errors re-raised as ours.

Reports, progress lines and rejection reasons show why a candidate failed in one line. modelpick's own
errors already read as a reason, so they keep their message; anything else is named by its type, since
"KeyError: 'x'" says more than "'x'". Every module that calls into torch, transformers, scikit-learn,
pandas or the Hub goes through :func:`reraised_as` (or :func:`one_line` where a failure is only one of
several places tried), so no caller ever has to catch another library's exceptions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from modelpick.exceptions import ModelpickError

__all__ = ["add_note", "one_line", "permission_denied", "reraised_as"]


_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;]*m")


def one_line(exc: BaseException) -> str:
    """``exc`` as one line: its message for modelpick's errors, ``"Type: first line"`` for others.

    A ``MemoryError`` says so in words: it usually has no message, and a candidate's reason must tell
    that it ran out of memory (e.g. past a memory limit set on its process).

    Example:
        >>> one_line(ValueError("bad value\\nmore detail"))
        'ValueError: bad value'
        >>> one_line(KeyError())
        'KeyError'
        >>> from modelpick.exceptions import DataError
        >>> one_line(DataError("The sample has one class."))
        'The sample has one class.'
        >>> one_line(MemoryError())
        'ran out of memory (MemoryError)'
        >>> one_line(RuntimeError("\x1b[96mstep 1/3\x1b[0m failed"))
        'RuntimeError: step 1/3 failed'
    """
    text = _TERMINAL_CODES.sub("", str(exc)).strip()  # colours some libraries put in their messages
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, MemoryError):
        return f"ran out of memory (MemoryError: {first})" if first else "ran out of memory (MemoryError)"
    if isinstance(exc, ModelpickError) and first:
        return first
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


@contextmanager
def reraised_as(error: type[ModelpickError], context: str) -> Iterator[None]:
    """Re-raise any non-modelpick exception in the block as ``error("<context>: <one line>")``.

    modelpick's own errors pass unchanged: they already name the value and the fix.

    Example:
        >>> from modelpick.exceptions import EstimationError
        >>> with reraised_as(EstimationError, "Fitting the classifier failed"):
        ...     int("x")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.EstimationError: Fitting the classifier failed: ValueError: invalid literal for int()
        with base 10: 'x'
    """
    try:
        yield
    except ModelpickError:
        raise
    except Exception as exc:  # the boundary: every other library's error becomes one of ours
        raise error(f"{context}: {one_line(exc)}") from exc


def add_note(exc: BaseException, note: str) -> None:
    """``exc.add_note(note)`` on Python 3.11+; on 3.10 the note goes to ``__notes__`` all the same.

    An interrupted run says with a note on its ``KeyboardInterrupt`` what it kept (the CLI prints the notes).

    Example:
        >>> interrupt = KeyboardInterrupt()
        >>> add_note(interrupt, "saved 2 profiles")
        >>> interrupt.__notes__
        ['saved 2 profiles']
    """
    adder = getattr(exc, "add_note", None)
    if adder is not None:
        adder(note)
    else:
        exc.__notes__ = [*getattr(exc, "__notes__", ()), note]  # type: ignore[attr-defined]


def permission_denied(subject: str, fix: str) -> str:
    """The one wording of "this user may not read it": ``subject``, who is asking, and ``fix``.

    Example:
        >>> permission_denied("Cannot read 'x.csv'", "Make it readable (chmod a+r) or run as its owner.")[:46]
        "Cannot read 'x.csv': permission denied for thi"
    """
    # os.getuid exists on POSIX only; elsewhere the user is simply "this user".
    who = f" (uid {os.getuid()})" if hasattr(os, "getuid") else ""
    return f"{subject}: permission denied for this user{who}. {fix}"
