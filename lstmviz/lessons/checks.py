"""The library of named checks a lesson file chooses from, each with its thresholds (parameters with
defaults and ranges) and the values it measures (the names a card's text may print).

A check runs on a finished run of the lesson's kind and returns a Seen: its claims, where the views
open, and its measured values. Kinds: "forecast" (a ForecastRun), "compare" ({"lstm": run, "gru": run}),
"task" (a TaskRun).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..models import count_parameters
from .catalog import Claim, Seen
from .forecast_checks import check_beats_baselines, check_periodic_gates, check_same_footing, series_period, \
    whole_series_trace
from .task_checks import check_counting, check_memory

__all__ = ["Param", "NamedCheck", "CHECKS", "BASE_VALUES", "run_checks"]


@dataclass(frozen=True)
class Param:
    default: float
    lo: float
    hi: float
    means: str  # what the threshold is, in words (the README's table)


@dataclass(frozen=True)
class NamedCheck:
    name: str
    kinds: tuple[str, ...]  # the lesson kinds it can run on
    about: str  # what it checks, one line
    run: Callable  # (result, series, **params) -> Seen
    params: dict[str, Param] = field(default_factory=dict)
    values: tuple[str, ...] = ()  # what it measures: placeholders a card's text may use
    tasks: tuple[str, ...] = ()  # task lessons: the tasks it needs (empty: any)


def _periodic(result, series, **p) -> Seen:
    return check_periodic_gates(whole_series_trace(result.fitted), int(round(series_period(series))), **p)


def _footing(result, series, **p) -> Seen:
    return check_same_footing({c: r.report for c, r in result.items()},
                              {c: count_parameters(r.fitted.model) for c, r in result.items()}, **p)


CHECKS: dict[str, NamedCheck] = {c.name: c for c in (
    NamedCheck("beats_baselines", ("forecast",),
               "the recursive forecast's RMSE is below every baseline's (naive, seasonal naive, drift)",
               lambda result, series: check_beats_baselines(result.report),
               values=("rmse", "best_baseline_rmse", "best_baseline")),
    NamedCheck("periodic_gates", ("forecast",),
               "every gate repeats with the series' period; the unit whose gates swing most; the forget gate's level",
               _periodic,
               {"threshold": Param(0.95, 0.0, 1.0, "each gate's correlation with itself one period later"),
                "swing": Param(0.05, 0.0, 1.0, "the swinging unit's largest gate sd"),
                "forget_mid": Param(0.75, 0.0, 1.0, "the forget gate's mean counts as mid-scale below this")},
               ("period", "periodicity", "unit", "swing", "mean_forget_after", "top_forget")),
    NamedCheck("same_footing", ("compare",),
               "LSTM and GRU both well below seasonal naive, close to each other, and the GRU smaller",
               _footing,
               {"of_seasonal_naive": Param(0.6, 0.0, 1.0, "each cell's RMSE under this share of seasonal naive's"),
                "ratio_at_most": Param(1.25, 1.0, 100.0, "the larger RMSE over the smaller")},
               ("rmse_lstm", "rmse_gru", "seasonal_naive_rmse", "ratio", "weights_lstm", "weights_gru")),
    NamedCheck("remembers", ("task",),
               "held-out error far below the mean's; a cell unit that carries the value from t = 0; its forget gate",
               lambda result, series, **p: check_memory(result.fit, result.report, **p),
               {"mse_share": Param(0.1, 0.0, 1.0, "held-out MSE under this share of always predicting the mean"),
                "hold": Param(0.9, 0.0, 1.0, "the unit's |r| with the value at its weakest step"),
                "keep": Param(0.9, 0.0, 1.0, "the unit's mean forget gate")},
               ("mse", "baseline_mse", "unit", "r0", "hold", "keep", "survive"), tasks=("remember",)),
    NamedCheck("counts", ("task",),
               "held-out accuracy; a cell unit that tracks the running count; accuracy on longer strings",
               lambda result, series, **p: check_counting(result.fit, result.report, **p),
               {"accuracy": Param(0.99, 0.0, 1.0, "held-out accuracy"),
                "r_at_least": Param(0.9, 0.0, 1.0, "the counting unit's |r| with the running count"),
                "longer_margin": Param(0.1, 0.0, 1.0, "longer strings: at most this far above the commonest class")},
               ("accuracy", "baseline_accuracy", "unit", "r", "longer_accuracy", "longer_baseline"), tasks=("anbn",)),
)}

# What every run of a kind measures, whatever its checks: names any card of that kind may print.
BASE_VALUES: dict[str, tuple[str, ...]] = {
    "forecast": ("rmse", "mae", "seasonal_naive_rmse"),
    "compare": ("rmse_lstm", "rmse_gru"),
    "task": ("score", "baseline"),
    "gallery": (),
}


def _base(kind: str, result) -> dict:
    if kind == "forecast":
        m = result.report.metrics
        return {"rmse": m["lstm"]["rmse"], "mae": m["lstm"].get("mae"),
                "seasonal_naive_rmse": m.get("seasonal_naive", {}).get("rmse")}
    if kind == "compare":
        return {f"rmse_{c}": r.report.metrics["lstm"]["rmse"] for c, r in result.items()}
    if kind == "task":
        return {"score": result.report.value, "baseline": result.report.baseline}
    return {}


def run_checks(kind: str, uses: tuple, result, series=None) -> Seen:
    """Every chosen check (name, params) on one result, as one Seen: the claims in order, the first
    check's focus, and every measured value (the kind's own, then each check's)."""
    claims: list[Claim] = []
    focus: dict = {}
    values = _base(kind, result)
    for name, params in uses:
        seen = CHECKS[name].run(result, series, **dict(params))
        claims += seen.claims
        focus = focus or seen.focus
        values.update(seen.values)
    return Seen(tuple(claims), focus, values)
