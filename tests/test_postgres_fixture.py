"""The PostgreSQL server, the psycopg driver and the fixture's URL work together for Optuna storage."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.postgres


def test_a_study_in_postgres_is_read_back_through_a_second_storage(postgres_url):
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    writer = optuna.storages.RDBStorage(postgres_url)
    assert writer.get_all_studies() == []  # a fresh database per test
    study = optuna.create_study(study_name="fixture-check", storage=writer,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda trial: trial.suggest_float("x", -1.0, 1.0) ** 2, n_trials=3)

    # A second storage opens its own engine and connections, as another worker would.
    reader = optuna.storages.RDBStorage(postgres_url)
    loaded = optuna.load_study(study_name="fixture-check", storage=reader)
    assert postgres_url.startswith("postgresql+psycopg://")
    assert [t.state for t in loaded.trials] == [optuna.trial.TrialState.COMPLETE] * 3
    assert [t.params for t in loaded.trials] == [t.params for t in study.trials]
    assert loaded.best_value == pytest.approx(study.best_value)
    writer.engine.dispose()
    reader.engine.dispose()


def test_each_test_gets_its_own_empty_database(postgres_url):
    optuna = pytest.importorskip("optuna")

    storage = optuna.storages.RDBStorage(postgres_url)
    assert storage.get_all_studies() == []  # the study of the test above is gone with its database
    storage.engine.dispose()
