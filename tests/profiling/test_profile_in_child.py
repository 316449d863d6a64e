"""profile_in_child with real spawned children: a result, a child's exception, a timeout.

Spawned children import torch, so this file keeps to three of them (plus the cached baseline child).
"""

from __future__ import annotations

import pytest

from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.exceptions import CandidateTimeout, ProfilingError
from modelpick.profiling import _baseline_cache, baseline_rss_mb, profile_in_child
from modelpick.testing.tiny_models import tiny_config

pytestmark = pytest.mark.slow


def _candidate(name: str = "tiny-bert") -> TransformerCandidate:
    return TransformerCandidate(name=name, family="BERT", model_id=name, source="local path")


def test_profile_in_child_measures_memory_over_the_baseline(tiny_bert_dir, split, fast_settings):
    weights = WeightsResolution("local", str(tiny_bert_dir), "saved by the test")
    result = profile_in_child(_candidate(), weights, split, fast_settings, timeout_s=300)
    assert result.candidate == "tiny-bert"
    assert result.num_threads == fast_settings.num_threads
    assert result.peak_rss_mb is not None and result.peak_rss_mb >= 0
    assert result.latency.n >= fast_settings.min_rounds * fast_settings.max_input_lengths
    assert result.tokenize is not None
    # The baseline child ran once for this kind and is reused.
    baseline = baseline_rss_mb("transformer", fast_settings)
    assert baseline is not None and baseline > 0
    assert _baseline_cache[("transformer", "cpu", ("torch", "transformers"))] == baseline


def test_an_exception_in_the_child_becomes_a_one_line_profiling_error(split, fast_settings):
    # hidden_size 30 is not a multiple of 4 heads: transformers refuses to build the model.
    broken = {**tiny_config("bert"), "hidden_size": 30, "num_attention_heads": 4}
    weights = WeightsResolution("architecture-only", None, "test", config=broken)
    with pytest.raises(ProfilingError) as info:
        profile_in_child(_candidate("broken"), weights, split, fast_settings, timeout_s=300)
    message = str(info.value)
    assert message.startswith("Could not load the model from config 'bert'")
    assert "\n" not in message
    assert "Traceback" in info.value.details


def test_a_child_past_its_timeout_is_ended(tiny_bert_dir, split, fast_settings):
    weights = WeightsResolution("local", str(tiny_bert_dir), "saved by the test")
    with pytest.raises(CandidateTimeout, match=r"^timed out after 0\.2 s$") as info:
        profile_in_child(_candidate(), weights, split, fast_settings, timeout_s=0.2)
    assert info.value.timeout_s == 0.2 and isinstance(info.value, TimeoutError)
