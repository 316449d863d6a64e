"""Where studies live: Optuna's RDB storage, opened with one-line errors and never showing a password."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from modelpick.exceptions import TuningError
from modelpick.tuning import default_cache_dir, default_storage_url, display_url, open_storage

optuna = pytest.importorskip("optuna")


# --- display_url ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://me:secret@db:5432/studies", "postgresql+psycopg://me:***@db:5432/studies"),
        ("postgresql://me:s3cr3t@db/x", "postgresql://me:***@db/x"),
        ("mysql+pymysql://me:a:b@db/x", "mysql+pymysql://me:***@db/x"),  # a colon inside the password
        ("postgresql://me:p%40ss@db/x", "postgresql://me:***@db/x"),  # an encoded @ inside the password
    ],
)
def test_display_url_hides_the_password(url, shown):
    assert display_url(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////tmp/studies.db",
        "sqlite:///studies.db",
        "postgresql+psycopg://me@db:5432/studies",
        "postgresql://db:5432/studies",
        "postgresql://db/studies",
    ],
)
def test_display_url_leaves_urls_without_a_password_alone(url):
    assert display_url(url) == url


def test_display_url_hides_a_password_without_a_user_name():
    assert "secret" not in display_url("postgresql://:secret@db/x")


def test_display_url_hides_a_password_in_the_query():
    assert "secret" not in display_url("postgresql+psycopg://me@db/x?password=secret")


# --- default storage -----------------------------------------------------------------------------------


def test_the_default_storage_is_a_sqlite_file_in_the_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "mp"))
    assert default_cache_dir() == tmp_path / "mp"
    assert default_storage_url() == f"sqlite:///{tmp_path / 'mp' / 'tuning.sqlite3'}"


def test_the_cache_dir_follows_xdg_without_an_explicit_one(monkeypatch, tmp_path):
    monkeypatch.delenv("MODELPICK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "modelpick"


# --- open_storage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["studies.db", "/tmp/studies.db", "localhost:5432"])
def test_a_value_that_is_not_a_url_is_refused_by_name(value):
    with pytest.raises(TuningError, match="not a database URL") as caught:
        open_storage(value)
    assert repr(value) in str(caught.value)
    assert "--storage" in str(caught.value)


def test_a_sqlite_file_in_a_missing_folder_gets_its_folder(tmp_path):
    path = tmp_path / "a" / "b" / "studies.db"
    storage = open_storage(f"sqlite:///{path}")
    assert path.parent.is_dir()
    # It is a real Optuna storage: a study made in it is there when the file is opened again.
    optuna.create_study(study_name="made-here", storage=storage)
    again = open_storage(f"sqlite:///{path}")
    assert optuna.study.get_all_study_names(storage=again) == ["made-here"]
    assert path.is_file()


def test_open_storage_with_a_heartbeat(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}", heartbeat_interval_s=7, grace_period_s=21)
    assert storage.heartbeat_interval == 7
    assert storage.grace_period == 21
    assert storage.failed_trial_callback is not None  # a killed worker's trial is retried


def _one_line(text: str) -> str:
    assert "\n" not in text, text
    return text


def test_a_file_that_is_not_a_database_is_a_one_line_error_naming_it(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"these bytes are not a SQLite database" * 100)
    url = f"sqlite:///{path}"
    with pytest.raises(TuningError) as caught:
        open_storage(url)
    message = _one_line(str(caught.value))
    assert url in message
    assert "not a database" in message
    assert path.read_bytes().startswith(b"these bytes")  # left as it was


def test_a_sqlite_database_of_another_program_is_joined_without_damage(tmp_path):
    # A real SQLite file with foreign tables: Optuna adds its own tables beside them.
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table invoices (id integer primary key, amount real)")
        connection.execute("insert into invoices (amount) values (9.5)")
    open_storage(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("select amount from invoices").fetchall() == [(9.5,)]


def test_an_unknown_database_kind_is_a_one_line_error(tmp_path):
    with pytest.raises(TuningError) as caught:
        open_storage("nosuchdb://host/x")
    message = _one_line(str(caught.value))
    assert "nosuchdb://host/x" in message and "--storage" in message


def test_a_postgresql_server_that_is_not_there_fails_fast_and_hides_the_password():
    url = "postgresql+psycopg://nobody:hunter2@127.0.0.1:1/x"  # port 1: nothing listens
    with pytest.raises(TuningError) as caught:
        open_storage(url)
    message = _one_line(str(caught.value))
    assert "postgresql+psycopg://nobody:***@127.0.0.1:1/x" in message
    assert "hunter2" not in message
    assert isinstance(caught.value.__cause__, Exception)  # the driver's error is kept as the cause


def test_a_storage_folder_that_cannot_be_made_is_a_tuning_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'sub' / 's.db'}"
    with pytest.raises(TuningError) as caught:
        open_storage(url)
    assert url in _one_line(str(caught.value))


def test_a_sqlite_path_under_the_home_dir(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "home")  # wherever a relative path lands, it lands in tmp_path
    storage = open_storage("sqlite:///~/studies/x.db")
    optuna.create_study(study_name="s", storage=storage)
    assert (home / "studies" / "x.db").is_file()


def test_opening_a_new_storage_from_several_threads_at_once(tmp_path):
    for attempt in range(5):
        url = f"sqlite:///{tmp_path / f'race-{attempt}.db'}"
        barrier = threading.Barrier(3)
        errors: list[str] = []

        def open_it(url=url, barrier=barrier, errors=errors) -> None:
            barrier.wait()
            try:
                open_storage(url)
            except TuningError as exc:
                errors.append(str(exc))

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == [], errors[0]
