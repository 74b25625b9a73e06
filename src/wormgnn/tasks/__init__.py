"""Tasks as objects, registered by name: ``get_task("behavior")``. A new task is a ``Task``
subclass passed to ``register_task`` (see docs/architecture.md)."""

from __future__ import annotations

from wormgnn.errors import WormGnnError
from wormgnn.tasks.base import Evaluation, Scores, Task, TaskSpec
from wormgnn.tasks.behavior import Behavior
from wormgnn.tasks.classification import ClassificationTask, class_weights
from wormgnn.tasks.forecast import Forecast
from wormgnn.tasks.regression import HeadCurvature, RegressionTask, Velocity
from wormgnn.tasks.reversal import Reversal

TASKS: dict[str, Task] = {}
DEFAULT_TASKS = ("forecast", "behavior")
"""What ``--task both`` means."""


def register_task(task: Task) -> Task:
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise WormGnnError(f"--task {name}: unknown task (known: {', '.join(TASKS)}, both)")
    return TASKS[name]


def parse_tasks(text: str) -> tuple[str, ...]:
    """'both', one task, or a comma-separated list, each checked."""
    names = DEFAULT_TASKS if text == "both" else tuple(t.strip() for t in text.split(",") if t.strip())
    for name in names:
        get_task(name)
    return names


register_task(Forecast())
register_task(Behavior())
register_task(Reversal())
register_task(Velocity())
register_task(HeadCurvature())

__all__ = ["DEFAULT_TASKS", "TASKS", "ClassificationTask", "RegressionTask", "Evaluation", "Scores", "Task", "TaskSpec",
           "class_weights", "get_task", "parse_tasks", "register_task"]
