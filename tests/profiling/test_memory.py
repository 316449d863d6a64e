"""Peak memory is the measuring process's own, never its parent's."""

from __future__ import annotations

import sys

import pytest

from modelpick.profiling._memory import measure_baseline_rss_mb, peak_rss_mb


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the inherited high-water mark is Linux's")
def test_a_spawned_child_does_not_inherit_a_large_parent_s_peak():
    # ru_maxrss of a child that was forked before it exec'd Python starts at the parent's RSS: a parent that
    # had imported torch made every baseline candidate "use" 150 MiB. The child must report its own peak.
    ballast = bytearray(400 * 2**20)
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])  # touch every page so it is resident
    assert peak_rss_mb() > 400
    child = measure_baseline_rss_mb(["json"], timeout_s=120)
    assert child is not None and child < 200, child
    del ballast


def _peak_after_dropping_ballast() -> tuple[float, float, bool]:
    """In a fresh child: the peak with 300 MiB of ballast resident, then after dropping it and resetting."""
    from modelpick.profiling._memory import release_and_reset_peak_rss

    ballast = bytearray(300 * 2**20)
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])
    before = peak_rss_mb()
    del ballast
    reset = release_and_reset_peak_rss()
    return before, peak_rss_mb(), reset


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM and clear_refs are Linux's")
def test_the_peak_restarts_from_the_current_rss_once_the_loaded_model_is_dropped():
    # A variant row drops the fp32 model it was built from; its memory is what it holds from then on.
    from modelpick._isolation import run_in_child
    from modelpick.exceptions import ProfilingError

    before, after, reset = run_in_child(_peak_after_dropping_ballast, timeout_s=120, error=ProfilingError,
                                        context="the reset child failed")
    assert before > 300
    if not reset:
        pytest.skip("this kernel refuses writes to /proc/self/clear_refs; the peak is then kept, as documented")
    assert after < before - 250, (before, after)
