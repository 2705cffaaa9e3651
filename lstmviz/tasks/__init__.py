"""Labelled sequence tasks with a known answer inside, training on them, and a finder for the units that
track that answer: `from lstmviz.tasks import adding, fit_task, evaluate_task, find_units`.

    generators.py   Task, the built-in tasks (adding, remember, anbn, parity, rise_fall), TASKS
    csvtask.py      from_csv: a Task from a CSV of sequences
    fitting.py      TaskConfig, DEFAULTS, fit_task -> TaskFit, evaluate_task -> TaskReport, run_task -> TaskRun
    finder.py       find_units, step_correlation
"""
from .csvtask import from_csv
from .finder import find_units, step_correlation
from .fitting import (DEFAULTS, SAMPLES, LongerReport, TaskConfig, TaskFit, TaskReport, TaskRun, always_share,
                      commonest_class, default_config, evaluate_task, fit_task, run_task, split_task)
from .generators import ALIASES, LENGTHS, TASKS, Task, adding, anbn, parity, remember, rise_fall, task_name

__all__ = ["Task", "TASKS", "ALIASES", "LENGTHS", "task_name", "adding", "remember", "anbn", "parity", "rise_fall",
           "from_csv", "TaskConfig", "DEFAULTS", "default_config", "TaskFit", "TaskReport", "LongerReport", "TaskRun",
           "commonest_class", "always_share", "fit_task", "evaluate_task", "run_task", "split_task", "find_units",
           "step_correlation", "SAMPLES"]
