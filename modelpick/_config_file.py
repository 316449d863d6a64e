"""Config files: the options of a run written once in TOML, for ``--config FILE`` and :func:`load_config`.

The keys are the options of :class:`~modelpick.config.AdviseConfig`, named as :func:`modelpick.recommend`
names them (``max_latency_ms``, ``random_state``), and each value is checked by the same rules as the
argument; ``data`` and ``profiles`` name files, read from the config file's folder when relative.
Anything else is refused in one line that names the file, the line and the key, so a typo never
silently falls back to a default::

    modelpick.toml:7: unknown key 'max_latency' (did you mean 'max_latency_ms'?)

tomllib does not say where a key was written, so :func:`_key_lines` finds the line of each top-level
key in the text itself.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelpick._validation import Duration, Option, join_words, parse_duration
from modelpick.config import AdviseConfig
from modelpick.exceptions import ConfigFileError

__all__ = ["FILE_KEYS", "ConfigFile", "load_config", "read_config_file"]

# Keys beside the declared options: files the run reads (the CLI's --data and advise's --profiles).
FILE_KEYS = {
    "data": "the sample file (--data); a relative path is read from the config file's folder",
    "profiles": "profiles recorded with 'modelpick profile --save' (advise only); relative to the config file",
}


@dataclass(frozen=True)
class ConfigFile:
    """A config file read and checked.

    Attributes:
        path: The file, as it was named (messages name it so).
        values: Every key set, checked; ``data`` and ``profiles`` as paths resolved against the file's folder.
        lines: The line each key was set on, for messages about it.
    """

    path: str
    values: dict[str, Any]
    lines: dict[str, int]

    def where(self, key: str) -> str:
        """``"modelpick.toml:7"``: the file and the line of ``key``."""
        return _where(self.path, self.lines.get(key))


def load_config(path: str | Path) -> dict[str, Any]:
    """The options in TOML file ``path``, as keyword arguments of :func:`modelpick.recommend`.

    Keys are ``recommend()``'s argument names (``modelpick init`` writes a file with every one); a
    ``data`` key becomes ``sample``, and it and ``profiles`` are read from the file's folder when relative.

    Raises:
        ConfigFileError: the file cannot be read, is not TOML, or has a key that is unknown or has a
            value its option does not allow; the message names the file, the line and the key.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "modelpick.toml"
        >>> _ = path.write_text('max_latency_ms = 20\\ncandidates = ["tfidf-logreg", "majority-class"]\\n')
        >>> load_config(path)
        {'max_latency_ms': 20, 'candidates': ['tfidf-logreg', 'majority-class']}
        >>> _ = path.write_text('max_latency = 20\\n')
        >>> load_config(path)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.ConfigFileError: .../modelpick.toml:1: unknown key 'max_latency' (did you mean
        'max_latency_ms'?)
    """
    values = dict(read_config_file(path).values)
    if "data" in values:
        values["sample"] = values.pop("data")
    return values


def read_config_file(path: str | Path) -> ConfigFile:
    """Read and check the config file at ``path`` (see the module docstring for what it may hold).

    Raises:
        ConfigFileError: as for :func:`load_config`.
    """
    name = str(path)
    text = _read_text(Path(path).expanduser(), name)
    raw = _parse(text, name)
    lines = _key_lines(text)
    options = AdviseConfig.options()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in FILE_KEYS:
            checked, problem = _file_path(key, value, Path(path).expanduser().parent)
        elif key in options:
            checked, problem = _option_value(key, value, options[key][1])
        else:
            checked, problem = None, _unknown(key, value)
        if problem is not None:
            raise _error(f"{_where(name, lines.get(key))}: {problem}", name, lines.get(key), key)
        values[key] = checked
    return ConfigFile(name, values, {key: lines[key] for key in values if key in lines})


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else path


def _error(message: str, path: str, line: int | None = None, key: str | None = None) -> ConfigFileError:
    error = ConfigFileError(message)
    error.path, error.line, error.key = path, line, key
    return error


def _read_text(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _error(f"{name}: no such config file (write a starter one with: modelpick init {name})", name) from None
    except IsADirectoryError:
        raise _error(f"{name}: is a directory, not a config file", name) from None
    except OSError as exc:
        raise _error(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})", name) from exc
    try:
        # utf-8-sig: a byte-order mark some Windows editors add is not worth an error.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _error(
            f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); TOML files are UTF-8", name, line
        ) from None


def _tomllib() -> Any:
    """The TOML reader: the standard library's from Python 3.11, its backport ``tomli`` before."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def _parse(text: str, name: str) -> dict[str, Any]:
    tomllib = _tomllib()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
        if found is None:  # tomllib places every error it finds; an end-of-file one may say only that
            raise _error(f"{name}: not valid TOML: {message}", name) from None
        line, column = int(found.group(1)), found.group(2)
        reason = message[: found.start()] + message[found.end():]
        raise _error(f"{name}:{line}:{column}: not valid TOML: {reason}", name, line) from None


def _describe(value: Any) -> str:
    # TOML's words for the value a user wrote, so the message reads like the file.
    if value is True or value is False:
        return str(value).lower()
    return repr(value)


def _option_value(key: str, value: Any, spec: Option) -> tuple[Any, str | None]:
    """The value to use and ``None``, or what is wrong with it."""
    allowed = [c for c in spec.constraints if c is not None]  # TOML has no null: a key left out is "not set"
    described = ["true or false" if str(c) == "True or False" else str(c) for c in allowed]
    given = value
    if isinstance(value, str) and any(isinstance(c, Duration) for c in allowed):
        try:
            value = parse_duration(value)
        except ValueError:
            described = [f"{join_words(described)}, or a duration such as '90s', '20m' or '1h30m'"]
    if not any(c.is_satisfied_by(value) for c in allowed):
        return None, f"{key!r} must be {join_words(described)}. Got {_describe(given)} instead."
    return value, None


def _file_path(key: str, value: Any, folder: Path) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, f"{key!r} must be a file path (a string). Got {_describe(value)} instead."
    target = Path(value).expanduser()
    return str(target if target.is_absolute() else folder / target), None


def _spellings() -> dict[str, str]:
    """Keys people write for an option (its flag, its dashed name) -> what to write instead."""
    spellings: dict[str, str] = {}
    for name, (default, spec) in AdviseConfig.options().items():
        # --offline is allow_download = false: a flag that switches a true default off is the key set to false.
        fix = f"'{name} = false'" if spec.flag and default is True else repr(name)
        flag = (spec.flag or name).lstrip("-")
        for form in {flag, flag.replace("-", "_"), name.replace("_", "-")} - {name}:
            spellings[form] = fix
    return spellings


def _unknown(key: str, value: Any) -> str:
    known = [*AdviseConfig.options(), *FILE_KEYS]
    if isinstance(value, dict) and key not in known:
        return (f"unknown table [{key}] (modelpick reads the keys at the top of the file, before any [table]; "
                "'modelpick init' writes a file with every key)")
    spelled = _spellings().get(key)
    if spelled is not None:
        return f"unknown key {key!r} (did you mean {spelled}? keys are recommend()'s argument names, not flags)"
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    return f"unknown key {key!r} ('modelpick init' writes a file with every key there is)"


# --- where each key was written ------------------------------------------------------------------

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_KEY_AT_START = re.compile(rf"[ \t]*({_KEY})[ \t]*[.=]")
_HEADER_AT_START = re.compile(rf"[ \t]*\[\[?[ \t]*({_KEY})")


def _unquote(key: str) -> str:
    if key[0] in "\"'":
        return str(_tomllib().loads(f"k = {key}")["k"])  # TOML's own escapes, decoded by TOML's parser
    return key


def _key_lines(text: str) -> dict[str, int]:
    """The line on which each top-level key is first written (1-based), in TOML that parsed.

    A dotted key (``a.b = 1``) and a table header (``[a]``, ``[[a]]``) count as writing their first part.
    Lines inside multi-line strings and arrays are skipped: only a statement's start can set a key.

    Example:
        >>> quotes = '"' * 3  # a multi-line string
        >>> text = f'a = 1\\nb = {quotes}\\nc = 2\\n{quotes}\\nd = [\\n  "e = 3",\\n]\\n'
        >>> _key_lines(text + '"f g".h = 4\\n[t]\\nx = 5\\n')
        {'a': 1, 'b': 2, 'd': 5, 'f g': 8, 't': 9}
    """
    lines: dict[str, int] = {}
    in_string: str | None = None  # the closing delimiter of a multi-line string we are in
    depth = 0  # open [ and { of a value that spans lines
    in_root = True  # before the first [table]: keys there are top-level
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is None and depth == 0:
            header = _HEADER_AT_START.match(line)
            key = _KEY_AT_START.match(line)
            if header is not None:
                in_root = False
                lines.setdefault(_unquote(header.group(1)), number)
            elif key is not None and in_root:
                lines.setdefault(_unquote(key.group(1)), number)
        in_string, depth = _scan(line, in_string, depth)
    return lines


def _scan(line: str, in_string: str | None, depth: int) -> tuple[str | None, int]:
    """The state after ``line``: the multi-line string still open (its delimiter), and the bracket depth."""
    chars = _Chars(line)
    for char in chars:
        if in_string is not None:
            if char == "\\" and in_string == '"""':
                chars.skip(1)
            elif line.startswith(in_string, chars.at):
                chars.skip(2)
                while line.startswith(in_string[0], chars.at + 1):  # up to two quotes may end the string
                    chars.skip(1)
                in_string = None
        elif char == "#":
            break
        elif line.startswith('"""', chars.at) or line.startswith("'''", chars.at):
            in_string = line[chars.at: chars.at + 3]
            chars.skip(2)
        elif char in "\"'":
            chars.skip_string(char)
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string, depth


class _Chars:
    """The characters of one line with their positions, for a scanner that sometimes jumps ahead."""

    def __init__(self, line: str) -> None:
        self.line, self.at = line, -1

    def __iter__(self) -> Iterator[str]:
        while self.at + 1 < len(self.line):
            self.at += 1
            yield self.line[self.at]

    def skip(self, count: int) -> None:
        self.at += count

    def skip_string(self, quote: str) -> None:
        """Jump to the closing ``quote`` of a one-line string opened at the current position."""
        index = self.at + 1
        while index < len(self.line) and self.line[index] != quote:
            index += 2 if quote == '"' and self.line[index] == "\\" else 1
        self.at = index
