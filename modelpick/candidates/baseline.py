"""Baseline candidates: scikit-learn pipelines fitted on the sample's training split.

They answer the question every comparison page skips: is a transformer worth it here at all? A TF-IDF
linear model often comes within a few points of a transformer at a fraction of its latency, and the
majority class is the floor every model has to beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from modelpick._imports import require
from modelpick.candidates._base import Candidate
from modelpick.exceptions import InvalidParameterError

__all__ = ["BASELINE_STRATEGIES", "BaselineCandidate"]

# Candidate name -> (strategy, family shown in reports).
BASELINE_STRATEGIES: dict[str, tuple[str, str]] = {
    "majority-class": ("majority", "Majority class"),
    "tfidf-logreg": ("tfidf-logreg", "TF-IDF + logistic regression"),
    "tfidf-linearsvm": ("tfidf-linearsvm", "TF-IDF + linear SVM"),
}
_STRATEGIES = tuple(strategy for strategy, _ in BASELINE_STRATEGIES.values())


@dataclass(frozen=True, kw_only=True)
class BaselineCandidate(Candidate):
    """A scikit-learn text classifier built by :meth:`build_estimator`.

    Args:
        name: ``"majority-class"``, ``"tfidf-logreg"`` or ``"tfidf-linearsvm"`` for the built-in ones.
        family: Shown in reports.
        strategy: ``"majority"`` (``DummyClassifier(strategy="most_frequent")``), ``"tfidf-logreg"``
            (word 1-2-gram TF-IDF + ``LogisticRegression``) or ``"tfidf-linearsvm"`` (+ ``LinearSVC``).

    Example:
        >>> b = BaselineCandidate(name="tfidf-logreg", family="TF-IDF + logistic regression",
        ...                       strategy="tfidf-logreg", source="builtin")
        >>> [step for step, _ in b.build_estimator(random_state=0).steps]
        ['tfidf', 'clf']
    """

    strategy: str

    kind: ClassVar[str] = "baseline"

    def __post_init__(self) -> None:
        if self.strategy not in _STRATEGIES:
            raise InvalidParameterError(
                f"The 'strategy' parameter of BaselineCandidate must be one of {', '.join(map(repr, _STRATEGIES))}. "
                f"Got {self.strategy!r} instead."
            )

    def _default_weights_source(self) -> str | None:
        return "fitted"  # on the training split of the user's sample, in the measuring child

    @classmethod
    def defaults(cls) -> tuple[BaselineCandidate, ...]:
        """The built-in baselines: every advise run without named candidates compares them."""
        return builtin_baselines()

    @classmethod
    def from_name(cls, text: str) -> BaselineCandidate | None:
        """The built-in baseline named ``text`` (any case), or ``None``.

        Example:
            >>> BaselineCandidate.from_name("Majority-Class").strategy
            'majority'
        """
        return next((b for b in builtin_baselines() if b.name == text.lower()), None)

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        """The built-in baselines' names."""
        return tuple(BASELINE_STRATEGIES)

    def build_estimator(self, *, random_state: int) -> Any:
        """A new, unfitted scikit-learn ``Pipeline`` taking raw texts; seeded with ``random_state``."""
        pipeline = require("sklearn.pipeline", purpose="build the baseline candidates")
        if self.strategy == "majority":
            dummy = require("sklearn.dummy", purpose="build the majority-class baseline")
            return pipeline.Pipeline([("clf", dummy.DummyClassifier(strategy="most_frequent"))])
        text = require("sklearn.feature_extraction.text", purpose="build the TF-IDF baselines")
        # Word uni- and bigrams with sublinear tf: the standard strong linear baseline for short texts.
        tfidf = text.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        if self.strategy == "tfidf-logreg":
            linear = require("sklearn.linear_model", purpose="build the TF-IDF + logistic regression baseline")
            clf = linear.LogisticRegression(max_iter=2000, random_state=random_state)
        else:
            svm = require("sklearn.svm", purpose="build the TF-IDF + linear SVM baseline")
            clf = svm.LinearSVC(random_state=random_state)
        return pipeline.Pipeline([("tfidf", tfidf), ("clf", clf)])


def builtin_baselines() -> tuple[BaselineCandidate, ...]:
    """The three built-in baselines, in order of sophistication.

    Example:
        >>> [b.strategy for b in builtin_baselines()]
        ['majority', 'tfidf-logreg', 'tfidf-linearsvm']
    """
    return tuple(
        BaselineCandidate(name=name, family=family, strategy=strategy, source="builtin")
        for name, (strategy, family) in BASELINE_STRATEGIES.items()
    )
