"""The orchestrator turns the options into measurement settings, once, and echoes what it used."""

from __future__ import annotations

from modelpick._advisor import measurement_settings
from modelpick.config import AdviseConfig


def test_measurement_settings_follow_the_options():
    config = AdviseConfig(max_profile_time_s=1.5, throughput_batch_size=8, random_state=7, trust_remote_code=True,
                          timeout_s=30)
    profiling, estimation = measurement_settings(config, num_threads=2, device="cpu")
    assert (profiling.num_threads, profiling.device, profiling.max_time_s) == (2, "cpu", 1.5)
    assert (profiling.throughput_batch_size, profiling.random_state, profiling.trust_remote_code) == (8, 7, True)
    assert (estimation.num_threads, estimation.device, estimation.timeout_s) == (2, "cpu", 30)
    assert (estimation.random_state, estimation.trust_remote_code) == (7, True)
