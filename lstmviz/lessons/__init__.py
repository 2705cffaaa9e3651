"""Guided lessons: one click sets up data and a model; the run's own numbers say what it shows.

A lesson is data (catalog.py): what to train and what to look at. `check(lesson, result)` measures a
finished run of its workload and returns a Seen: claims, each a sentence built from the measured
numbers with a verdict (seen or not, and what to try if not), plus `focus`, the unit, step and
example its views open on. The page calls `check` on its job's result; `run(lesson_id, seed)` trains
a lesson from code and checks it the same way.
"""
from __future__ import annotations

from ..forecast import evaluate, fit, preset
from ..forecast_run import ForecastRun
from ..models import count_parameters
from ..tasks import TaskRun, default_config, evaluate_task, fit_task
from .catalog import AGAIN, LESSONS, Claim, Lesson, Seen, lesson
from .forecast_checks import (check_beats_baselines, check_periodic_gates, check_same_footing, periodicity,
                              series_period, whole_series_trace)
from .task_checks import SAMPLES, check_counting, check_memory

__all__ = ["Lesson", "Claim", "Seen", "LESSONS", "AGAIN", "SAMPLES", "lesson", "check", "run", "ForecastRun",
           "check_beats_baselines", "check_periodic_gates", "check_same_footing", "check_memory", "check_counting",
           "periodicity", "whole_series_trace", "series_period"]


def check(les: Lesson, result) -> Seen | None:
    """The lesson's verdict on a finished run of its workload, or None when the run is not the lesson's
    (another series or task, or weights loaded rather than trained).

    result, by the lesson's kind:
      "task": the task job's result, a TaskRun: .fit (tasks.TaskFit) and .report (evaluate_task's);
      "forecast": a forecast_run.ForecastRun (.fitted and .report);
      "compare": {"lstm": run, "gru": run}, two such runs asked with the same settings.
    """
    if les.kind == "task":
        done = result
        if done.fit.config.task != les.task["task"]:
            return None
        return (check_memory if les.id == "memory" else check_counting)(done.fit, done.report)
    runs = result if les.kind == "compare" else {"lstm": result}
    series, _ = preset(les.preset)
    if any(r.fitted.result is None or r.fitted.series.key != series.key for r in runs.values()):
        return None
    if les.kind == "compare":
        return check_same_footing({c: r.report for c, r in runs.items()},
                                  {c: count_parameters(r.fitted.model) for c, r in runs.items()})
    if les.id == "airline":
        return check_beats_baselines(result.report)
    return check_periodic_gates(whole_series_trace(result.fitted), int(round(series_period(series))))


def run(lesson_id: str, seed: int | None = None) -> Seen:
    """Train a lesson from code, as the page would, and check it."""
    les = lesson(lesson_id)
    seeded = {"seed": seed} if seed is not None else {}
    if les.kind == "task":
        fitted = fit_task(default_config(**les.task, **seeded))
        return check(les, TaskRun(fitted, evaluate_task(fitted)))
    series, config = preset(les.preset)
    config = config.replace(**les.changes, **seeded)
    if les.kind == "compare":
        return check(les, {c: _forecast_run(series, config.replace(cell=c)) for c in ("lstm", "gru")})
    return check(les, _forecast_run(series, config))


def _forecast_run(series, config) -> ForecastRun:
    fitted = fit(series, config)
    return ForecastRun(fitted, evaluate(fitted))
