"""Tasks: what is being predicted, which labels are usable, and how predictions are scored.

Adding a task is one module with a :class:`Task` subclass and one line in :data:`TASKS`.
"""

from __future__ import annotations

from modelpick.exceptions import UnknownNameError
from modelpick.tasks._base import Task
from modelpick.tasks.text_classification import TextClassification

__all__ = ["TASKS", "Task", "TextClassification", "available_tasks", "get_task"]

TASKS: dict[str, type[Task]] = {
    TextClassification.name: TextClassification,
}


def available_tasks() -> list[str]:
    """Names of the registered tasks, sorted.

    Example:
        >>> available_tasks()
        ['text-classification']
    """
    return sorted(TASKS)


def get_task(name: str) -> Task:
    """A new instance of the task registered as ``name``.

    Raises:
        UnknownNameError: ``name`` is not registered; the message lists the known names.

    Example:
        >>> get_task("text-classification").primary_metric
        'accuracy'
    """
    try:
        cls = TASKS[name]
    except (KeyError, TypeError):
        known = ", ".join(repr(n) for n in available_tasks())
        raise UnknownNameError(f"Unknown task {name!r}. Known tasks: {known}.") from None
    return cls()
