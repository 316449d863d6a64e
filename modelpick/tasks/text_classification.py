"""Single-label text classification: each text has exactly one class out of two or more."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from modelpick.exceptions import DataError, InvalidParameterError
from modelpick.tasks._base import Task

__all__ = ["TextClassification"]


class TextClassification(Task):
    """Assign one class to each text; scored by accuracy and macro-averaged F1.

    Example:
        >>> task = TextClassification()
        >>> task.score(["a", "a", "b", "b"], ["a", "b", "b", "b"])
        {'accuracy': 0.75, 'macro_f1': 0.7333333333333334}
    """

    name: ClassVar[str] = "text-classification"
    metrics: ClassVar[tuple[str, ...]] = ("accuracy", "macro_f1")
    primary_metric: ClassVar[str] = "accuracy"
    builtin_sample: ClassVar[str] = "demo_reviews"

    def validate_labels(self, labels: Sequence[str], *, source: str) -> None:
        """Check there are labels and at least 2 classes.

        How many examples each class needs is the split's rule (2 to train on, 1 to test on), checked
        where the split is made (:meth:`modelpick.data.DatasetSample.split`), so it is stated once.

        Args:
            labels: One label (a string) per example.
            source: Names the sample in error messages, e.g. ``"reviews.csv"``.

        Raises:
            DataError: No labels, or a single class.

        Example:
            >>> TextClassification().validate_labels(["pos", "pos"], source="reviews.csv")
            Traceback (most recent call last):
            ...
            modelpick.exceptions.DataError: The sample (reviews.csv) has only one class ('pos'); text ...
        """
        if labels is None or len(labels) == 0:
            raise DataError(
                f"The sample ({source}) has no labels; text classification needs a label column. "
                "Pass label_column= (--label-column)."
            )
        counts = Counter(labels)
        if len(counts) < 2:
            (only,) = counts
            raise DataError(
                f"The sample ({source}) has only one class ({only!r}); text classification needs at "
                "least 2. Add examples of another class."
            )

    def score(self, y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
        """Accuracy and macro-F1 (the unweighted mean of per-class F1 over the classes in either list).

        Matches ``sklearn.metrics.accuracy_score`` and ``f1_score(average="macro")`` (a class never
        predicted has F1 0) without importing scikit-learn.

        Args:
            y_true: True labels.
            y_pred: Predicted labels, as many as ``y_true``.

        Returns:
            ``{"accuracy": ..., "macro_f1": ...}`` as floats in 0..1.

        Raises:
            InvalidParameterError: The lists are empty or differ in length.
        """
        y_true, y_pred = list(y_true), list(y_pred)
        if not y_true or len(y_true) != len(y_pred):
            raise InvalidParameterError(
                f"The 'y_pred' parameter of score must hold one prediction per true label "
                f"({len(y_true)}, at least 1). Got {len(y_pred)} predictions instead."
            )
        tp: Counter = Counter()
        fp: Counter = Counter()
        fn: Counter = Counter()
        for t, p in zip(y_true, y_pred, strict=True):
            if t == p:
                tp[t] += 1
            else:
                fp[p] += 1
                fn[t] += 1
        classes = set(y_true) | set(y_pred)
        f1s = [2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) for c in classes]
        return {
            "accuracy": sum(tp.values()) / len(y_true),
            "macro_f1": sum(f1s) / len(f1s),
        }
