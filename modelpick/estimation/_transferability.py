"""Pre-screen scores: how well a candidate's frozen features suit the labels, without training anything.

Both scores read the pooled features the linear probe already extracted, so they cost no forward pass:

- **LogME** (You et al., "LogME: Practical Assessment of Pre-trained Models for Transfer Learning",
  ICML 2021): the log of the maximum evidence of a Bayesian linear regression from the features to each
  one-vs-rest target, maximised over the prior precision ``alpha`` and the noise precision ``beta`` by
  MacKay's fixed-point updates, averaged over classes and divided by the number of examples.
- **H-score** (Bao et al., "An Information-theoretic Approach to Transferability in Task Transfer
  Learning", ICIP 2019): ``tr(cov(f)^-1 cov(E[f|y]))``, how much of the features' variance lies between
  the class means. The feature covariance is the Ledoit-Wolf shrinkage estimate, as in the regularized
  H-score of Ibrahim, Ponomareva and Mazumder ("Newer is not always better: Rethinking transferability
  metrics, their peculiarities, stability and performance", 2022), because the plain sample covariance
  of 768 features from a few hundred examples is singular.

They rank candidates on the same data: higher means features that suit the task better. Their scales
are the methods' own (LogME is a log-likelihood per example, H-score a sum of variance ratios), so a
value is never an accuracy and is never compared with one.

Adding a score: write ``name(features, labels) -> float`` here and add it to
:data:`TRANSFERABILITY_SCORES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modelpick._errors import one_line, reraised_as
from modelpick._imports import require
from modelpick.exceptions import EstimationError
from modelpick.results import TransferabilityScore

__all__ = [
    "TRANSFERABILITY_SCORES",
    "TransferabilityMethod",
    "h_score",
    "logme",
    "prescreen_scores",
    "try_prescreen_scores",
]

# Relative bounds on t = alpha / beta (in units of the mean squared singular value). At the bounds the
# evidence has reached its limit to far below float precision; they keep an evidence whose supremum
# lies at t -> 0 or t -> infinity from dividing by an underflowed residual or weight norm.
_T_MIN, _T_MAX = 1e-12, 1e12
_MAX_ITERATIONS = 1000
_TOLERANCE = 1e-10


@dataclass(frozen=True)
class TransferabilityMethod:
    """One pre-screen score: the function that computes it and what the number means."""

    compute: Callable[[Any, Sequence[Any]], float]
    label: str  # as people write the method's name: "LogME", "H-score"
    note: str


def _validated(features: Any, labels: Sequence[Any], *, method: str) -> tuple[Any, Any, int]:
    """``features`` as a float64 ``(n, d)`` array, the labels as codes ``0..k-1``, and ``k``."""
    np = require("numpy", purpose=f"compute the {method} pre-screen score")
    with reraised_as(EstimationError, f"The features given to {method} are not numbers"):
        x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise EstimationError(
            f"{method} needs features as a 2-D array (one row per example); got an array of shape {x.shape}."
        )
    labels = list(labels)
    if len(labels) != x.shape[0]:
        raise EstimationError(
            f"{method} needs one label per feature row; got {len(labels)} labels for {x.shape[0]} rows."
        )
    if x.shape[1] == 0:
        raise EstimationError(f"{method} needs at least one feature column; got an array of shape {x.shape}.")
    if not np.isfinite(x).all():
        raise EstimationError(
            f"{method} needs finite features; {int((~np.isfinite(x)).any(axis=1).sum())} of {x.shape[0]} rows "
            "hold NaN or infinity."
        )
    # str() so labels of mixed types (1 and "1") still sort; the codes only name classes apart.
    classes, codes = np.unique(np.asarray([str(label) for label in labels]), return_inverse=True)
    if len(classes) < 2:
        raise EstimationError(
            f"{method} needs at least 2 classes to score features against; got "
            f"{'no labels' if not labels else f'only the class {str(classes[0])!r}'}."
        )
    return x, codes.reshape(-1), len(classes)


def _class_evidence(u: Any, sigma: Any, y: Any, *, d: int) -> tuple[float, float, float]:
    """Maximum log evidence of ``y ~ F w`` per example, with the ``alpha`` and ``beta`` that reach it.

    ``F = U S V^T`` is the compact SVD of the features (``u``: ``n x k``, ``sigma = s**2`` of its ``k``
    non-zero singular values); ``d`` is the number of feature columns. Everything is written in the
    SVD's coordinates, so one iteration costs ``O(k)``.
    """
    import numpy as np

    n, k = y.shape[0], sigma.shape[0]
    x = u.T @ y  # y in the features' column space
    x2 = x * x
    # The part of y no weights can reach; only the compact SVD's k columns of U are ever formed.
    outside = max(float(y @ y - x2.sum()), 0.0)
    scale = float(sigma.mean())
    t_min, t_max = _T_MIN * scale, _T_MAX * scale

    def posterior(t: float) -> tuple[float, float, float, float]:
        # gamma: the effective number of well-determined weights, and n - gamma summed apart so that it
        # does not round to 0 when t is tiny; m2 = |m|^2; res2 = |y - F m|^2.
        gamma = float((sigma / (sigma + t)).sum())
        rest = (n - k) + float((t / (sigma + t)).sum())
        m2 = float((sigma * x2 / (sigma + t) ** 2).sum())
        res2 = float((x2 * (t / (sigma + t)) ** 2).sum()) + outside
        return gamma, rest, m2, res2

    # Starting from t proportional to the features' own scale makes every iterate, not only the fixed
    # point, scale equivariant: multiplying the features by c multiplies t by c^2.
    t = scale
    for _ in range(_MAX_ITERATIONS):
        gamma, rest, m2, res2 = posterior(t)
        if m2 <= 0.0:
            t = t_max  # y is orthogonal to every feature: the evidence grows with alpha without end
            break
        new_t = min(max((gamma / m2) / (rest / res2), t_min), t_max)
        converged = abs(new_t - t) <= _TOLERANCE * t
        t = new_t
        if converged:
            break
    gamma, rest, m2, res2 = posterior(t)

    def log_evidence(alpha: float, beta: float) -> float:
        # log|A| of A = alpha I + beta F^T F: k eigenvalues from the features and d - k of alpha alone.
        log_det = float(np.log(alpha + beta * sigma).sum()) + (d - k) * float(np.log(alpha))
        return float(
            d / 2.0 * np.log(alpha) + n / 2.0 * np.log(beta) - 0.5 * log_det
            - beta / 2.0 * res2 - alpha / 2.0 * m2 - n / 2.0 * np.log(2.0 * np.pi)
        )

    # At a fixed point both updates give the same pair. Where t stopped at a bound, the supremum is a
    # limit (beta -> infinity at t_min, alpha -> infinity at t_max) and only the update of the other,
    # finite precision is right; both pairs are true evidence values at ratio t, so take the larger.
    # res2 > 0: a one-vs-rest target is never 0, and t > 0 leaves part of it unfitted.
    pairs = [(t * rest / res2, rest / res2)]
    if m2 > 0.0:
        pairs.append((gamma / m2, gamma / m2 / t))
    evidence, alpha, beta = max((log_evidence(a, b), a, b) for a, b in pairs)
    return float(evidence) / n, float(alpha), float(beta)


def logme(features: Any, labels: Sequence[Any]) -> float:
    """LogME of ``features`` for ``labels`` (You et al., ICML 2021): higher means features that fit better.

    For each class, a Bayesian linear regression from the features to the class's one-vs-rest 0/1
    target; its log evidence ``log p(y | F, alpha, beta)`` is maximised over the prior precision
    ``alpha`` and the noise precision ``beta`` by MacKay's fixed-point updates (``alpha = gamma / |m|^2``,
    ``beta = (n - gamma) / |y - F m|^2``). The score is the maximum evidence averaged over classes and
    divided by ``n``. One compact SVD of the feature matrix serves every class and iteration, whether
    there are more examples than features or fewer. The log-determinant counts all ``d`` eigenvalues of
    ``alpha I + beta F^T F``, including the ``d - rank`` that equal ``alpha``, so the value is the exact
    evidence also when ``n < d``.

    The score is invariant to multiplying every feature by one constant (``alpha`` absorbs it), and like
    the reference implementation it fits no intercept and does not centre the features. It is a
    log-likelihood per example, comparable only between feature sets scored on the same labels: it
    ranks candidates and is not an accuracy.

    Args:
        features: Array-like of shape ``(n, d)``, one row per example.
        labels: One label per row (any values; at least 2 distinct).

    Returns:
        The LogME score, a finite float.

    Raises:
        EstimationError: the features are not a finite 2-D array, the labels do not match the rows, or
            there are fewer than 2 classes.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> labels = np.repeat([0, 1], 50)
        >>> separable = rng.normal(size=(100, 8)) + 4.0 * labels[:, None]
        >>> noise = rng.normal(size=(100, 8))
        >>> logme(separable, labels) > logme(noise, labels)
        True
        >>> bool(np.isclose(logme(10.0 * separable, labels), logme(separable, labels)))
        True
    """
    np = require("numpy", purpose="compute the LogME pre-screen score")
    x, codes, n_classes = _validated(features, labels, method="LogME")
    n, d = x.shape
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    # numpy's matrix_rank threshold: singular values below it are rounding noise, not directions.
    rank = int((s > s.max(initial=0.0) * max(n, d) * np.finfo(np.float64).eps).sum())
    if rank == 0:
        raise EstimationError("LogME needs features that are not all zero; every feature value is 0.")
    u, sigma = u[:, :rank], s[:rank] ** 2
    evidences = [_class_evidence(u, sigma, (codes == c).astype(np.float64), d=d)[0] for c in range(n_classes)]
    return float(np.mean(evidences))


def h_score(features: Any, labels: Sequence[Any]) -> float:
    """H-score of ``features`` for ``labels`` (Bao et al., ICIP 2019), with a shrinkage covariance.

    ``tr(cov(f)^-1 cov(E[f|y]))`` on centred features: the between-class covariance measured in units
    of the features' own covariance, the quantity a linear discriminant maximises. With fewer examples
    than features the sample covariance is singular, so ``cov(f)`` is the Ledoit-Wolf estimate
    ``(1 - a) S + a mu I`` (:class:`sklearn.covariance.LedoitWolf`), and the between-class covariance is
    shrunk by the same ``1 - a``: the regularized H-score of Ibrahim et al. (2022).

    Invariant to multiplying every feature by one constant (the Ledoit-Wolf shrinkage is scale
    equivariant). Ranges from 0 (class means equal) up to ``min(d, k - 1)`` for ``k`` classes; it ranks
    candidates and is not an accuracy.

    Args:
        features: Array-like of shape ``(n, d)``, one row per example.
        labels: One label per row (any values; at least 2 distinct).

    Returns:
        The H-score, a float >= 0.

    Raises:
        EstimationError: the features are not a finite 2-D array, the labels do not match the rows, there
            are fewer than 2 classes, or every feature is constant.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> labels = np.repeat([0, 1], 50)
        >>> separable = rng.normal(size=(100, 8)) + 4.0 * labels[:, None]
        >>> noise = rng.normal(size=(100, 8))
        >>> h_score(separable, labels) > h_score(noise, labels)
        True
        >>> bool(np.isclose(h_score(10.0 * separable, labels), h_score(separable, labels)))
        True
    """
    np = require("numpy", purpose="compute the H-score pre-screen score")
    covariance = require("sklearn.covariance", purpose="compute the H-score pre-screen score")
    x, codes, n_classes = _validated(features, labels, method="H-score")
    x = x - x.mean(axis=0)
    if not np.any(x):
        raise EstimationError("H-score needs features that vary; every feature is constant across examples.")
    with reraised_as(EstimationError, "The Ledoit-Wolf covariance for H-score failed"):
        fitted = covariance.LedoitWolf(assume_centered=True).fit(x)
    shrunk, shrinkage = fitted.covariance_, float(fitted.shrinkage_)
    # cov(E[f|y]) = sum_c p_c mu_c mu_c^T, so tr(C^-1 cov(E[f|y])) = sum_c p_c mu_c^T C^-1 mu_c.
    means = np.stack([x[codes == c].mean(axis=0) for c in range(n_classes)])
    weights = np.bincount(codes, minlength=n_classes) / x.shape[0]
    try:
        solved = np.linalg.solve(shrunk, means.T)
    except np.linalg.LinAlgError:
        # Only without shrinkage (a = 0) can C be singular; its pseudo-inverse keeps the score defined.
        solved = np.linalg.pinv(shrunk, hermitian=True) @ means.T
    return float((1.0 - shrinkage) * (weights * np.einsum("cd,dc->c", means, solved)).sum())


TRANSFERABILITY_SCORES: dict[str, TransferabilityMethod] = {
    "logme": TransferabilityMethod(
        logme,
        "LogME",
        "LogME (You et al., ICML 2021): log maximum evidence per example of a Bayesian linear model from the "
        "frozen training features to the labels; higher ranks a candidate higher; not an accuracy",
    ),
    "h-score": TransferabilityMethod(
        h_score,
        "H-score",
        "H-score (Bao et al., ICIP 2019) with a Ledoit-Wolf shrinkage covariance (Ibrahim et al., 2022): "
        "between-class over total feature covariance on the frozen training features; higher ranks a "
        "candidate higher; not an accuracy",
    ),
}


def try_prescreen_scores(
    features: Any, labels: Sequence[Any]
) -> tuple[tuple[TransferabilityScore, ...], tuple[str, ...]]:
    """Every score of :data:`TRANSFERABILITY_SCORES`; a method that fails gives a reason, not an exception.

    Returns:
        The scores that could be computed, in registry order, and one line per method that could not
        (``"H-score: <why>"``).

    Example:
        >>> scores, failures = try_prescreen_scores([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2]],
        ...                                         ["a", "b", "a", "b"])
        >>> [s.method for s in scores], failures
        (['logme', 'h-score'], ())
    """
    scores: list[TransferabilityScore] = []
    failures: list[str] = []
    for name, method in TRANSFERABILITY_SCORES.items():
        try:
            value = method.compute(features, labels)
        except Exception as exc:  # noqa: BLE001 - one failing score must not cost the others or the probe's accuracy
            failures.append(f"{method.label}: {one_line(exc)}")
            continue
        scores.append(TransferabilityScore(method=name, value=value, note=method.note))
    return tuple(scores), tuple(failures)


def prescreen_scores(features: Any, labels: Sequence[Any]) -> tuple[TransferabilityScore, ...]:
    """Every score of :data:`TRANSFERABILITY_SCORES` for ``features`` and ``labels``.

    Args:
        features: Array-like of shape ``(n, d)``: the frozen training features, one row per example.
        labels: One label per row, at least 2 distinct.

    Returns:
        One :class:`~modelpick.results.TransferabilityScore` per method, in registry order.

    Raises:
        EstimationError: a score could not be computed; the message says which and why.

    Example:
        >>> scores = prescreen_scores([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2]], ["a", "b", "a", "b"])
        >>> [s.method for s in scores]
        ['logme', 'h-score']
    """
    scores, failures = try_prescreen_scores(features, labels)
    if failures:
        raise EstimationError(f"Pre-screen scores could not be computed: {'; '.join(failures)}")
    return scores
