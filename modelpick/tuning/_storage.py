"""Where studies live: Optuna's own RDB storage (SQLite by default, any SQLAlchemy URL such as PostgreSQL).

Scale-out is Optuna's: workers on any machine share one storage. The heartbeat lets a study notice a
killed worker: its RUNNING trial becomes FAIL after the grace period and is retried once.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

from modelpick._errors import one_line
from modelpick._imports import require
from modelpick.exceptions import TuningError

__all__ = ["default_cache_dir", "default_storage_url", "display_url", "open_storage"]


def default_cache_dir() -> Path:
    """modelpick's cache dir: ``$MODELPICK_CACHE_DIR``, else ``$XDG_CACHE_HOME/modelpick``, else
    ``~/.cache/modelpick``."""
    explicit = os.environ.get("MODELPICK_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "modelpick"


def default_storage_url() -> str:
    """The SQLite file studies live in when no ``--storage`` is given."""
    return f"sqlite:///{default_cache_dir() / 'tuning.sqlite3'}"


def display_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for reports and messages.

    Example:
        >>> display_url("postgresql+psycopg://me:secret@db:5432/studies")
        'postgresql+psycopg://me:***@db:5432/studies'
    """
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def open_storage(url: str, *, heartbeat_interval_s: int | None = None, grace_period_s: int | None = None) -> Any:
    """An ``optuna.storages.RDBStorage`` for ``url``, with a heartbeat when an interval is given.

    A SQLite file's folder is created. A killed worker's trial is failed after ``grace_period_s`` and
    retried once (``RetryFailedTrialCallback``).

    Raises:
        TuningError: the URL is not a database URL, or the database cannot be reached or opened.
    """
    optuna = require("optuna", purpose="tune quick fine-tunes")
    if "://" not in url:
        raise TuningError(
            f"The storage {url!r} is not a database URL. Give one such as sqlite:///studies.db or "
            "postgresql+psycopg://user:password@host/db (--storage)."
        )
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).expanduser().parent.mkdir(parents=True, exist_ok=True)
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **heartbeat)
    except Exception as exc:
        raise TuningError(
            f"Could not open the Optuna storage {display_url(url)}: {one_line(exc)}. Check the URL (--storage), "
            "that the server is running, and that its driver is installed (pip install 'modelpick[postgres]')."
        ) from exc
