"""A measurement cache: figures kept in a SQLite file, so a second identical run reuses them (issue 9).

Measuring a candidate takes minutes, and measuring it again on the same machine with the same libraries
and inputs gives the same answer. The store is generic and knows nothing of profiling: ``kind`` names
what is kept (``"latency-curve"``, ``"token-lengths"``, ``"matmul-peak"``), ``key`` holds everything the
figures depend on (the caller puts the candidate, variant, length grid, hardware fingerprint and library
versions there), and ``payload`` holds the figures. An entry is found by the sha256 of its key's
canonical JSON, so a changed fingerprint or library version is simply another key: a miss, with nothing
to invalidate and nothing stale to find.

A cache saves time; it must never cost a run. A file that is corrupt, unwritable, of a newer schema or
another program's database is reported once per :class:`MeasurementCache` object with a
:class:`~modelpick.exceptions.CacheWarning` naming the file and the fix, and the run measures as if there
were no cache. Such a file is never written to: it may hold something its owner wants back.

Several processes may share one file (parallel CI jobs, a ``tune`` worker next to an ``advise``): the
file is in WAL mode where the file system allows it, every write is one short ``BEGIN IMMEDIATE``
transaction, and a busy timeout makes a writer wait for the other instead of failing with "database is
locked".
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from modelpick._files import default_cache_dir
from modelpick._validation import invalid_parameter
from modelpick.exceptions import CacheWarning

__all__ = ["SCHEMA_VERSION", "CachedEntry", "MeasurementCache", "default_cache_path", "key_digest"]

SCHEMA_VERSION = 1
"""The layout of the cache file, kept in its ``PRAGMA user_version``. Raise it when the table changes."""

# "mpkc" in the SQLite header (PRAGMA application_id): tells our file from another program's database,
# so a --cache pointed at, say, Optuna's studies is refused instead of getting a table added.
_APPLICATION_ID = 0x6D706B63

# A writer waits this long for another process's write to finish. Writes take milliseconds; the margin is
# for a slow disk or a paused process, and is still far below the cost of measuring again.
_BUSY_TIMEOUT_S = 30.0

_CREATE = """
CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL,
    digest TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    measured_at TEXT NOT NULL,
    PRIMARY KEY (kind, digest)
)
"""

# SQLite's words for a file it may not create or write (its errors carry no errno).
_UNWRITABLE_WORDS = ("readonly", "read-only", "unable to open", "permission")

_FIX_CORRUPT = "delete it or pass --cache with another path (--no-cache to measure without one)"
_FIX_OTHER = "pass --cache with another path (--no-cache to measure without one)"


@dataclass(frozen=True)
class CachedEntry:
    """One stored measurement.

    Args:
        kind: The namespace it was stored under, e.g. ``"latency-curve"``.
        key: What the figures depend on, as stored (JSON: tuples came back as lists).
        digest: The key's identity, :func:`key_digest` of ``key`` (hex sha256).
        payload: The figures, as stored (JSON).
        measured_at: When they were measured: ISO-8601 UTC to the second, e.g. ``"2026-05-09T07:35:25+00:00"``.
    """

    kind: str
    key: dict[str, Any]
    digest: str
    payload: dict[str, Any]
    measured_at: str


def default_cache_path() -> Path:
    """Where measurements are cached when no path is given: ``measurements.sqlite3`` in the user cache dir.

    The dir is :func:`~modelpick._files.default_cache_dir` (``$MODELPICK_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/modelpick``, else ``~/.cache/modelpick``), the one Optuna's studies live in too.

    Example:
        >>> default_cache_path().name
        'measurements.sqlite3'
    """
    return default_cache_dir() / "measurements.sqlite3"


def key_digest(key: Mapping[str, Any]) -> str:
    """The identity of a cache key: the hex sha256 of its canonical JSON.

    Canonical: keys sorted, no whitespace, floats as Python's ``repr`` writes them, tuples as lists, and
    only ASCII (other characters escaped), so equal keys give equal digests in every process and version.
    ``1`` and ``1.0`` and ``True`` are different keys, as JSON writes them differently.

    Raises:
        TypeError: ``key`` is not a mapping, has a non-string mapping key, or holds a value of a type JSON
            cannot hold; the message names the value's place and type.
        ValueError: ``key`` holds a NaN or infinite float (not JSON).

    Example:
        >>> key_digest({"model": "bert", "lengths": (8, 16)}) == key_digest({"lengths": [8, 16], "model": "bert"})
        True
        >>> len(key_digest({}))
        64
        >>> key_digest({"lengths": {8, 16}})
        Traceback (most recent call last):
        ...
        TypeError: The cache key's value at ['lengths'] is a set, which JSON cannot hold: use str, int, float,
        bool, None, lists, tuples or mappings with string keys.
    """
    return _digest(_canonical_json(key, "cache key"))


class MeasurementCache:
    """Measurements kept in one SQLite file, found again by what they depend on.

    The file (and its folder) is created on the first :meth:`put`; reading a cache that does not exist is
    a miss and creates nothing. A problem with the file never raises: it is one
    :class:`~modelpick.exceptions.CacheWarning` per cache object, after which a read is a miss and a write
    does nothing. Bad arguments (a key JSON cannot hold) do raise: they are the caller's bug.

    Args:
        path: The SQLite file, e.g. :func:`default_cache_path`. ``~`` is expanded.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> cache = MeasurementCache(f"{folder}/sub/measurements.sqlite3")
        >>> key = {"candidate": "bert-base-uncased", "lengths": (16, 64), "torch": "2.13.0"}
        >>> cache.get("latency-curve", key) is None  # a miss; no file is made for it
        True
        >>> cache.path.exists()
        False
        >>> stored = cache.put("latency-curve", key, {"p90_ms": [3.2, 7.9]}, measured_at="2026-05-09T07:35:25Z")
        >>> same_key = {"torch": "2.13.0", "lengths": [16, 64], "candidate": "bert-base-uncased"}
        >>> entry = cache.get("latency-curve", same_key)
        >>> entry.payload, entry.measured_at
        ({'p90_ms': [3.2, 7.9]}, '2026-05-09T07:35:25+00:00')
        >>> entry == stored
        True
        >>> cache.get("latency-curve", {**key, "torch": "2.14.0"}) is None  # another library version: a miss
        True
        >>> cache.clear()
        1
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path).expanduser()
        self._warned = False

    @property
    def path(self) -> Path:
        """The SQLite file (it may not exist yet)."""
        return self._path

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self._path)!r})"

    def get(self, kind: str, key: Mapping[str, Any]) -> CachedEntry | None:
        """The entry stored under ``kind`` and ``key``, or ``None`` (a miss).

        A cache file that does not exist, or cannot be used (warned once), is a miss; so is an entry
        whose stored JSON is damaged (warned once): it is measured again and replaced by the next put.

        Raises:
            TypeError, ValueError: ``key`` is not a JSON-able mapping (see :func:`key_digest`).
            InvalidParameterError: ``kind`` is not a non-empty string.
        """
        _check_kind(kind, "get")
        digest = _digest(_canonical_json(key, "cache key"))
        rows = self._read("SELECT kind, digest, key, payload, measured_at FROM entries WHERE kind = ? AND digest = ?",
                          (kind, digest))
        return self._entry(*rows[0]) if rows else None

    def put(
        self,
        kind: str,
        key: Mapping[str, Any],
        payload: Mapping[str, Any],
        *,
        measured_at: str | datetime | None = None,
    ) -> CachedEntry:
        """Store ``payload`` under ``kind`` and ``key``, replacing an entry stored under the same ones.

        Args:
            kind: A short namespace for what is stored, e.g. ``"latency-curve"``.
            key: Everything the figures depend on: a mapping of JSON values (tuples are stored as lists).
            payload: The figures: a mapping of JSON values.
            measured_at: When the figures were measured (a timezone-aware ``datetime`` or ISO-8601 text
                with an offset); now by default. Stored as UTC to the second.

        Returns:
            The entry as :meth:`get` will return it. When the cache cannot be used (warned once) it is
            returned all the same but not stored.

        Raises:
            TypeError, ValueError: ``key`` or ``payload`` is not a JSON-able mapping (see :func:`key_digest`).
            InvalidParameterError: ``kind`` is not a non-empty string, or ``measured_at`` is not a
                timezone-aware time.
        """
        _check_kind(kind, "put")
        key_json = _canonical_json(key, "cache key")
        # Only the key needs a canonical form; the payload keeps the caller's order of fields.
        payload_json = _canonical_json(payload, "cache payload", sort_keys=False)
        entry = CachedEntry(kind, json.loads(key_json), _digest(key_json), json.loads(payload_json),
                            _timestamp(measured_at))
        with self._guarded():
            # Made here, not in __init__: a cache that is only read must not leave folders behind.
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection("rwc") as conn, _write(conn, self._path):
                conn.execute(
                    "INSERT OR REPLACE INTO entries (kind, digest, key, payload, measured_at) VALUES (?, ?, ?, ?, ?)",
                    (kind, entry.digest, key_json, payload_json, entry.measured_at),
                )
        return entry

    def entries(self, kind: str | None = None) -> list[CachedEntry]:
        """Every usable entry (of ``kind`` when given), oldest measurement first.

        Damaged entries are left out (warned once); an unusable or missing file gives ``[]``.
        """
        if kind is not None:
            _check_kind(kind, "entries")
        query = "SELECT kind, digest, key, payload, measured_at FROM entries"
        arguments: tuple[str, ...] = ()
        if kind is not None:
            query, arguments = f"{query} WHERE kind = ?", (kind,)
        found = (self._entry(*row) for row in self._read(f"{query} ORDER BY measured_at, kind, digest", arguments))
        return [entry for entry in found if entry is not None]

    def clear(self, kind: str | None = None) -> int:
        """Remove every entry (of ``kind`` only, when given); the number removed (0 when the file does not
        exist or cannot be used)."""
        if kind is not None:
            _check_kind(kind, "clear")
        removed = 0
        # A missing file or a new, empty database has nothing to remove, and must not be created or changed.
        if os.path.lexists(self._path):
            with self._guarded(), self._connection("rw") as conn:
                if _usable(conn, self._path):
                    with _write(conn, self._path):
                        if kind is None:
                            removed = conn.execute("DELETE FROM entries").rowcount
                        else:
                            removed = conn.execute("DELETE FROM entries WHERE kind = ?", (kind,)).rowcount
        return removed

    # --- internals ---------------------------------------------------------------------------------------

    def _read(self, query: str, arguments: tuple[str, ...]) -> list[tuple[str, str, str, str, str]]:
        """The rows of a read query: none when the file does not exist, is a new database, or is unusable."""
        if not os.path.lexists(self._path):
            return []  # not opened: opening would create the file
        with self._guarded():
            for mode in ("rw", "ro&immutable=1"):
                try:
                    with self._connection(mode) as conn:
                        return conn.execute(query, arguments).fetchall() if _usable(conn, self._path) else []
                except sqlite3.OperationalError as exc:
                    # Reading a WAL file needs its -shm file, which cannot be made on a read-only file or
                    # folder (a shared or baked-in cache). Reading it as immutable needs none; it only misses
                    # what a writer, if there is one, has not yet checkpointed into the file.
                    if mode != "rw" or not _unwritable(exc):
                        raise
        return []

    @contextmanager
    def _connection(self, mode: str) -> Iterator[sqlite3.Connection]:
        """A connection to the file, opened with a SQLite URI ``mode`` (``rw`` never creates the file).

        One connection per operation, closed at once: no lock or open file outlives an operation, and a
        cache object can be pickled to a child process.
        """
        if self._path.is_dir():
            raise _Unusable(self._path, "it is a directory", _FIX_OTHER)
        uri = f"file:{quote(os.fspath(self._path.absolute()))}?mode={mode}"
        # isolation_level=None: transactions are begun explicitly, as BEGIN IMMEDIATE (see _write).
        conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()  # an uncommitted transaction is rolled back here

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Turn a problem with the file into one warning per cache object (and a miss or a skipped write)."""
        try:
            yield
        except _Unusable as problem:
            self._warn(f"The measurement cache {problem.path} cannot be used ({problem.reason}); {problem.fix}.")
        except (sqlite3.Error, OSError) as exc:
            self._warn(_problem(self._path, exc))

    def _entry(self, kind: str, digest: str, key_json: str, payload_json: str, measured_at: str) -> CachedEntry | None:
        try:
            key, payload = json.loads(key_json), json.loads(payload_json)
        except (TypeError, ValueError):  # not text, or not JSON
            key = payload = None
        if not isinstance(key, dict) or not isinstance(payload, dict) or not isinstance(measured_at, str):
            self._warn(
                f"The measurement cache {self._path} holds a damaged {kind!r} entry ({digest[:12]}), measured "
                f"again; if this repeats, {_FIX_CORRUPT}."
            )
            return None
        return CachedEntry(kind, key, digest, payload, measured_at)

    def _warn(self, message: str) -> None:
        # Once per cache object: a run reads and writes many entries, and one broken file is one problem.
        if not self._warned:
            self._warned = True
            warnings.warn(message, CacheWarning, stacklevel=2)


class _Unusable(Exception):
    """The file is not one this cache may read or write (not raised past :meth:`MeasurementCache._guarded`)."""

    def __init__(self, path: Path, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.path, self.reason, self.fix = path, reason, fix


def _usable(conn: sqlite3.Connection, path: Path) -> bool:
    """Whether the file holds our table (``False``: a new, empty database).

    Raises:
        _Unusable: the file is another program's database, or ours with another schema version.
        sqlite3.DatabaseError: the file is not a SQLite database, or a damaged one.
    """
    # One statement, so one snapshot: read apart, another process could create the table in between, and
    # a file seen with no id but a table would be taken for another program's. Reading the schema also
    # reads the file's first pages, so a truncated or damaged file fails here.
    application_id, version, tables = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT user_version FROM pragma_user_version()),"
        " (SELECT count(*) FROM sqlite_master)"
    ).fetchone()
    if application_id == _APPLICATION_ID:
        if version == SCHEMA_VERSION:
            return True
        if version > SCHEMA_VERSION:
            reason = f"it was written by a newer modelpick, cache schema {version}; this one reads {SCHEMA_VERSION}"
            raise _Unusable(path, reason, f"upgrade modelpick, or {_FIX_OTHER}")
        raise _Unusable(path, f"unknown cache schema {version}", _FIX_CORRUPT)
    if application_id == 0 and tables == 0:
        return False
    raise _Unusable(path, "it is a SQLite database of another program, not a modelpick measurement cache", _FIX_OTHER)


@contextmanager
def _write(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """One short write transaction on a usable file, creating the table in a new one."""
    if not _usable(conn, path):
        _use_wal(conn)
    # IMMEDIATE takes the write lock up front, so the busy timeout applies; a deferred transaction that
    # read first and then wrote could fail at once with "database is locked" to avoid a deadlock.
    conn.execute("BEGIN IMMEDIATE")
    # Checked again under the lock: another process may have created the table, or replaced the file.
    if not _usable(conn, path):
        conn.execute(_CREATE)
        conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    yield
    conn.execute("COMMIT")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put a new file in WAL mode, where readers go on while one process writes.

    The mode is a property of the file, set once, outside any transaction. Switching needs the file to
    itself for a moment, and SQLite answers "database is locked" at once, without waiting, while another
    process (creating the same new cache) holds it: so wait here. Where WAL cannot be had (a file system
    without shared memory, or a switch that never gets its moment) the rollback journal stays, slower for
    readers but as safe, since every write takes its lock with BEGIN IMMEDIATE.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            if time.monotonic() > deadline:
                return
        time.sleep(0.01)


def _busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _problem(path: Path, exc: sqlite3.Error | OSError) -> str:
    """The one-line warning for an error from SQLite or the OS: what went wrong and what to do."""
    if isinstance(exc, OSError):
        reason = f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else str(exc) or type(exc).__name__
    else:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, sqlite3.Error) and _busy(exc):
        fix = f"another process is holding it; try again, or {_FIX_OTHER}"
    elif isinstance(exc, OSError) or _unwritable(exc):
        fix = f"make it writable, or {_FIX_OTHER}"
    else:  # not a database, malformed, a table missing: the file itself is bad
        return f"The measurement cache {path} is corrupt ({reason}); {_FIX_CORRUPT}."
    return f"The measurement cache {path} cannot be used ({reason}); {fix}."


def _unwritable(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return any(word in text for word in _UNWRITABLE_WORDS)


def _check_kind(kind: object, method: str) -> None:
    if not isinstance(kind, str) or not kind.strip():
        raise invalid_parameter("kind", f"MeasurementCache.{method}", "a non-empty string", kind)


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _canonical_json(value: object, what: str, *, sort_keys: bool = True) -> str:
    if not isinstance(value, Mapping):
        raise TypeError(f"The {what} must be a mapping (a dict). Got a {_type_name(value)} instead.")
    # sort_keys and compact separators make the text canonical; ensure_ascii keeps the text encodable
    # whatever characters (even lone surrogates) a string holds. float.__repr__ is json's own float format.
    return json.dumps(_plain(value, what, ""), sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=True)


def _plain(value: object, what: str, where: str) -> object:
    """``value`` with tuples as lists and mappings as dicts, after checking JSON can hold every part."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            # Python writes NaN and Infinity, but they are not JSON (modelpick's reports refuse them too).
            raise ValueError(
                f"The {what}'s value at {where or 'top'} is {value!r}, which JSON cannot hold: use None for a "
                "missing figure."
            )
        return value
    if isinstance(value, Mapping):
        plain = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(
                    f"The {what} has a key of type {_type_name(name)} ({name!r}) at {where or 'top'}: "
                    "JSON keys are strings."
                )
            plain[name] = _plain(item, what, f"{where}[{name!r}]")
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain(item, what, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(
        f"The {what}'s value at {where or 'top'} is a {_type_name(value)}, which JSON cannot hold: use str, int, "
        "float, bool, None, lists, tuples or mappings with string keys."
    )


def _type_name(value: object) -> str:
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _timestamp(measured_at: str | datetime | None) -> str:
    moment: datetime | None
    if measured_at is None:
        moment = datetime.now(timezone.utc)
    elif isinstance(measured_at, datetime):
        moment = measured_at
    else:
        moment = _parse_time(measured_at)
    if moment is None or moment.tzinfo is None:
        # A time without an offset is ambiguous across machines, and the report says when figures were made.
        raise invalid_parameter(
            "measured_at", "MeasurementCache.put", "an ISO-8601 time with a UTC offset, or an aware datetime",
            measured_at, accepts_none=True,
        )
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    # Python 3.10's fromisoformat does not read the "Z" suffix.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
