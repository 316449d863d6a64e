"""Profiler for scikit-learn baselines (``kind = "baseline"``): majority class, TF-IDF + linear models.

The pipeline is fitted on the training split inside the child, then ``predict`` is timed on one raw
text at a time over the sample's texts (the vectorizer is part of the pipeline, so its tokenization is
inside the timed call and there is no separate tokenize measurement).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import Any, ClassVar

from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.candidates.baseline import BaselineCandidate, fitted_size_bytes
from modelpick.data._sample import TOKEN_LENGTH_METHOD, DataSplit, approximate_token_lengths
from modelpick.exceptions import ProfilingError
from modelpick.profiling._base import PreparedInputs, Profiler, cyclic_batches
from modelpick.profiling._settings import ProfileSettings

__all__ = ["BaselineProfiler", "count_learned_parameters"]

# Learned arrays that hold a model's numbers. TF-IDF learns one idf weight per vocabulary term and those
# weights are stored and used at predict time like coefficients, so the vocabulary size counts too.
_LEARNED_ARRAYS = ("idf_", "coef_", "intercept_", "class_prior_")


def count_learned_parameters(estimator: Any) -> int:
    """Learned numbers of a fitted estimator or pipeline: coefficients, intercepts, idf weights
    (one per TF-IDF vocabulary term), class priors (a majority-class baseline).

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> count_learned_parameters(LogisticRegression().fit([[0.0, 1.0], [1.0, 0.0]], [0, 1]))
        3
    """
    steps = [step for _, step in getattr(estimator, "steps", [(None, estimator)])]
    total = 0
    for step in steps:
        for name in _LEARNED_ARRAYS:
            value = getattr(step, name, None)
            size = getattr(value, "size", None)
            if isinstance(size, int):
                total += size
    return total


class BaselineProfiler(Profiler):
    """Cost of a scikit-learn pipeline: predict latency on one text, throughput, memory, size."""

    kind: ClassVar[str] = "baseline"
    baseline_imports: ClassVar[tuple[str, ...]] = (
        "sklearn", "sklearn.pipeline", "sklearn.feature_extraction.text", "sklearn.linear_model",
        "sklearn.svm", "sklearn.dummy",
    )

    def __init__(self) -> None:
        self._thread_limits: Any = None

    def configure(self, settings: ProfileSettings) -> int:
        from threadpoolctl import threadpool_limits

        # BLAS/OpenMP pools sized like torch's for transformers; kept for the life of the child.
        self._thread_limits = threadpool_limits(limits=settings.num_threads)
        return settings.num_threads

    def close(self) -> None:
        if self._thread_limits is not None:
            self._thread_limits.restore_original_limits()
            self._thread_limits = None

    def load(self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit,
             settings: ProfileSettings) -> Any:
        if not isinstance(candidate, BaselineCandidate):
            raise ProfilingError(f"Candidate {candidate.name} of kind {candidate.kind!r} is not a baseline.")
        build = candidate.build_estimator
        if not split.train_texts:
            raise ProfilingError(f"Baseline {candidate.name} needs training texts to be fitted; the split has none.")
        if len(split.train_labels) != len(split.train_texts):
            raise ProfilingError(
                f"Baseline {candidate.name} is fitted on labelled texts and this sample has no labels; "
                "give a label column (--label-column) to profile baselines."
            )
        estimator = build(random_state=settings.random_state)
        estimator.fit(list(split.train_texts), list(split.train_labels))
        return estimator

    def prepare_inputs(self, loaded: Any, texts: Sequence[str], settings: ProfileSettings,
                       sample_texts: Sequence[str] = ()) -> PreparedInputs:
        # A pipeline's cost hardly depends on length (microseconds): timed on the texts themselves.
        texts = tuple(texts)
        batch_size = settings.throughput_batch_size
        # One latency call per drawn text: it and the next latency_batch_size - 1 texts (wrapping round).
        calls = [[texts[(i + j) % len(texts)] for j in range(settings.latency_batch_size)] for i in range(len(texts))]
        return PreparedInputs(
            texts=texts,
            single=tuple(calls),
            lengths=tuple(approximate_token_lengths(texts)),  # the texts' (as for transformers), not the calls'

            lengths_source=f"approximated: {TOKEN_LENGTH_METHOD}",
            batches=tuple(
                [texts[i] for i in idx]
                for idx in cyclic_batches(len(texts), batch_size)[: settings.throughput_batches]
            ),
            batch_size=batch_size,
        )

    def run_once(self, loaded: Any, single_input: list[str]) -> Any:
        return loaded.predict(single_input)

    def run_batch(self, loaded: Any, batch: list[str]) -> Any:
        return loaded.predict(batch)

    def parameters(self, loaded: Any) -> int:
        return count_learned_parameters(loaded)

    def weights_on_disk_mb(self, loaded: Any) -> float | None:
        # A fitted pipeline has no weight files: what deploying it stores is its learned arrays and
        # vocabulary, as save_fitted writes them (never a pickle).
        return fitted_size_bytes(loaded) / 2**20

    def library_versions(self) -> dict[str, str]:
        return {name: metadata.version(name) for name in ("scikit-learn", "numpy", "scipy")}
