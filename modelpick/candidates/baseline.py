"""Baseline candidates: scikit-learn pipelines fitted on the sample's training split.

They answer the question every comparison page skips: is a transformer worth it here at all? A TF-IDF
linear model often comes within a few points of a transformer at a fraction of its latency, and the
majority class is the floor every model has to beat.

A fitted baseline is stored as what it learned, never as a pickle (:func:`save_fitted`): its arrays
(idf weights, coefficients, intercepts, class priors) and its vocabulary and labels, in one NumPy
``.npz`` file without object arrays, which :func:`load_fitted` reads back with ``allow_pickle=False``.
That file's size is the size a deployment of it puts on disk.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from typing import IO, Any, ClassVar

from modelpick._imports import require
from modelpick.candidates._base import Candidate
from modelpick.exceptions import InvalidParameterError

__all__ = ["BASELINE_STRATEGIES", "BaselineCandidate", "fitted_size_bytes", "load_fitted", "save_fitted"]

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
        return _build(self.strategy, random_state=random_state)


def _build(strategy: str, *, random_state: int) -> Any:
    pipeline = require("sklearn.pipeline", purpose="build the baseline candidates")
    if strategy == "majority":
        dummy = require("sklearn.dummy", purpose="build the majority-class baseline")
        return pipeline.Pipeline([("clf", dummy.DummyClassifier(strategy="most_frequent"))])
    text = require("sklearn.feature_extraction.text", purpose="build the TF-IDF baselines")
    # Word uni- and bigrams with sublinear tf: the standard strong linear baseline for short texts.
    tfidf = text.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if strategy == "tfidf-logreg":
        linear = require("sklearn.linear_model", purpose="build the TF-IDF + logistic regression baseline")
        clf = linear.LogisticRegression(max_iter=2000, random_state=random_state)
    else:
        svm = require("sklearn.svm", purpose="build the TF-IDF + linear SVM baseline")
        clf = svm.LinearSVC(random_state=random_state)
    return pipeline.Pipeline([("tfidf", tfidf), ("clf", clf)])


# Classifier class of a fitted pipeline -> the strategy that builds it.
_STRATEGY_OF = {"DummyClassifier": "majority", "LogisticRegression": "tfidf-logreg", "LinearSVC": "tfidf-linearsvm"}


def _learned(estimator: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a fitted baseline pipeline learned: (JSON-able facts, numeric arrays)."""
    import numpy as np

    steps: dict[str, Any] = dict(getattr(estimator, "steps", ()))
    clf: Any = steps.get("clf")
    strategy = _STRATEGY_OF.get(type(clf).__name__)
    if strategy is None or not hasattr(clf, "classes_"):
        raise InvalidParameterError(
            "save_fitted takes a fitted baseline pipeline (BaselineCandidate.build_estimator(...).fit(...)); "
            f"got {type(estimator).__name__} instead."
        )
    facts: dict[str, Any] = {"format": "modelpick-baseline/1", "strategy": strategy,
                             "classes": [c.item() if hasattr(c, "item") else c for c in clf.classes_]}
    arrays: dict[str, Any] = {}
    if strategy == "majority":
        arrays["class_prior"] = np.asarray(clf.class_prior_, dtype=np.float64)
    else:
        tfidf = steps["tfidf"]
        terms = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.__getitem__)  # column order
        facts["vocabulary"] = terms
        arrays["idf"] = np.asarray(tfidf.idf_, dtype=np.float64)
        arrays["coef"] = np.asarray(clf.coef_, dtype=np.float64)
        arrays["intercept"] = np.asarray(clf.intercept_, dtype=np.float64)
    return facts, arrays


def save_fitted(estimator: Any, file: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write a fitted baseline pipeline to ``file`` as plain data: a NumPy ``.npz`` of its learned arrays,
    with its vocabulary and labels as UTF-8 JSON, and no pickle anywhere.

    Raises:
        InvalidParameterError: ``estimator`` is not a fitted baseline pipeline.

    Example:
        >>> import io
        >>> b = BaselineCandidate.from_name("tfidf-logreg")
        >>> fitted = b.build_estimator(random_state=0).fit(["refund me", "app crash", "refund it", "crash"],
        ...                                                 ["billing", "bug", "billing", "bug"])
        >>> buffer = io.BytesIO()
        >>> save_fitted(fitted, buffer)
        >>> _ = buffer.seek(0)
        >>> load_fitted(buffer).predict(["refund please"]).tolist()
        ['billing']
    """
    import numpy as np

    facts, arrays = _learned(estimator)
    meta = np.frombuffer(json.dumps(facts, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    np.savez(file, allow_pickle=False, meta=meta, **arrays)


def fitted_size_bytes(estimator: Any) -> int:
    """Bytes :func:`save_fitted` writes for ``estimator``: what deploying the fitted baseline stores."""
    buffer = io.BytesIO()
    save_fitted(estimator, buffer)
    return buffer.getbuffer().nbytes


def load_fitted(file: str | os.PathLike[str] | IO[bytes]) -> Any:
    """The fitted baseline pipeline :func:`save_fitted` wrote, rebuilt from its arrays (no unpickling).

    Raises:
        InvalidParameterError: ``file`` was not written by :func:`save_fitted`.
    """
    import numpy as np

    with np.load(file, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    try:
        facts = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
        strategy = facts["strategy"]
        if facts.get("format") != "modelpick-baseline/1" or strategy not in _STRATEGIES:
            raise ValueError(f"format {facts.get('format')!r}, strategy {strategy!r}")
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidParameterError(f"This is not a baseline written by save_fitted ({exc}).") from exc
    pipeline = _build(strategy, random_state=0)
    clf = pipeline.named_steps["clf"]
    classes = np.asarray(facts["classes"])
    if strategy == "majority":
        # Fitting on one row per class weighted by its prior restores the priors exactly.
        prior = arrays["class_prior"]
        clf.fit(np.zeros((len(classes), 1)), classes, sample_weight=prior)
        return pipeline
    tfidf = pipeline.named_steps["tfidf"]
    tfidf.set_params(vocabulary={term: i for i, term in enumerate(facts["vocabulary"])})
    tfidf.idf_ = arrays["idf"]
    clf.classes_ = classes
    clf.coef_ = arrays["coef"]
    clf.intercept_ = arrays["intercept"]
    clf.n_features_in_ = arrays["coef"].shape[1]
    return pipeline


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
