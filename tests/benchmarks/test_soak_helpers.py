"""The pure pieces of benchmarks/soak.py: the growth slope, the new-descriptor listing and the verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import soak

from modelpick.api import builtin_sample


def _samples(rss, *, fds=None, children=0, trackers=1, temp=0):
    fds = fds or [10] * len(rss)
    return [
        soak.Sample(i + 1, 1.0, mb, fd, 4, children if i == len(rss) - 1 else 0, temp if i == len(rss) - 1 else 0, 0,
                    trackers=trackers)
        for i, (mb, fd) in enumerate(zip(rss, fds, strict=True))
    ]


def test_slope_is_the_least_squares_growth_per_run():
    assert soak.slope([5.0, 5.0, 5.0]) == 0.0
    assert soak.slope([0.0, 1.0, 2.0, 3.0]) == pytest.approx(1.0)
    # Noise around a flat line has a small slope; one jump in the middle is spread over the window.
    assert soak.slope([10.0, 12.0, 10.0, 12.0, 10.0, 12.0]) == pytest.approx(2 / 35 * 3, abs=0.2)


def test_flat_figures_meet_the_targets_and_a_steady_climb_does_not():
    lines, ok = soak.summarize(_samples([500.0, 502.0, 501.0, 501.5, 500.5]))
    assert ok, lines
    lines, ok = soak.summarize(_samples([500.0 + 2 * i for i in range(12)]))
    assert not ok
    assert "+2.00 MB/run" in lines[0] and "+22.0 MB" in lines[0]


def test_the_slope_is_taken_over_the_last_runs_only():
    # A warm-up climb over the first runs, then flat: a leak-free process that settles.
    rss = [400.0, 450.0, 480.0] + [500.0] * 10
    lines, ok = soak.summarize(_samples(rss[-10:]))
    assert ok
    lines, _ = soak.summarize(_samples(rss), tail=10)
    assert "slope over the last 10 runs +0.00 MB/run" in lines[0]


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [({"fds": [10, 11, 12]}, "FDs: 10 -> 12 (+2)"), ({"children": 1}, "live children at the end: 1"),
     ({"trackers": 2}, "2 multiprocessing resource tracker"), ({"temp": 3}, "temporary entries: 0 -> 3 (+3)")],
)
def test_each_kind_of_leftover_fails_the_targets_and_is_named(kwargs, why):
    lines, ok = soak.summarize(_samples([500.0, 500.0, 500.0], **kwargs))
    assert not ok
    assert any(why in line for line in lines), lines


def test_new_descriptors_names_files_and_counts_pipes_by_kind():
    before = ["/dev/null", "pipe:[1]", "socket:[2]"]
    after = ["/dev/null", "/dev/null", "pipe:[1]", "pipe:[3]", "pipe:[4]", "socket:[5]", "/tmp/s.db"]
    assert soak.new_descriptors(before, after) == ["/dev/null", "/tmp/s.db", "pipe x2", "socket"]
    assert soak.new_descriptors(after, after[:4]) == []


def test_the_stratified_part_keeps_every_class_and_its_size():
    sample = builtin_sample()
    part = soak.stratified_part(sample, 60)
    assert part.n == 60 and set(part.classes) == set(sample.classes)
    counts = [part.labels.count(c) for c in part.classes]
    assert max(counts) - min(counts) <= 1
    assert soak.stratified_part(sample, 0) is sample
