"""The built-in demo sample ships with the package and is usable as it is."""

from __future__ import annotations

from collections import Counter

import pytest

from modelpick.data import BUILTIN_SAMPLES, load_builtin_sample
from modelpick.exceptions import UnknownNameError
from modelpick.tasks import get_task


def test_demo_reviews_loads_with_four_classes():
    sample = load_builtin_sample()
    assert sample.n >= 400
    assert sample.classes == ("account", "billing", "shipping", "technical")
    assert min(Counter(sample.labels).values()) >= 100
    assert sample.source == "builtin:demo_reviews"
    assert len(set(sample.texts)) == sample.n  # no duplicate would leak from train into test
    words = [len(t.split()) for t in sample.texts]
    assert 5 <= min(words) and max(words) <= 60
    get_task("text-classification").validate_labels(sample.labels, source=sample.source)
    split = sample.split(test_size=0.25, random_state=0)
    assert set(split.test_labels) == set(sample.classes)


def test_every_task_names_a_builtin_sample():
    assert get_task("text-classification").builtin_sample in BUILTIN_SAMPLES


def test_unknown_builtin_sample():
    with pytest.raises(UnknownNameError, match=r"Unknown built-in sample 'nope'\. Built-in samples: 'demo_reviews'\."):
        load_builtin_sample("nope")
