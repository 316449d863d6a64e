"""A fitted baseline is stored as plain arrays and JSON, never pickled; its size is what a deployment stores."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from modelpick.candidates import baselines
from modelpick.candidates.baseline import fitted_size_bytes, load_fitted, save_fitted
from modelpick.exceptions import InvalidParameterError

TEXTS = [
    "please refund the extra charge", "I was billed twice this month", "my invoice shows the wrong price",
    "refund my last payment", "the app crashes on start", "login fails after the update",
    "the page is very slow", "error when I save my settings", "my parcel has not arrived",
    "the package was delivered late", "tracking shows no update", "the courier lost my order",
]
LABELS = ["billing"] * 4 + ["technical"] * 4 + ["shipping"] * 4
UNSEEN = ["refund please", "the app is slow and crashes", "where is my parcel", "nothing known here at all"]


@pytest.mark.parametrize("baseline", baselines(), ids=lambda b: b.name)
def test_a_saved_baseline_reloads_without_pickle_and_predicts_the_same(baseline, tmp_path):
    fitted = baseline.build_estimator(random_state=0).fit(TEXTS, LABELS)
    path = tmp_path / f"{baseline.name}.npz"
    save_fitted(fitted, path)
    with np.load(path, allow_pickle=False) as stored:  # would raise on any object array
        assert all(stored[name].dtype != object for name in stored.files)
    with zipfile.ZipFile(path) as archive:
        assert not any(name.endswith(".pkl") for name in archive.namelist())
    restored = load_fitted(path)
    assert restored.predict(UNSEEN).tolist() == fitted.predict(UNSEEN).tolist()
    assert restored.predict(TEXTS).tolist() == fitted.predict(TEXTS).tolist()
    assert path.stat().st_size == fitted_size_bytes(fitted)


def test_the_size_counts_the_vocabulary_and_every_learned_array():
    fitted = baselines()[1].build_estimator(random_state=0).fit(TEXTS, LABELS)
    tfidf, clf = fitted.named_steps["tfidf"], fitted.named_steps["clf"]
    arrays = tfidf.idf_.nbytes + clf.coef_.nbytes + clf.intercept_.nbytes
    vocabulary = len(json.dumps(sorted(tfidf.vocabulary_)).encode())
    assert fitted_size_bytes(fitted) >= arrays + vocabulary
    # Only the npz container's headers come on top (a few hundred bytes per array).
    assert fitted_size_bytes(fitted) < arrays + vocabulary + 2048


def test_something_else_is_refused_on_save_and_on_load():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(InvalidParameterError, match="takes a fitted baseline pipeline"):
        save_fitted(LogisticRegression(), io.BytesIO())
    unfitted = baselines()[0].build_estimator(random_state=0)
    with pytest.raises(InvalidParameterError, match="takes a fitted baseline pipeline"):
        save_fitted(unfitted, io.BytesIO())
    other = io.BytesIO()
    np.savez(other, meta=np.frombuffer(b'{"strategy": "pickle"}', dtype=np.uint8))
    other.seek(0)
    with pytest.raises(InvalidParameterError, match="not a baseline written by save_fitted"):
        load_fitted(other)
