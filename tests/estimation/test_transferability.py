"""Pre-screen scores (LogME, H-score) on synthetic features whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from modelpick.estimation import TRANSFERABILITY_SCORES, prescreen_scores
from modelpick.estimation._transferability import h_score, logme, try_prescreen_scores
from modelpick.exceptions import EstimationError
from modelpick.results import TransferabilityScore

SCORES = {"logme": logme, "h-score": h_score}


def clusters(separation: float, *, n_per_class: int = 60, d: int = 16, k: int = 3, seed: int = 0):
    """Gaussian clusters: class ``c`` has mean ``separation * e_c`` and unit noise in every dimension."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(k), n_per_class)
    features = rng.normal(size=(k * n_per_class, d))
    features[np.arange(len(labels)), labels] += separation
    return features, labels


def direct_log_evidence(features, target, log_alpha, log_beta):
    """log N(target; 0, F F^T / alpha + I / beta): the evidence written in data space, not in LogME's SVD
    coordinates, so it shares none of the implementation's algebra."""
    n = len(target)
    covariance = features @ features.T / np.exp(log_alpha) + np.eye(n) / np.exp(log_beta)
    _, log_det = np.linalg.slogdet(covariance)
    return -0.5 * target @ np.linalg.solve(covariance, target) - 0.5 * log_det - n / 2 * np.log(2 * np.pi)


def slow_logme(features, labels):
    """LogME by brute force: maximise the direct evidence of each one-vs-rest target numerically."""
    from scipy.optimize import minimize

    evidences = []
    for c in np.unique(labels):
        target = (labels == c).astype(float)
        runs = (
            minimize(lambda p, y=target: -direct_log_evidence(features, y, *p), start, method="Nelder-Mead",
                     options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000})
            for start in ((0.0, 0.0), (3.0, 3.0), (-3.0, 1.0), (6.0, 25.0), (25.0, 2.0))
        )
        evidences.append(-min(run.fun for run in runs) / len(target))
    return float(np.mean(evidences))


@pytest.mark.parametrize("method", SCORES)
def test_separable_clusters_score_above_pure_noise(method):
    features, labels = clusters(4.0)
    noise = np.random.default_rng(1).normal(size=features.shape)
    assert SCORES[method](features, labels) > SCORES[method](noise, labels)


@pytest.mark.parametrize("method", SCORES)
def test_more_informative_features_rank_higher(method):
    scores = [SCORES[method](*clusters(separation)) for separation in (0.5, 1.0, 2.0, 4.0)]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)


@pytest.mark.parametrize("method", SCORES)
def test_features_that_carry_the_labels_outrank_the_same_features_without_them(method):
    # Same noise dimensions; one set adds three informative ones. More columns alone must not win.
    informative, labels = clusters(3.0, d=3)
    noise = np.random.default_rng(2).normal(size=(len(labels), 13))
    with_signal = np.hstack([informative, noise])
    only_noise = np.hstack([np.random.default_rng(3).normal(size=informative.shape), noise])
    assert SCORES[method](with_signal, labels) > SCORES[method](only_noise, labels)


@pytest.mark.parametrize("method", SCORES)
@pytest.mark.parametrize("shape", [(90, 8), (12, 40)], ids=["n>d", "n<d"])
@pytest.mark.parametrize("factor", [1e-3, 7.0, 1e4])
def test_scores_do_not_change_when_every_feature_is_multiplied_by_one_constant(method, shape, factor):
    # LogME: alpha absorbs the factor (the log-determinant and the log(alpha) terms cancel). H-score:
    # Ledoit-Wolf shrinkage is a ratio, so both covariances scale by factor^2 and the trace is unchanged.
    n, d = shape
    features, labels = clusters(1.5, n_per_class=n // 3, d=d)
    assert SCORES[method](factor * features, labels) == pytest.approx(SCORES[method](features, labels), rel=1e-9)


def test_logme_changes_when_features_are_scaled_unevenly():
    # The invariance is to one constant, not to each column's own scale: the prior on weights is isotropic.
    features, labels = clusters(2.0)
    uneven = features * np.linspace(0.1, 10.0, features.shape[1])
    assert logme(uneven, labels) != pytest.approx(logme(features, labels), rel=1e-3)


@pytest.mark.parametrize(
    ("n", "d", "seed"),
    [(12, 5, 0), (30, 3, 1), (8, 8, 2), (6, 10, 3), (9, 20, 4), (15, 1, 5)],
    ids=["n>d", "n>>d", "n=d", "n<d", "n<<d", "one feature"],
)
def test_logme_is_the_maximum_of_the_directly_evaluated_evidence(n, d, seed):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    features = rng.normal(size=(n, d)) * 3.0 + labels[:, None] * 0.8 + 1.0
    assert logme(features, labels) == pytest.approx(slow_logme(features, labels), abs=1e-7)


def test_logme_counts_every_dimension_when_features_are_rank_deficient():
    # Duplicated columns: rank 4 of 8. The evidence has d - rank eigenvalues equal to alpha; leaving them out
    # (as a truncated SVD does) would give a different, wrong number.
    rng = np.random.default_rng(6)
    labels = np.arange(14) % 2
    base = rng.normal(size=(14, 4)) + labels[:, None]
    features = np.hstack([base, base])
    assert logme(features, labels) == pytest.approx(slow_logme(features, labels), abs=1e-7)


def test_logme_with_many_more_features_than_examples_is_finite_and_deterministic():
    rng = np.random.default_rng(7)
    labels = np.arange(40) % 4
    features = rng.normal(size=(40, 768)).astype(np.float32)
    first, second = logme(features, labels), logme(features, labels)
    assert np.isfinite(first) and first == second


def test_h_score_of_one_feature_is_the_between_class_share_of_its_variance():
    # With one feature Ledoit-Wolf has nothing to shrink towards, so H = between / total variance.
    # Class means 0.5 and 2.5 around 1.5: between variance 1; total variance 1.25.
    assert h_score([[0.0], [1.0], [2.0], [3.0]], ["a", "a", "b", "b"]) == pytest.approx(0.8)
    assert h_score([[0.0], [0.0], [2.0], [2.0]], ["a", "a", "b", "b"]) == pytest.approx(1.0)


def test_h_score_is_zero_when_every_class_has_the_same_features():
    rows = np.random.default_rng(8).normal(size=(10, 5))
    features = np.vstack([rows, rows, rows])
    labels = np.repeat(["x", "y", "z"], 10)
    assert h_score(features, labels) == pytest.approx(0.0, abs=1e-12)


def test_h_score_agrees_with_the_matrix_formula_and_stays_within_its_bounds():
    from sklearn.covariance import LedoitWolf

    features, labels = clusters(2.0, n_per_class=10, d=50)  # fewer examples than features
    centred = features - features.mean(axis=0)
    fitted = LedoitWolf().fit(centred)
    class_means = np.stack([centred[labels == c].mean(axis=0) for c in np.unique(labels)])
    g = class_means[labels]  # each row replaced by its class mean: E[f | y]
    between = g.T @ g / len(g)
    expected = np.trace(np.linalg.inv(fitted.covariance_) @ ((1 - fitted.shrinkage_) * between))
    score = h_score(features, labels)
    assert score == pytest.approx(expected, rel=1e-9)
    assert 0.0 < score <= 2.0  # at most min(d, classes - 1)


@pytest.mark.parametrize("method", SCORES)
def test_labels_are_names_not_numbers(method):
    features, labels = clusters(2.0)
    names = np.array(["sports", "cooking", "weather"])[labels]
    assert SCORES[method](features, list(names)) == pytest.approx(SCORES[method](features, labels))


@pytest.mark.parametrize("method", SCORES)
@pytest.mark.parametrize(
    ("features", "labels", "message"),
    [
        ([1.0, 2.0, 3.0], ["a", "b", "a"], r"needs features as a 2-D array .* shape \(3,\)"),
        ([[1.0], [2.0], [3.0]], ["a", "b"], "needs one label per feature row; got 2 labels for 3 rows"),
        ([[1.0], [2.0], [3.0]], ["a", "a", "a"], "needs at least 2 classes .* only the class 'a'"),
        (np.zeros((0, 3)), [], "needs at least 2 classes .* no labels"),
        (np.zeros((3, 0)), ["a", "b", "a"], "needs at least one feature column"),
        ([[1.0], [float("nan")], [3.0]], ["a", "b", "a"], "needs finite features; 1 of 3 rows hold NaN or infinity"),
        ([["x"], ["y"]], ["a", "b"], "are not numbers: ValueError"),
    ],
    ids=["1-D", "label count", "one class", "empty", "no columns", "NaN", "text"],
)
def test_unusable_input_is_refused_with_a_reason(method, features, labels, message):
    label = {"logme": "LogME", "h-score": "H-score"}[method]
    with pytest.raises(EstimationError, match=f"^{label}|The features given to {label}") as info:
        SCORES[method](features, labels)
    assert info.match(message)


def test_features_that_cannot_separate_anything_are_refused():
    with pytest.raises(EstimationError, match="LogME needs features that are not all zero"):
        logme(np.zeros((4, 3)), ["a", "b", "a", "b"])
    with pytest.raises(EstimationError, match="H-score needs features that vary"):
        h_score(np.ones((4, 3)), ["a", "b", "a", "b"])


def test_the_registry_names_each_method_and_says_it_is_not_an_accuracy():
    assert list(TRANSFERABILITY_SCORES) == ["logme", "h-score"]
    assert [m.label for m in TRANSFERABILITY_SCORES.values()] == ["LogME", "H-score"]
    for method in TRANSFERABILITY_SCORES.values():
        assert "et al." in method.note and "not an accuracy" in method.note and "\n" not in method.note


def test_prescreen_scores_computes_every_registered_score():
    features, labels = clusters(2.0)
    scores = prescreen_scores(features, labels)
    assert all(isinstance(s, TransferabilityScore) for s in scores)
    assert [s.method for s in scores] == ["logme", "h-score"]
    assert scores[0].value == logme(features, labels) and scores[1].value == h_score(features, labels)
    assert scores[0].note == TRANSFERABILITY_SCORES["logme"].note


def test_a_failing_score_costs_only_itself(monkeypatch):
    from modelpick.estimation._transferability import TransferabilityMethod

    def broken(features, labels):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setitem(TRANSFERABILITY_SCORES, "h-score", TransferabilityMethod(broken, "H-score", "n/a"))
    features, labels = clusters(2.0)
    scores, failures = try_prescreen_scores(features, labels)
    assert [s.method for s in scores] == ["logme"]
    assert failures == ("H-score: LinAlgError: SVD did not converge",)
    with pytest.raises(EstimationError, match="^Pre-screen scores could not be computed: H-score: LinAlgError"):
        prescreen_scores(features, labels)
