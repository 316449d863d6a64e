"""Files modelpick writes (reports, saved profiles, caches): checked before any measuring, written atomically.

A run can take minutes; finding only at the end that the report cannot be written loses all of it, so
entry points check the path first. Writing goes to a temporary file in the same directory that is then
renamed over the target, so a crash never leaves half a file where an earlier good one was.

The user cache dir lives here, in the base layer, because layers that may not import each other keep
files there: the Optuna studies (``tuning``) and the measurement cache (``profiling``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from modelpick._validation import invalid_parameter

__all__ = ["check_writable", "default_cache_dir", "write_atomically"]


def default_cache_dir() -> Path:
    """modelpick's cache dir: ``$MODELPICK_CACHE_DIR``, else ``$XDG_CACHE_HOME/modelpick``, else
    ``~/.cache/modelpick``.

    Read from the environment on each call and never created here, so a test or a CI job can move it.
    """
    explicit = os.environ.get("MODELPICK_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "modelpick"


def _problem(path: Path) -> str | None:
    """Why ``path`` cannot be written as a file, or ``None`` when it can."""
    if path.is_dir():
        return "it is a directory"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    ancestor = path.parent
    while not ancestor.exists():  # parents that do not exist yet are created when writing
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is not a directory"
    try:
        # os.access says yes to root on read-only file systems; creating a file is the real test.
        with tempfile.NamedTemporaryFile(dir=ancestor, prefix=".modelpick-check-"):
            pass
    except OSError as exc:
        return f"cannot create files in {ancestor}: {exc.strerror or type(exc).__name__}"
    return None


def check_writable(path: str | os.PathLike[str], *, parameter: str, caller: str) -> Path:
    """``path`` as a :class:`~pathlib.Path`, once it is certain a file can be written there.

    Raises:
        InvalidParameterError: it is a directory, read-only, or in a place where no file can be made.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> check_writable(folder, parameter="output", caller="advise")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: The 'output' parameter of advise must be a writable file path
        (it is a directory). Got '...' instead.
    """
    target = Path(path).expanduser()
    problem = _problem(target)
    if problem is not None:
        raise invalid_parameter(parameter, caller, f"a writable file path ({problem})", str(path))
    return target


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it (parents are created)."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp makes the file private (0600); a report is as readable as the file it replaces.
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
