"""Parameter validation: one message format naming the value and what it must be."""

from __future__ import annotations

import pytest

from modelpick.config import AdviseConfig
from modelpick.constraints import Constraints
from modelpick.exceptions import InvalidParameterError, ModelpickError


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_latency_ms": -5}, "The 'max_latency_ms' parameter of AdviseConfig must be a number > 0 or None. Got -5 instead."),
        ({"max_memory_mb": 0}, "'max_memory_mb' parameter of AdviseConfig must be a number > 0 or None. Got 0 instead."),
        ({"min_accuracy": 1.5}, "must be a number >= 0 and <= 1 or None. Got 1.5 instead."),
        ({"latency_percentile": "p42"}, "must be one of 'p50', 'p90', 'p95', 'p99'. Got 'p42' instead."),
        ({"num_threads": 0}, "'num_threads' parameter of AdviseConfig must be an integer >= 1 or None. Got 0 instead."),
        ({"num_threads": True}, "Got True instead."),
        ({"test_size": 1.0}, "'test_size'"),
        ({"candidates": ["bert-base-uncased", ""]}, "must be a non-empty list of non-empty strings or None. Got ['bert-base-uncased', ''] instead."),
        ({"candidates": []}, "must be a non-empty list of non-empty strings or None. Got [] instead."),
        ({"device": "tpu"}, "must be one of 'auto', 'cpu', 'cuda'. Got 'tpu' instead."),
        ({"max_latency_ms": float("nan")}, "Got nan instead."),
    ],
)
def test_bad_parameters_get_one_clear_message(kwargs, message):
    with pytest.raises(InvalidParameterError) as info:
        AdviseConfig(**kwargs)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ModelpickError)


def test_good_config_is_frozen_and_echoes_constraints():
    config = AdviseConfig(max_latency_ms=20, candidates=["a", "b"])
    assert config.candidates == ("a", "b")
    assert config.constraints == Constraints(max_latency_ms=20, latency_percentile="p90")
    assert config.constraints.to_dict() == {"max_latency_ms": 20, "max_memory_mb": None, "min_accuracy": None,
                                            "latency_percentile": "p90", "latency_batch_size": 1}
    assert config.to_dict()["candidates"] == ["a", "b"]
    assert config.replace(min_accuracy=0.8).min_accuracy == 0.8
    with pytest.raises(InvalidParameterError):
        config.replace(min_accuracy=-1)
