"""Guided lessons: one click sets up data and a model; the run's own numbers say what it shows.

A lesson is a TOML file (lessonfile.py; the built-in five in assets/lessons/, which the package
reaches as lstmviz/assets/lessons/; a teacher's in the folder named by LSTMVIZ_LESSONS, or uploaded): what to
train, what to look at, and which named checks (checks.py) measure the run. `check(lesson, result)` measures a finished run of its workload and
returns a Seen: claims, each a sentence built from the measured numbers with a verdict (seen or not,
and what to try if not), `focus`, the unit, step and example its views open on, and `values`, what
the lesson's text prints. The page calls `check` on its job's result; `run(lesson_id, seed)` trains
a lesson from code and checks it the same way.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..data import ASSETS
from ..errors import InputError
from ..forecast import default_config as default_config_for, evaluate, fit, preset
from ..forecast_run import ForecastRun
from ..tasks import TaskRun, default_config, evaluate_task, fit_task
from .catalog import AGAIN, LESSONS, Claim, Lesson, Seen
from .checks import CHECKS, run_checks
from .forecast_checks import (check_beats_baselines, check_periodic_gates, check_same_footing, periodicity,
                              series_period, whole_series_trace)
from .lessonfile import load_bytes, load_file, load_text
from .task_checks import SAMPLES, check_counting, check_memory

__all__ = ["Lesson", "Claim", "Seen", "LESSONS", "AGAIN", "SAMPLES", "CHECKS", "lesson", "check", "run", "ForecastRun",
           "check_beats_baselines", "check_periodic_gates", "check_same_footing", "check_memory", "check_counting",
           "periodicity", "whole_series_trace", "series_period", "load_file", "load_text", "load_bytes",
           "folder_lessons", "BUILTIN", "ENV"]

BUILTIN = ASSETS / "lessons"
ENV = "LSTMVIZ_LESSONS"  # a folder of a teacher's lesson files (and the CSVs beside them)
MAX_FILES = 200


def _builtin() -> None:
    for path in sorted(BUILTIN.glob("*.toml")):
        les = load_file(path)
        LESSONS[les.id] = les
    # the order the picker lists them in: by the number in their titles
    for les in sorted(LESSONS.values(), key=lambda x: x.title):
        LESSONS[les.id] = LESSONS.pop(les.id)


_builtin()


def folder_lessons(folder: str | os.PathLike | None = None) -> tuple[dict[str, Lesson], list[str]]:
    """The lessons in a teacher's folder (default: $LSTMVIZ_LESSONS), and one line per file that could not
    be read. A file whose id (its name) is a built-in lesson's is refused: the built-in keeps its link."""
    folder = folder if folder is not None else os.environ.get(ENV)
    if not folder:
        return {}, []
    root = Path(folder)
    if not root.is_dir():
        return {}, [f"{ENV}={folder}: not a folder"]
    found, errors = {}, []
    for path in sorted(root.glob("*.toml"))[:MAX_FILES]:
        try:
            les = load_file(path)
        except InputError as e:
            errors.append(str(e))
            continue
        if les.id in LESSONS:
            errors.append(f"{path.name}: a built-in lesson is called {les.id!r}; rename the file")
            continue
        found[les.id] = les
    return found, errors


def lesson(lesson_id: str) -> Lesson:
    """A lesson by its id: a built-in one, or one from the LSTMVIZ_LESSONS folder."""
    if lesson_id in LESSONS:
        return LESSONS[lesson_id]
    found, _ = folder_lessons()
    if lesson_id not in found:
        raise InputError(f"no lesson {lesson_id!r}; choose one of {', '.join([*LESSONS, *found])}")
    return found[lesson_id]


def lesson_series(les: Lesson):
    """The series a forecasting lesson trains on: its CSV's, or the built-in one."""
    return les.series if les.series is not None else preset(les.preset)[0]


def check(les: Lesson, result) -> Seen | None:
    """The lesson's verdict on a finished run of its workload, or None when the run is not the lesson's
    (another series or task, or weights loaded rather than trained).

    result, by the lesson's kind:
      "task": the task job's result, a TaskRun: .fit (tasks.TaskFit) and .report (evaluate_task's);
      "forecast": a forecast_run.ForecastRun (.fitted and .report);
      "compare": {"lstm": run, "gru": run}, two such runs asked with the same settings.
    """
    if les.kind == "task":
        if result.fit.config.task != les.task["task"]:
            return None
        return run_checks(les.kind, les.checks, result)
    if les.kind == "gallery":  # the entry's stored run, checked as the run it is (lessonfile matched the checks)
        if isinstance(result, TaskRun):
            return run_checks("task", les.checks, result)
        if isinstance(result, ForecastRun):
            return run_checks("forecast", les.checks, result, result.fitted.series)
        return None
    if les.kind not in ("forecast", "compare"):
        return None
    runs = result if les.kind == "compare" else {"lstm": result}
    series = lesson_series(les)
    if any(r.fitted.result is None or r.fitted.series.key != series.key for r in runs.values()):
        return None
    return run_checks(les.kind, les.checks, result, series)


def run(lesson_id: str, seed: int | None = None) -> Seen:
    """Train a lesson from code, as the page would, and check it (a lesson on a gallery entry checks the
    stored model: there is nothing to train, and `seed` does not apply)."""
    les = lesson(lesson_id)
    seeded = {"seed": seed} if seed is not None else {}
    if les.kind == "task":
        fitted = fit_task(default_config(**les.task, **seeded))
        return check(les, TaskRun(fitted, evaluate_task(fitted)))
    if les.kind == "gallery":  # trained already: the stored model, whatever the seed
        from .. import gallery
        return check(les, gallery.load(les.data["gallery"]))
    series = lesson_series(les)
    config = (preset(les.preset)[1] if les.preset else default_config_for(series)).replace(**les.changes, **seeded)
    if les.kind == "compare":
        return check(les, {c: _forecast_run(series, config.replace(cell=c)) for c in ("lstm", "gru")})
    return check(les, _forecast_run(series, config))


def _forecast_run(series, config) -> ForecastRun:
    fitted = fit(series, config)
    return ForecastRun(fitted, evaluate(fitted))
