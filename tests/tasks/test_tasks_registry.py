"""The task registry: names, lookup and the error for an unknown name."""

from __future__ import annotations

import pytest

from modelpick.exceptions import UnknownNameError
from modelpick.tasks import TASKS, Task, available_tasks, get_task


def test_registry_keys_are_the_task_names():
    assert available_tasks() == ["text-classification"]
    for name, cls in TASKS.items():
        assert issubclass(cls, Task) and cls.name == name
        task = get_task(name)
        assert task.primary_metric in task.metrics


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(UnknownNameError) as info:
        get_task("summarization")
    assert str(info.value) == "Unknown task 'summarization'. Known tasks: 'text-classification'."
    assert isinstance(info.value, KeyError)


def test_a_task_must_implement_every_hook():
    class Half(Task):
        name = "half"
        metrics = ("accuracy",)
        primary_metric = "accuracy"
        builtin_sample = "demo_reviews"

        def score(self, y_true, y_pred):
            return {"accuracy": 1.0}

    with pytest.raises(TypeError):
        Half()
