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
