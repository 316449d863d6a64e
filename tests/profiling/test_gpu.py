"""The CUDA path: event timing and GPU memory. Skipped cleanly where torch sees no GPU."""

from __future__ import annotations

import dataclasses

import pytest

from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.profiling import profile_candidate

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return torch


def test_cuda_profile_uses_events_and_reports_gpu_memory(cuda, tiny_bert_dir, split, fast_settings):
    settings = dataclasses.replace(fast_settings, device="cuda")
    candidate = TransformerCandidate(name="tiny-bert", family="BERT", model_id="tiny-bert", source="local path")
    result = profile_candidate(candidate, WeightsResolution("local", str(tiny_bert_dir), "test"), split, settings)
    assert result.device.startswith("cuda:")
    assert result.timer == "cuda events"
    assert result.peak_gpu_mb is not None and result.peak_gpu_mb > 0
    lat = result.latency
    assert 0 < lat.p50_ms <= lat.p90_ms <= lat.p99_ms
    assert result.gflops_per_s <= 1.25 * result.machine_peak_gflops


def test_cuda_event_timer_times_a_call(cuda):
    from modelpick.profiling._timers import CudaEventTimer

    a = cuda.randn(256, 256, device="cuda")
    assert CudaEventTimer()(lambda: a @ a) > 0
