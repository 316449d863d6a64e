"""The orchestrator turns the options into measurement settings, once, and echoes what it used."""

from __future__ import annotations

from modelpick._advisor import _estimation_settings, _profile_settings
from modelpick.config import AdviseConfig


def test_profile_settings_follow_the_options():
    config = AdviseConfig(max_profile_time_s=1.5, throughput_batch_size=8, random_state=7, trust_remote_code=True)
    settings = _profile_settings(config, num_threads=2, device="cpu")
    assert (settings.num_threads, settings.device, settings.max_time_s) == (2, "cpu", 1.5)
    assert (settings.throughput_batch_size, settings.random_state, settings.trust_remote_code) == (8, 7, True)


def test_estimation_settings_follow_the_options():
    config = AdviseConfig(timeout_s=30, random_state=3, trust_remote_code=True)
    settings = _estimation_settings(config, num_threads=1, device="cpu")
    assert (settings.num_threads, settings.device, settings.timeout_s) == (1, "cpu", 30)
    assert (settings.random_state, settings.trust_remote_code) == (3, True)
