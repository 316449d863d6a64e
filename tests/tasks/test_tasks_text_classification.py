"""TextClassification: label checks with their messages, and scores equal to scikit-learn's."""

from __future__ import annotations

import random

import pytest

from modelpick.exceptions import DataError, InvalidParameterError
from modelpick.tasks import TextClassification, get_task

TASK = TextClassification()


def test_class_attributes():
    assert TASK.name == "text-classification"
    assert TASK.metrics == ("accuracy", "macro_f1")
    assert TASK.primary_metric in TASK.metrics
    assert TASK.builtin_sample == "demo_reviews"


def test_valid_labels_pass():
    TASK.validate_labels(["a", "b", "a", "b", "c", "c", "a", "b", "c"], source="s.csv")


def test_a_single_class():
    with pytest.raises(DataError) as info:
        TASK.validate_labels(["pos", "pos", "pos"], source="reviews.csv")
    assert str(info.value) == (
        "The sample (reviews.csv) has only one class ('pos'); text classification needs at least 2. "
        "Add examples of another class."
    )


def test_small_classes_are_left_to_the_split():
    # How many examples a class needs is the split's rule (tests/data/test_data_split.py), stated once.
    TASK.validate_labels(["a", "a", "a", "b", "refund"], source="reviews.csv")


def test_no_labels():
    with pytest.raises(DataError, match="has no labels"):
        TASK.validate_labels([], source="s")


def test_score_matches_scikit_learn():
    from sklearn.metrics import accuracy_score, f1_score

    rng = random.Random(0)
    classes = ["a", "b", "c", "d"]
    y_true = [rng.choice(classes[:3]) for _ in range(200)]
    y_pred = [t if rng.random() < 0.7 else rng.choice(classes) for t in y_true]  # 'd' only predicted
    scores = TASK.score(y_true, y_pred)
    assert set(scores) == set(TASK.metrics)
    assert scores["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert scores["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_score_perfect_and_hand_computed():
    assert TASK.score(["a", "b"], ["a", "b"]) == {"accuracy": 1.0, "macro_f1": 1.0}
    # a: tp 1, fn 1 -> F1 2/3; b: tp 2, fp 1 -> F1 4/5
    scores = TASK.score(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert scores["accuracy"] == 0.75
    assert scores["macro_f1"] == pytest.approx((2 / 3 + 4 / 5) / 2)


@pytest.mark.parametrize("y_pred", [["a"], []])
def test_score_needs_one_prediction_per_label(y_pred):
    y_true = ["a", "b"] if y_pred else []
    with pytest.raises(InvalidParameterError, match="'y_pred' parameter of score"):
        TASK.score(y_true, y_pred)


def test_get_task_returns_a_fresh_instance():
    assert isinstance(get_task("text-classification"), TextClassification)
