"""Fixtures shared by every test directory: a real PostgreSQL database for the shared-study tests.

``postgres_url`` yields the SQLAlchemy URL (``postgresql+psycopg://...``, what ``optuna.storages.RDBStorage``
takes) of a database created for the one test and dropped after it, on the server named by
``MODELPICK_TEST_POSTGRES_URL``, or by default the one ``.ci/postgres.sh`` sets up on localhost. Without a
reachable server at the default URL the test is skipped; a server named explicitly in the environment
that cannot be reached is an error, so a CI run that set one up never passes by skipping. Every test
using the fixture carries the ``postgres`` marker (``pytest -m "not postgres"`` leaves them out).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_URL_ENV = "MODELPICK_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://modelpick:modelpick@localhost:5432/modelpick_test"
CONNECT_TIMEOUT_S = 3

# --doctest-modules would also import this file as a test module named "conftest", which clashes with the
# subdirectories' conftest modules of the same name (no __init__.py here). It is still loaded as a conftest.
collect_ignore = ["conftest.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as a libpq URI that psycopg connects with (no ``+psycopg`` driver part)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_server():
    """The server's SQLAlchemy URL object, once it has answered; skips (or fails) once per session."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[test]')")
    from sqlalchemy.engine import make_url

    explicit = os.environ.get(POSTGRES_URL_ENV)
    url = make_url(explicit or DEFAULT_POSTGRES_URL)
    shown = url.render_as_string(hide_password=True)
    try:
        with psycopg.connect(_libpq_url(url), connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            return url, conn.info.server_version
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0]
    # Outside the except block, so the report is this one line, not a chained traceback.
    message = f"PostgreSQL not reachable at {shown}; run .ci/postgres.sh ({reason})"
    if explicit:
        pytest.fail(f"{message}; {POSTGRES_URL_ENV} names this server, so it must answer", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres_url(_postgres_server) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database that exists for this test only."""
    import psycopg
    from psycopg import sql

    url, version = _postgres_server
    name = f"modelpick_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq_url(url)
    # CREATE/DROP DATABASE cannot run inside a transaction block: autocommit.
    with psycopg.connect(admin, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege as exc:
            pytest.fail(f"role {url.username!r} may not create databases at "
                        f"{url.render_as_string(hide_password=True)} (ALTER ROLE ... CREATEDB): {exc}", pytrace=False)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        # WITH (FORCE) (PostgreSQL 13+) ends the connections a test's storage may still hold in its pool.
        force = sql.SQL(" WITH (FORCE)") if version >= 130000 else sql.SQL("")
        drop = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force
        with psycopg.connect(admin, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            for attempt in range(20):
                try:
                    conn.execute(drop)
                    break
                except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                    # An autovacuum worker on the new database is not ours to terminate; it ends in moments.
                    if attempt == 19:
                        raise
                    time.sleep(0.5)


@pytest.fixture(autouse=True)
def _private_measurement_cache(monkeypatch, tmp_path_factory) -> None:
    """Every test gets its own cache dir: measurements cached by one test (or by the user) never decide
    what another test measures. Child processes inherit it."""
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path_factory.mktemp("modelpick-cache")))


@pytest.fixture
def offline_and_private_cache(monkeypatch, tmp_path) -> None:
    """Nothing reaches the network or the user's cache: child processes inherit this environment."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "cache"))
