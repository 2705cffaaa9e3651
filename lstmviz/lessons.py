"""Guided lessons: one click sets up data and a model; each names a signature it checks itself.

A lesson is data: what to train, what to look at (3-5 sentences), and the expected signature in
words. `check_*` functions decide from the trained result whether the signature is seen, and
`run(lesson_id)` trains and checks a lesson from code (the tests run every lesson on its default
seed). The page trains through its shared jobs and calls the same checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .errors import InputError
from .forecast import Fitted, Report, evaluate, fit, preset
from .models import count_parameters
from .record import Trace, record
from .tasks import default_config, evaluate_task, find_units, fit_task

__all__ = ["Lesson", "Seen", "LESSONS", "lesson", "check_beats_baselines", "check_periodic_gates",
           "check_same_footing", "check_memory", "check_counting", "check_task", "periodicity", "run"]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    kind: str  # "forecast" (a series and a ForecastConfig), "task" (a TaskConfig), "compare" (two cells)
    text: str  # what to look at, 3-5 sentences
    signature: str  # the expected signature, in words
    view: str  # which view to open: a link slug (forecast, gates, compare, ...)
    preset: str = ""  # forecasting lessons: the built-in series and its preset config
    changes: dict = field(default_factory=dict)  # ... with these settings changed
    task: dict = field(default_factory=dict)  # task lessons: TaskConfig settings
    controls: tuple[str, ...] = ("cell", "hidden", "epochs", "seed")  # what presenter mode keeps in view
    hint: str = "Try another seed or more epochs."  # shown when the signature is not seen


@dataclass(frozen=True)
class Seen:
    seen: bool
    detail: str  # the numbers behind the verdict


LESSONS: dict[str, Lesson] = {}


def _add(lesson: Lesson) -> None:
    LESSONS[lesson.id] = lesson


_add(Lesson(
    "airline", "1 · Forecasting airline passengers", "forecast",
    "Seed 001 trains an LSTM on 132 months of airline passengers and forecasts the last 12. A forecast means "
    "little on its own: repeating last year's months (the seasonal naive baseline) is already hard to beat. "
    "Look at the Forecast view: the red recursive forecast against the black actuals, and the metrics table, "
    "where the model must score a lower RMSE than every baseline. Then open Gate dynamics and scrub through a "
    "window to see which units react to the yearly peaks.",
    "the LSTM's recursive forecast has a lower RMSE than the naive, seasonal naive and drift baselines",
    "forecast", preset="airline", controls=("hidden", "window", "epochs", "seed")))
_add(Lesson(
    "sine", "2 · A sine wave, window 50", "forecast",
    "Seed 002 feeds an LSTM windows of 50 steps of a sine wave and asks for the next value. Run the trained "
    "model over the whole series in Gate dynamics: once the first few steps have passed, every gate settles "
    "into a rhythm with the same period as the wave. Press Play and watch the input gate open and the output "
    "gate swing as the wave rises and falls; the forget gate stays high, because the phase must be carried.",
    "after a short transient every gate repeats with the sine's period (mean correlation with itself one "
    "period later of at least 0.95) and visibly swings (some unit's sd at least 0.05)",
    "gates", preset="sine", controls=("hidden", "window", "epochs", "seed")))
_add(Lesson(
    "memory", "3 · Long memory: remember the first value", "task",
    "Each sequence starts with the value to remember, followed by noise, and the model must output that first "
    "value at the end. To do it, some unit must write the value into its cell at t = 0 and then keep it: its "
    "forget gate near 1 (keep), its input gate near 0 (ignore the noise). Unit finder lists the cells that "
    "track the remembered value, and Gate dynamics shows one example step by step. Then set Sequence length T "
    "to 30 and train again: the model stays at the baseline, because forget gates that start near 0.5 leave "
    "0.5^30 of the value by the end, too little for training to see that it mattered. Set Forget-gate bias at "
    "start to +2, so the gates start near 0.88, and it remembers.",
    "a cell unit tracks the remembered value (|correlation| at least 0.8) while its forget gate stays near 1 "
    "(mean at least 0.9)",
    "finder", task={"task": "remember"}, controls=("length", "fbias", "cell", "hidden", "epochs", "seed"),
    hint="At T = 30 from the default start that is what the lesson predicts: set Forget-gate bias at start to +2. "
         "Otherwise try another seed or more epochs."))
_add(Lesson(
    "counting", "4 · Counting: a^n b^n", "task",
    "Strings like aaabbb are accepted and aaabb or aabbb rejected, so the model must count. Weiss et al. (2018) "
    "found that LSTMs learn to count in their cell state: one unit goes up with every a and down with every b. "
    "Open Unit finder to see the unit whose cell best tracks the running count (#a - #b), and Gate dynamics to "
    "watch it climb and fall on one string. The results also show how it does on strings longer than any it "
    "trained on.",
    "at least 99% held-out accuracy, and a cell unit that tracks the running count with |correlation| at least 0.9",
    "finder", task={"task": "anbn"}, controls=("cell", "hidden", "epochs", "seed")))
_add(Lesson(
    "lstm_vs_gru", "5 · LSTM vs GRU, same data, same seed", "compare",
    "Seed 000 says an LSTM and a GRU are alternatives; here they train on the same airline data with the same "
    "seed, window and epochs, and only the cell differs. The Compare cells view overlays their loss curves "
    "and lists RMSE, parameters and training time, beside a plain RNN. A GRU has three gates instead of four "
    "and no separate cell state, so it carries 3/4 of the LSTM's recurrent weights: see whether it pays for "
    "that in accuracy. Switch Cell in the sidebar to see the GRU's r, z and n gates in Gate dynamics.",
    "both cells beat the seasonal naive baseline by a wide margin (RMSE under 60% of it) and land within 25% "
    "of each other, while the GRU uses fewer weights",
    "compare", preset="airline", controls=("cell", "hidden", "epochs", "seed")))


def lesson(lesson_id: str) -> Lesson:
    if lesson_id not in LESSONS:
        raise InputError(f"no lesson {lesson_id!r}; choose one of {', '.join(LESSONS)}")
    return LESSONS[lesson_id]


# --- signatures ---------------------------------------------------------------------------------

def check_beats_baselines(report: Report) -> Seen:
    """Lesson 1: the recursive forecast beats every baseline on RMSE."""
    ours = report.metrics["lstm"]["rmse"]
    base = {k: report.metrics[k]["rmse"] for k in report.baselines}
    best = min(base, key=base.get)
    return Seen(bool(ours < base[best]),
                f"model RMSE {ours:.2f}; best baseline ({best.replace('_', ' ')}) {base[best]:.2f}")


def periodicity(values: np.ndarray, period: int) -> float:
    """Mean over units of corr(x[t], x[t + period]) of a (T, H) array; constant units count as periodic."""
    a, b = values[:-period], values[period:]
    a, b = a - a.mean(0), b - b.mean(0)
    den = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    r = np.where(den > 1e-12, (a * b).sum(0) / np.where(den > 1e-12, den, 1), 1.0)
    return float(r.mean())


def check_periodic_gates(trace: Trace, period: int, threshold: float = 0.95) -> Seen:
    """Lesson 2: after one period of transient, each gate repeats itself one period later."""
    gates = [q for q in ("i", "f", "g", "o", "r", "z", "n") if q in trace.quantities()]
    if trace.block().shape[0] < 3 * period:
        return Seen(False, f"the run is too short to see a period of {period}")
    scores = {q: periodicity(trace.get(q)[period:], period) for q in gates}
    # a dead (constant) gate repeats trivially: the rhythm must also be visible
    swing = float(np.mean([trace.get(q)[period:].std(axis=0).max() for q in gates]))
    worst = min(scores, key=scores.get)
    text = ", ".join(f"{q} {v:.3f}" for q, v in scores.items())
    return Seen(bool(scores[worst] >= threshold and swing >= 0.05),
                f"correlation one period ({period} steps) later: {text}; largest swing (sd) {swing:.2f}")


def check_same_footing(reports: dict[str, Report], params: dict[str, int]) -> Seen:
    """Lesson 5: LSTM and GRU both far below seasonal naive, within 25% of each other, GRU smaller."""
    rmse = {c: r.metrics["lstm"]["rmse"] for c, r in reports.items()}
    snaive = reports["lstm"].metrics["seasonal_naive"]["rmse"]
    far = all(v < 0.6 * snaive for v in rmse.values())
    close = max(rmse.values()) <= 1.25 * min(rmse.values())
    smaller = params["gru"] < params["lstm"]
    return Seen(far and close and smaller,
                f"RMSE LSTM {rmse['lstm']:.2f}, GRU {rmse['gru']:.2f}, seasonal naive {snaive:.2f}; "
                f"weights LSTM {params['lstm']:,}, GRU {params['gru']:,}")


def check_memory(fit) -> Seen:
    """Lesson 3: some cell unit holds the first value (|r| >= 0.8) with its forget gate near 1 (mean >= 0.9).

    Pearson r of one unit's cell, pooled over every step: a cell that stores the value through a
    saturating tanh(g) holds it monotonically but not linearly, so 0.8, not 0.9, is the bar.
    """
    units = find_units(fit.model, fit.test, quantities=("c",), top=fit.model.recurrent.hidden_size)
    X = torch.as_tensor(np.array(fit.test.X[:256]))
    f = record(fit.model, X).block(layer=0).arrays.get("f")
    if f is None:
        return Seen(False, f"a {fit.config.cell.upper()} has no forget gate")
    best = None
    for u in units:
        if u["layer"] == 0 and u["known"] == "remembered value":
            keep = float(f[1:, :, u["unit"]].mean())
            if best is None or min(abs(u["correlation"]) / 0.8, keep / 0.9) > best[0]:
                best = (min(abs(u["correlation"]) / 0.8, keep / 0.9), u, keep)
    if best is None:
        return Seen(False, "no cell unit to hold the value")
    _, u, keep = best
    return Seen(abs(u["correlation"]) >= 0.8 and keep >= 0.9,
                f"unit {u['unit']}: cell vs remembered value r = {u['correlation']:+.3f}, mean forget gate {keep:.3f}")


def check_counting(fit, report: dict) -> Seen:
    """Lesson 4: >= 99% accuracy and a cell unit tracking the running count with |r| >= 0.9."""
    units = [u for u in find_units(fit.model, fit.test, quantities=("c",), top=3) if u["known"] == "running count"]
    if not units:
        return Seen(False, f"a {fit.config.cell.upper()} has no cell state to count in")
    u = units[0]
    acc = report["value"]
    longer = report.get("longer", {}).get("accuracy")
    return Seen(acc >= 0.99 and abs(u["correlation"]) >= 0.9,
                f"accuracy {acc:.1%}; unit {u['unit']}'s cell vs running count r = {u['correlation']:+.3f}"
                + (f"; on longer strings {longer:.1%}" if longer is not None else ""))


def check_task(lesson_id: str, fit, report: dict) -> Seen:
    return check_memory(fit) if lesson_id == "memory" else check_counting(fit, report)


def whole_series_trace(fitted: Fitted) -> Trace:
    """The trained model run once over the whole encoded series (what Gate dynamics shows)."""
    s = fitted.encoded()[fitted.transform.lag:]
    x = torch.as_tensor(np.ascontiguousarray(s), dtype=torch.float32)[None, :, None]
    return record(fitted.model, x)


def run(lesson_id: str, seed: int | None = None) -> Seen:
    """Train a lesson from code, as the page would, and check its signature."""
    les = lesson(lesson_id)
    if les.kind in ("forecast", "compare"):
        series, config = preset(les.preset)
        config = config.replace(**les.changes, **({"seed": seed} if seed is not None else {}))
        if les.kind == "compare":
            fits = {c: fit(series, config.replace(cell=c)) for c in ("lstm", "gru")}
            return check_same_footing({c: evaluate(f) for c, f in fits.items()},
                                      {c: count_parameters(f.model) for c, f in fits.items()})
        fitted = fit(series, config)
        if lesson_id == "airline":
            return check_beats_baselines(evaluate(fitted))
        return check_periodic_gates(whole_series_trace(fitted), int(round(series_period(series))))
    config = default_config(**les.task, **({"seed": seed} if seed is not None else {}))
    fitted = fit_task(config)
    return check_task(lesson_id, fitted, evaluate_task(fitted))


def series_period(series) -> float:
    """The dominant period of a series, from its spectrum (the sine lesson's wave)."""
    v = series.values - series.values.mean()
    spec = np.abs(np.fft.rfft(v))
    k = int(np.argmax(spec[1:]) + 1)
    return len(v) / k
