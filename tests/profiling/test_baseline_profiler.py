"""BaselineProfiler on the built-in scikit-learn baselines: in this process, and once in a child."""

from __future__ import annotations

import pytest

from modelpick.candidates.baseline import BaselineCandidate, builtin_baselines
from modelpick.profiling import profile_candidate, profile_in_child
from modelpick.profiling.baseline import BaselineProfiler, count_learned_parameters
from modelpick.results import ProfileResult


@pytest.mark.parametrize("candidate", builtin_baselines(), ids=lambda c: c.name)
def test_baseline_profile_structure(candidate, split, fast_settings):
    result = profile_candidate(candidate, None, split, fast_settings)
    lat = result.latency
    assert 0 < lat.p50_ms <= lat.p90_ms <= lat.p95_ms <= lat.p99_ms
    assert lat.n >= fast_settings.min_rounds * fast_settings.max_input_lengths
    assert lat.n % fast_settings.max_input_lengths == 0
    assert result.tokenize is None  # the vectorizer runs inside predict
    assert result.throughput_per_s > 0
    assert result.throughput_batch_size == fast_settings.throughput_batch_size
    assert result.lengths.source.startswith("approximated: ")
    assert result.gflops_per_s is None and result.machine_peak_gflops is None
    assert result.weights_on_disk_mb is not None and result.weights_on_disk_mb > 0
    assert result.parameters > 0
    assert "scikit-learn" in result.library_versions
    assert ProfileResult.from_dict(result.to_dict()) == result


def test_parameters_count_coefficients_intercepts_and_idf_weights(split, fast_settings):
    candidate = next(c for c in builtin_baselines() if c.strategy == "tfidf-logreg")
    profiler = BaselineProfiler()
    fitted = profiler.load(candidate, None, split, fast_settings)
    tfidf, clf = fitted.named_steps["tfidf"], fitted.named_steps["clf"]
    expected = tfidf.idf_.size + clf.coef_.size + clf.intercept_.size
    assert len(tfidf.vocabulary_) == tfidf.idf_.size  # one learned idf weight per vocabulary term
    assert profiler.parameters(fitted) == expected
    majority = next(c for c in builtin_baselines() if c.strategy == "majority")
    assert count_learned_parameters(profiler.load(majority, None, split, fast_settings)) == len(set(split.train_labels))


@pytest.mark.slow
def test_baseline_in_child_reports_memory_over_an_sklearn_baseline(split, fast_settings):
    candidate = BaselineCandidate(name="tfidf-linearsvm", family="TF-IDF + linear SVM", strategy="tfidf-linearsvm",
                                  source="builtin")
    result = profile_in_child(candidate, None, split, fast_settings, timeout_s=300)
    assert result.candidate == "tfidf-linearsvm"
    assert result.peak_rss_mb is not None and result.peak_rss_mb >= 0
    assert result.num_threads == fast_settings.num_threads


def test_unlabelled_sample_gives_a_clear_reason():
    import pytest

    from modelpick.candidates import resolve_candidate
    from modelpick.data._sample import DataSplit
    from modelpick.exceptions import ProfilingError
    from modelpick.profiling import ProfileSettings, profile_candidate

    unlabelled = DataSplit(("hello there", "my app crashes"), (), (), (), 0)
    with pytest.raises(ProfilingError, match="has no labels"):
        profile_candidate(resolve_candidate("tfidf-logreg"), None, unlabelled, ProfileSettings(max_time_s=0.1))


def test_a_latency_call_predicts_the_batch_size_texts_in_turn(split, fast_settings):
    import dataclasses

    from modelpick.profiling._base import draw_texts

    settings = dataclasses.replace(fast_settings, latency_batch_size=3)
    candidate = next(c for c in builtin_baselines() if c.strategy == "tfidf-logreg")
    profiler = BaselineProfiler()
    texts = draw_texts(split, settings)
    inputs = profiler.prepare_inputs(profiler.load(candidate, None, split, settings), texts, settings)
    assert len(inputs.single) == len(texts)
    assert inputs.single[1] == [texts[1], texts[2], texts[3]]
    assert inputs.single[-1] == [texts[-1], texts[0], texts[1]]  # wraps round
    result = profile_candidate(candidate, None, split, settings)
    assert result.batch_size == 3 and result.lengths.n == len(texts)
