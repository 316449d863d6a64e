"""The measurement cache: a hit after a put, a miss when anything in the key changes, and a file that
cannot be used costs one warning and nothing else.

Permission cases run in a subprocess whose capability bounding set drops CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH (as in tests/cli/test_bad_inputs.py): CI runs as root, and root ignores permission bits.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import warnings
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import modelpick
from modelpick import _files
from modelpick.exceptions import CacheWarning, InvalidParameterError
from modelpick.profiling._cache import SCHEMA_VERSION, CachedEntry, MeasurementCache, default_cache_path, key_digest
from modelpick.tuning import default_cache_dir as tuning_default_cache_dir

ROOT = Path(modelpick.__file__).resolve().parents[1]

KEY = {
    "candidate": "bert-base-uncased",
    "variant": {"dtype": "float32", "batch_size": 1},
    "lengths": (16, 64, 128),
    "hardware": "x86_64/2-cores/avx2",
    "versions": {"torch": "2.13.0", "transformers": "5.0.0"},
}
PAYLOAD = {
    "p90_ms": [3.25, 7.9, 0.1],
    "tiny": 1e-300,
    "huge": 2**70,
    "noisy": False,
    "peak_rss_mb": None,
    "note": "ünïcode ✓ and \"quotes\"",
    "nested": {"a": [{"b": []}]},
}


def _cache_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, CacheWarning)]


def _state(path: Path) -> dict[str, bytes]:
    """Every file at or next to ``path`` (its -wal and -shm too) with its bytes: a write would change it."""
    siblings = sorted(path.parent.iterdir())
    return {p.name: p.read_bytes() for p in siblings if p.name.startswith(path.name) and p.is_file()}


# --- storing and finding -------------------------------------------------------------------------------


def test_a_missing_cache_is_a_miss_and_creates_nothing(tmp_path):
    cache = MeasurementCache(tmp_path / "not" / "yet" / "m.sqlite3")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.get("latency-curve", KEY) is None
        assert cache.entries() == []
        assert cache.clear() == 0
    assert list(tmp_path.iterdir()) == []


def test_a_put_is_found_by_a_second_cache_on_the_same_file_exactly_as_stored(tmp_path):
    path = tmp_path / "deep" / "er" / "m.sqlite3"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    stored = MeasurementCache(path).put("latency-curve", KEY, PAYLOAD)
    after = datetime.now(timezone.utc)
    assert path.is_file()

    # A second run opens the file anew: what the first stored is what it gets.
    found = MeasurementCache(path).get("latency-curve", KEY)
    assert found == stored
    assert found.payload == PAYLOAD and json.dumps(found.payload) == json.dumps(PAYLOAD)
    assert found.key == {**KEY, "lengths": [16, 64, 128]}  # tuples come back as lists
    assert found.kind == "latency-curve" and found.digest == key_digest(KEY)
    measured = datetime.fromisoformat(found.measured_at)
    assert found.measured_at.endswith("+00:00") and measured.microsecond == 0
    assert before <= measured <= after


def test_an_entry_is_frozen_and_changing_what_get_returned_changes_nothing_stored(tmp_path):
    cache = MeasurementCache(tmp_path / "m.sqlite3")
    cache.put("latency-curve", KEY, PAYLOAD)
    entry = cache.get("latency-curve", KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.payload = {}
    entry.payload["p90_ms"].append(99.0)
    assert cache.get("latency-curve", KEY).payload == PAYLOAD


def test_a_put_replaces_the_entry_of_the_same_kind_and_key_only(tmp_path):
    cache = MeasurementCache(tmp_path / "m.sqlite3")
    cache.put("latency-curve", KEY, {"p90_ms": 1.0}, measured_at="2026-01-01T00:00:00+00:00")
    cache.put("token-lengths", KEY, {"p90": 40})
    cache.put("latency-curve", KEY, {"p90_ms": 2.0}, measured_at="2026-02-01T00:00:00+00:00")
    assert cache.get("latency-curve", KEY).payload == {"p90_ms": 2.0}
    assert cache.get("latency-curve", KEY).measured_at == "2026-02-01T00:00:00+00:00"
    assert cache.get("token-lengths", KEY).payload == {"p90": 40}
    assert sorted(e.kind for e in cache.entries()) == ["latency-curve", "token-lengths"]
    assert len(cache.entries("latency-curve")) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"versions": {"torch": "2.14.0", "transformers": "5.0.0"}},
        {"hardware": "x86_64/4-cores/avx512"},
        {"lengths": (16, 64)},
        {"variant": {"dtype": "float16", "batch_size": 1}},
        {"extra": None},
    ],
    ids=["library version", "hardware fingerprint", "length grid", "variant", "one more field"],
)
def test_any_change_in_the_key_is_a_miss(tmp_path, change):
    cache = MeasurementCache(tmp_path / "m.sqlite3")
    cache.put("latency-curve", KEY, PAYLOAD)
    assert cache.get("latency-curve", {**KEY, **change}) is None
    assert cache.get("latency-curve", KEY) is not None


def test_the_digest_is_the_sha256_of_the_canonical_json():
    key = {"b": 0.1, "a": (1, [2.5, True, None]), "c": {"z": "é", "y": 1e-07}}
    canonical = '{"a":[1,[2.5,true,null]],"b":0.1,"c":{"y":1e-07,"z":"\\u00e9"}}'
    assert key_digest(key) == hashlib.sha256(canonical.encode()).hexdigest()
    assert key_digest({"c": {"y": 1e-07, "z": "é"}, "a": [1, (2.5, True, None)], "b": 0.1}) == key_digest(key)
    # JSON writes these differently, so they are different keys.
    assert len({key_digest({"n": 1}), key_digest({"n": 1.0}), key_digest({"n": True}), key_digest({"n": "1"})}) == 4


def test_the_stored_key_is_readable_canonical_json(tmp_path):
    path = tmp_path / "m.sqlite3"
    MeasurementCache(path).put("latency-curve", {"b": 1, "a": (2,)}, PAYLOAD)
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT kind, digest, key FROM entries").fetchall()
    conn.close()
    assert rows == [("latency-curve", key_digest({"a": [2], "b": 1}), '{"a":[2],"b":1}')]


@pytest.mark.parametrize(
    ("bad", "error", "fragments"),
    [
        ({"lengths": {16, 64}}, TypeError, ["['lengths']", "a set"]),
        ({"blob": b"x"}, TypeError, ["['blob']", "a bytes"]),
        ({"price": [Decimal("1.5")]}, TypeError, ["['price'][0]", "decimal.Decimal"]),
        ({"when": datetime(2026, 1, 1)}, TypeError, ["['when']", "datetime.datetime"]),
        ({"by_length": {16: 3.0}}, TypeError, ["key of type int", "16"]),
        ({"p90_ms": float("nan")}, ValueError, ["['p90_ms']", "nan", "None"]),
        ({"p90_ms": [float("inf")]}, ValueError, ["['p90_ms'][0]", "inf"]),
        ([("a", 1)], TypeError, ["must be a mapping", "list"]),
    ],
    ids=["set", "bytes", "Decimal", "datetime", "int mapping key", "nan", "inf", "not a mapping"],
)
def test_a_key_or_payload_json_cannot_hold_is_refused_naming_the_value_and_nothing_is_written(
    tmp_path, bad, error, fragments
):
    cache = MeasurementCache(tmp_path / "m.sqlite3")
    for call in (lambda: key_digest(bad), lambda: cache.get("k", bad), lambda: cache.put("k", bad, {}),
                 lambda: cache.put("k", {}, bad)):
        with pytest.raises(error) as info:
            call()
        for fragment in fragments:
            assert fragment in str(info.value), (fragment, str(info.value))
    assert list(tmp_path.iterdir()) == []


def test_measured_at_is_stored_as_utc_to_the_second(tmp_path):
    cache = MeasurementCache(tmp_path / "m.sqlite3")
    given = {
        "2026-05-09T07:35:25Z": "2026-05-09T07:35:25+00:00",
        "2026-05-09T09:35:25.900+02:00": "2026-05-09T07:35:25+00:00",
    }
    for number, (text, stored) in enumerate(given.items()):
        assert cache.put("k", {"n": number}, {}, measured_at=text).measured_at == stored
        assert cache.get("k", {"n": number}).measured_at == stored
    aware = datetime(2026, 5, 9, 2, 35, 25, tzinfo=timezone(timedelta(hours=-5)))
    assert cache.put("k", {"n": 9}, {}, measured_at=aware).measured_at == "2026-05-09T07:35:25+00:00"
    for bad in ("2026-05-09T07:35:25", "yesterday", datetime(2026, 5, 9), 1715240125):
        with pytest.raises(InvalidParameterError, match="'measured_at' parameter of MeasurementCache.put"):
            cache.put("k", {"n": 10}, {}, measured_at=bad)
    assert cache.get("k", {"n": 10}) is None


def test_entries_and_clear(tmp_path):
    cache = MeasurementCache(tmp_path / "m.sqlite3")
    cache.put("latency-curve", {"n": 2}, {"v": 2}, measured_at="2026-01-02T00:00:00Z")
    cache.put("latency-curve", {"n": 1}, {"v": 1}, measured_at="2026-01-01T00:00:00Z")
    cache.put("matmul-peak", {"n": 3}, {"v": 3}, measured_at="2026-01-03T00:00:00Z")
    assert [e.payload["v"] for e in cache.entries()] == [1, 2, 3]  # oldest measurement first
    assert [e.payload["v"] for e in cache.entries("latency-curve")] == [1, 2]
    assert all(isinstance(e, CachedEntry) for e in cache.entries())
    assert cache.clear("matmul-peak") == 1 and [e.payload["v"] for e in cache.entries()] == [1, 2]
    cache.put("matmul-peak", {"n": 3}, {"v": 3}, measured_at="2026-01-03T00:00:00Z")
    assert cache.clear() == 3
    assert cache.entries() == [] and cache.clear() == 0
    assert cache.get("matmul-peak", {"n": 3}) is None


@pytest.mark.parametrize("kind", ["", "  ", None, 3])
def test_a_kind_that_is_not_a_name_is_refused(tmp_path, kind):
    with pytest.raises(InvalidParameterError, match="'kind' parameter of MeasurementCache.get must be a non-empty"):
        MeasurementCache(tmp_path / "m.sqlite3").get(kind, KEY)


def test_the_default_path_is_in_the_cache_dir_that_tuning_uses_too(monkeypatch, tmp_path):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "mp"))
    assert default_cache_path() == tmp_path / "mp" / "measurements.sqlite3"
    monkeypatch.delenv("MODELPICK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "modelpick" / "measurements.sqlite3"
    # One function, so the studies and the measurements always share a folder.
    assert tuning_default_cache_dir is _files.default_cache_dir


# --- a file that cannot be used: one warning, a miss, no write ---------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database, it is a text file someone saved here\n" * 40)


def _truncated(path: Path) -> None:
    whole = path.with_name("whole.sqlite3")
    full = MeasurementCache(whole)
    for n in range(200):
        full.put("latency-curve", {"n": n}, {"p90_ms": [float(n)] * 20})
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: len(data) // 2])  # a copy cut short: the header promises more pages


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "keep.txt").write_text("a folder someone named as the cache")


def _newer_schema(path: Path) -> None:
    MeasurementCache(path).put("latency-curve", KEY, PAYLOAD)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def _another_program(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO studies (name) VALUES ('precious')")
    conn.close()


UNUSABLE = {
    "garbage bytes": (_garbage, ["is corrupt", "file is not a database", "delete it or pass --cache"]),
    "truncated SQLite file": (_truncated, ["is corrupt", "malformed", "delete it or pass --cache"]),
    "a directory": (_directory, ["cannot be used", "it is a directory", "pass --cache with another path"]),
    "newer schema": (_newer_schema, [f"cache schema {SCHEMA_VERSION + 1}", "upgrade modelpick", "--cache"]),
    "another program's database": (_another_program, ["not a modelpick measurement cache", "--cache"]),
}


@pytest.mark.parametrize("name", list(UNUSABLE))
def test_an_unusable_file_is_one_warning_a_miss_and_never_written(tmp_path, name):
    make, fragments = UNUSABLE[name]
    path = tmp_path / "m.sqlite3"
    make(path)
    before = _state(path) if path.is_file() else sorted(p.name for p in path.iterdir())

    cache = MeasurementCache(path)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(3):  # a run reads and writes many times; the file is reported once
            assert cache.get("latency-curve", KEY) is None
            stored = cache.put("latency-curve", KEY, {"p90_ms": 1.0})
            assert cache.entries() == []
            assert cache.clear() == 0
    messages = _cache_warnings(record)
    assert len(messages) == 1, messages
    assert len(record) == 1, [str(w.message) for w in record]  # nothing else warned either
    message = messages[0]
    assert "\n" not in message and str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert stored.payload == {"p90_ms": 1.0}  # the caller still gets what it measured
    after = _state(path) if path.is_file() else sorted(p.name for p in path.iterdir())
    assert after == before

    # Once per cache object: the next run (a new object) is told again.
    with pytest.warns(CacheWarning, match="--cache"):
        assert MeasurementCache(path).get("latency-curve", KEY) is None


def test_a_file_of_a_newer_schema_keeps_its_entries_for_the_newer_modelpick(tmp_path):
    path = tmp_path / "m.sqlite3"
    _newer_schema(path)
    with pytest.warns(CacheWarning, match="newer modelpick"):
        MeasurementCache(path).put("latency-curve", KEY, {"p90_ms": 1.0})
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert [json.loads(p) for (p,) in conn.execute("SELECT payload FROM entries")] == [PAYLOAD]
    conn.close()


def test_an_entry_whose_stored_json_is_damaged_is_a_miss_warned_once_and_the_next_put_heals_it(tmp_path):
    path = tmp_path / "m.sqlite3"
    cache = MeasurementCache(path)
    for n in range(3):
        cache.put("latency-curve", {"n": n}, {"p90_ms": float(n)})
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE entries SET payload = '{\"p90_ms\": 1.' WHERE digest = ?", (key_digest({"n": 1}),))
        conn.execute("UPDATE entries SET payload = '[1, 2]' WHERE digest = ?", (key_digest({"n": 2}),))
    conn.close()

    reader = MeasurementCache(path)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert reader.get("latency-curve", {"n": 1}) is None
        assert reader.get("latency-curve", {"n": 2}) is None  # valid JSON, but not a mapping
        assert [e.payload for e in reader.entries()] == [{"p90_ms": 0.0}]
        assert reader.get("latency-curve", {"n": 0}).payload == {"p90_ms": 0.0}
    messages = _cache_warnings(record)
    assert len(messages) == 1 and "damaged 'latency-curve' entry" in messages[0] and str(path) in messages[0]

    reader.put("latency-curve", {"n": 1}, {"p90_ms": 1.5})
    assert MeasurementCache(path).get("latency-curve", {"n": 1}).payload == {"p90_ms": 1.5}


# --- permissions (root with the capabilities that bypass permission bits dropped) ---------------------


def _without_dac_override() -> None:
    # PR_CAPBSET_DROP (24) of CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2): the exec'd child keeps
    # uid 0 but loses the capabilities that let root ignore permission bits.
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _run_without_permission_bypass(code: str) -> subprocess.CompletedProcess[str]:
    preexec = _without_dac_override if os.geteuid() == 0 else None
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    return subprocess.run([sys.executable, "-W", "always", "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, preexec_fn=preexec, env=env)


def test_a_cache_in_a_folder_without_write_permission_is_one_warning_and_no_failure(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        done = _run_without_permission_bypass(f"""
            from modelpick.profiling._cache import MeasurementCache
            for path in ({str(locked / "m.sqlite3")!r}, {str(locked / "sub" / "m.sqlite3")!r}):
                cache = MeasurementCache(path)
                for n in range(3):
                    cache.put("latency-curve", {{"n": n}}, {{"p90_ms": 1.0}})
                    assert cache.get("latency-curve", {{"n": n}}) is None
            print("survived")
        """)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0 and done.stdout == "survived\n", done.stderr
    lines = [line for line in done.stderr.splitlines() if "CacheWarning" in line]
    assert len(lines) == 2, done.stderr  # one per cache object
    assert str(locked / "m.sqlite3") in lines[0] and "make it writable, or pass --cache" in lines[0]
    assert str(locked / "sub" / "m.sqlite3") in lines[1] and "Permission denied" in lines[1]
    assert list(locked.iterdir()) == []


def test_a_read_only_cache_is_still_read_and_a_put_there_is_one_warning(tmp_path):
    shared = tmp_path / "shared"
    path = shared / "m.sqlite3"
    MeasurementCache(path).put("latency-curve", KEY, PAYLOAD)
    path.chmod(0o444)
    shared.chmod(0o555)
    try:
        done = _run_without_permission_bypass(f"""
            import json
            from modelpick.profiling._cache import MeasurementCache
            cache = MeasurementCache({str(path)!r})
            print(json.dumps(cache.get("latency-curve", {KEY!r}).payload))
            cache.put("latency-curve", {{"other": 1}}, {{"p90_ms": 1.0}})
            print(len(cache.entries()), cache.clear())
        """)
    finally:
        shared.chmod(0o755)
        path.chmod(0o644)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [json.dumps(PAYLOAD), "1 0"]
    lines = [line for line in done.stderr.splitlines() if "CacheWarning" in line]
    assert len(lines) == 1 and str(path) in lines[0] and "readonly" in lines[0], done.stderr
    assert MeasurementCache(path).get("latency-curve", KEY).payload == PAYLOAD


# --- two processes writing at once ---------------------------------------------------------------------

_WRITER = """
import sys, warnings
warnings.simplefilter("error")  # a CacheWarning ("database is locked", ...) fails the writer
from modelpick.profiling._cache import MeasurementCache
path, writer = sys.argv[1], sys.argv[2]
cache = MeasurementCache(path)
print("ready", flush=True)
sys.stdin.readline()  # both start writing together
for n in range(50):
    key = {"writer": writer, "n": n}
    cache.put("latency-curve", key, {"p90_ms": float(n), "by": writer})
    cache.put("token-lengths", {"shared": n}, {"by": writer})  # both write the same keys too
    assert cache.get("latency-curve", key).payload == {"p90_ms": float(n), "by": writer}
print("done", flush=True)
"""


def test_two_processes_writing_one_new_cache_at_once_lose_nothing(tmp_path):
    path = tmp_path / "new" / "m.sqlite3"  # neither the file nor its folder exists: both create them
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for name in ("a", "b")
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline() == "ready\n", writer.stderr.read()
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        results = [writer.communicate(timeout=300) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0 and out == "done\n", err

    cache = MeasurementCache(path)
    curves = cache.entries("latency-curve")
    assert sorted((e.key["writer"], e.key["n"]) for e in curves) == [(w, n) for w in "ab" for n in range(50)]
    assert all(e.payload == {"p90_ms": float(e.key["n"]), "by": e.key["writer"]} for e in curves)
    assert sorted(e.key["shared"] for e in cache.entries("token-lengths")) == list(range(50))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
