"""Where studies live: Optuna's own RDB storage (SQLite by default, any SQLAlchemy URL such as PostgreSQL).

Scale-out is Optuna's: workers on any machine share one storage. The heartbeat lets a study notice a
killed worker: its RUNNING trial becomes FAIL after the grace period and is retried once.
"""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path
from typing import Any

from modelpick._errors import one_line
from modelpick._files import default_cache_dir  # re-exported: it moved to the base layer, shared with profiling
from modelpick._imports import require
from modelpick.exceptions import TuningError

__all__ = ["default_cache_dir", "default_storage_url", "display_url", "normalized_url", "open_storage"]


def default_storage_url() -> str:
    """The SQLite file studies live in when no ``--storage`` is given."""
    return f"sqlite:///{default_cache_dir() / 'tuning.sqlite3'}"


def display_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for reports and messages.

    Example:
        >>> display_url("postgresql+psycopg://me:secret@db:5432/studies")
        'postgresql+psycopg://me:***@db:5432/studies'
        >>> display_url("postgresql://db/studies?user=me&password=secret")
        'postgresql://db/studies?password=***&user=me'
    """
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads (or no SQLAlchemy): hide what looks like one
        return re.sub(r"(://[^/@]*:)[^@/]*@", r"\1***@", url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    # The query value is URL-quoted on rendering; a reader should see the same mask as for the password.
    return str(parsed.render_as_string(hide_password=True)).replace("%2A%2A%2A", "***")


def normalized_url(url: str) -> str:
    """``url`` with ``~`` in a SQLite path expanded (SQLAlchemy does not), so every process opens one file.

    Example:
        >>> normalized_url("sqlite:///~/studies.db") == f"sqlite:///{Path.home() / 'studies.db'}"
        True
    """
    if url.startswith("sqlite:///"):
        return f"sqlite:///{Path(url[len('sqlite:///'):]).expanduser()}"
    return url


def _sqlite_url(url: str) -> str:
    """``url`` normalized, after creating the SQLite file's folder."""
    url = normalized_url(url)
    Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return url


def _is_creation_race(exc: BaseException) -> bool:
    # Workers that open a new storage at once race to create its tables (optuna issues #1092, #4621);
    # the loser sees the winner's tables and only has to open the storage again.
    text = str(exc)
    return "already exists" in text or "UNIQUE constraint failed: alembic_version" in text or "duplicate key" in text


def open_storage(url: str, *, heartbeat_interval_s: int | None = None, grace_period_s: int | None = None) -> Any:
    """An ``optuna.storages.RDBStorage`` for ``url``, with a heartbeat when an interval is given.

    A SQLite file's folder is created. A killed worker's trial is failed after ``grace_period_s`` and
    retried once (``RetryHeartbeatStaleTrialCallback``). Workers opening a new storage at the same time
    race to create its tables; the loser opens it again.

    Raises:
        TuningError: the URL is not a database URL, or the database cannot be reached or opened.
    """
    optuna = require("optuna", purpose="tune quick fine-tunes")
    if "://" not in url:
        raise TuningError(
            f"The storage {url!r} is not a database URL. Give one such as sqlite:///studies.db or "
            "postgresql+psycopg://user:password@host/db (--storage)."
        )
    heartbeat: dict[str, Any] = {}
    if heartbeat_interval_s is not None:
        with warnings.catch_warnings():
            # Optuna marks the heartbeat experimental; it is the documented way to fail a killed worker's trial.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            heartbeat = {
                "heartbeat_interval": heartbeat_interval_s,
                "grace_period": grace_period_s,
                "heartbeat_stale_trial_callback": optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1),
            }
    # A PostgreSQL server that is down would otherwise keep a worker waiting on the OS connect timeout.
    engine_kwargs = {"connect_args": {"connect_timeout": 10}} if url.startswith("postgresql") else None
    attempts = 5
    error: Exception = TuningError("no attempt made")
    for attempt in range(attempts):
        try:
            opened = _sqlite_url(url) if url.startswith("sqlite:///") else url
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(opened, engine_kwargs=engine_kwargs, **heartbeat)
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy, drivers, the OS and optuna raise many types
            if _is_creation_race(exc) and attempt + 1 < attempts:
                time.sleep(0.2 * (attempt + 1))
                continue
            error = exc
            break
    raise TuningError(
        f"Could not open the Optuna storage {display_url(url)}: {one_line(error)}. Check the URL (--storage), "
        "that the server is running, and that its driver is installed (pip install 'modelpick[postgres]')."
    ) from error
