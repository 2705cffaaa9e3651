"""Guided lessons: one click sets up data and a model; the run's own numbers say what it shows.

A lesson is data: what to train and what to look at (its text never states a fact about the
run). Its `check_*` function measures the trained run and returns claims, each a sentence built
from the measured numbers and a verdict (seen or not, and what to try if not), plus `focus`: the
unit, step and example its views open on. `run(lesson_id, seed)` trains and checks a lesson from
code; the page trains through its shared jobs and calls the same checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .errors import InputError
from .forecast import Fitted, Report, evaluate, fit, preset
from .models import count_parameters
from .record import Trace, record
from .tasks import (SAMPLES, TaskFit, TaskReport, default_config, evaluate_task, find_units, fit_task,
                    step_correlation)

__all__ = ["Lesson", "Claim", "Seen", "LESSONS", "lesson", "check_beats_baselines", "check_periodic_gates",
           "check_same_footing", "check_memory", "check_counting", "check_task", "periodicity", "run"]



@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    kind: str  # "forecast" (a series and a ForecastConfig), "task" (a TaskConfig), "compare" (two cells)
    text: str  # what to look at, 3-5 sentences; never what the run will show
    signature: str  # what the checks measure, in words (shown before training)
    view: str  # which view to open: a link slug (forecast, gates, compare, ...)
    preset: str = ""  # forecasting lessons: the built-in series and its preset config
    changes: dict = field(default_factory=dict)  # ... with these settings changed
    task: dict = field(default_factory=dict)  # task lessons: TaskConfig settings
    controls: tuple[str, ...] = ("cell", "hidden", "epochs", "seed")  # what presenter mode keeps in view


@dataclass(frozen=True)
class Claim:
    text: str  # one sentence about this run, with its measured numbers
    seen: bool
    hint: str = ""  # what to try when it is not seen


@dataclass(frozen=True, eq=False)
class Seen:
    """A lesson's verdict on one run: its claims, and where its views open (unit, t, example)."""

    claims: tuple[Claim, ...]
    focus: dict = field(default_factory=dict)

    @property
    def seen(self) -> bool:
        return all(c.seen for c in self.claims)

    @property
    def detail(self) -> str:
        return " ".join(f"[{'seen' if c.seen else 'NOT seen'}] {c.text}" for c in self.claims)


LESSONS: dict[str, Lesson] = {}
AGAIN = "Try another seed or more epochs."


def _add(lesson: Lesson) -> None:
    LESSONS[lesson.id] = lesson


_add(Lesson(
    "airline", "1 · Forecasting airline passengers", "forecast",
    "The airline tutorial's recipe trains an LSTM on the monthly airline passengers except the last 12 months, "
    "then forecasts those 12 from its own outputs. A forecast means little on its own: repeating last year's "
    "months (the seasonal naive baseline) is already hard to beat. Look at the Forecast view: the recursive "
    "forecast against the actuals, and the metrics table with every baseline's RMSE.",
    "the recursive forecast's RMSE against the naive, seasonal naive and drift baselines",
    "forecast", preset="airline", controls=("hidden", "window", "epochs", "seed")))
_add(Lesson(
    "sine", "2 · A sine wave, window 50", "forecast",
    "A tutorial's sine recipe feeds an LSTM windows of 50 steps of a sine wave and asks for the next value. "
    "Gate dynamics runs the trained model over the whole series and opens on the unit whose gates swing the "
    "most, at the step where its input gate peaks. Press Play and compare the gate heatmaps with the wave in the "
    "input row: look for the same pattern every period. Watch the forget gate too: how much of its cell does "
    "each unit keep from one step to the next?",
    "whether every gate repeats with the wave's period, how far they swing, and how high the forget gate sits",
    "gates", preset="sine", controls=("hidden", "window", "epochs", "seed")))
_add(Lesson(
    "memory", "3 · Long memory: remember the first value", "task",
    "Each sequence starts with the value to remember, followed by noise drawn like it, and the model must "
    "output that first value at the end. Unit finder opens on the cell unit that carries the value best: its "
    "bars show, step by step, how closely that cell follows the value over held-out sequences, and its line "
    "shows one sequence. Gate dynamics opens on the same unit and sequence: watch its forget gate. The lesson "
    "starts every forget gate near 0.88 (Forget-gate bias at start +2); then set Sequence length T to 30 and "
    "train at +2 and at 0, and see which still remembers.",
    "the held-out error, a cell that follows the value at every step from t = 0, and that cell's forget gate",
    "finder", task={"task": "remember", "forget_bias": 2.0},
    controls=("length", "fbias", "cell", "hidden", "epochs", "seed")))
_add(Lesson(
    "counting", "4 · Counting: a^n b^n", "task",
    "Strings like aaabbb are accepted and aaabb or aabbb rejected, so the model must count. Weiss et al. (2018) "
    "found that LSTMs can count in their cell state: one unit moves one way with every a and back with every b. "
    "Unit finder opens on the cell unit that best tracks the running count (#a - #b), on an accepted string; "
    "Gate dynamics on the same unit and string. The Results view scores the model on strings longer than any "
    "it trained on: does the count carry over?",
    "held-out accuracy, a cell unit that tracks the running count, and whether the count carries to longer strings",
    "finder", task={"task": "anbn"}, controls=("cell", "hidden", "epochs", "seed")))
_add(Lesson(
    "lstm_vs_gru", "5 · LSTM vs GRU, same data, same seed", "compare",
    "An LSTM and a GRU train on the airline data with the airline tutorial's recipe: same seed, window and "
    "epochs; only the cell differs. The Compare cells view overlays their loss curves and lists RMSE, weights "
    "and training time, beside a plain RNN. A GRU has three gates instead of four and no separate cell state: "
    "see whether it pays for its fewer weights in accuracy. Switch Cell in the sidebar to see the GRU's r, z "
    "and n gates in Gate dynamics.",
    "both cells' RMSE against the seasonal naive baseline and each other, and their weights",
    "compare", preset="airline", controls=("cell", "hidden", "epochs", "seed")))


def lesson(lesson_id: str) -> Lesson:
    if lesson_id not in LESSONS:
        raise InputError(f"no lesson {lesson_id!r}; choose one of {', '.join(LESSONS)}")
    return LESSONS[lesson_id]


def _name(baseline: str) -> str:
    return baseline.replace("_", " ")


# --- forecasting lessons ------------------------------------------------------------------------

def check_beats_baselines(report: Report) -> Seen:
    """Lesson 1: the recursive forecast beats every baseline on RMSE."""
    ours = report.metrics["lstm"]["rmse"]
    base = sorted(((report.metrics[k]["rmse"], k) for k in report.baselines))
    listed = ", ".join(f"{_name(k)} {v:.1f}" for v, k in base)
    if ours < base[0][0]:
        return Seen((Claim(f"The recursive forecast's RMSE, {ours:.1f}, is below every baseline's: {listed}.", True),))
    return Seen((Claim(f"The recursive forecast's RMSE, {ours:.1f}, is not below the best baseline's: {listed}.",
                       False, AGAIN),))


def periodicity(values: np.ndarray, period: int) -> float:
    """Mean over units of corr(x[t], x[t + period]) of a (T, H) array; constant units count as periodic."""
    a, b = values[:-period], values[period:]
    a, b = a - a.mean(0), b - b.mean(0)
    den = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    r = np.where(den > 1e-12, (a * b).sum(0) / np.where(den > 1e-12, den, 1), 1.0)
    return float(r.mean())


def check_periodic_gates(trace: Trace, period: int, threshold: float = 0.95) -> Seen:
    """Lesson 2, on the whole-series trace: after one period of transient every gate repeats itself one
    period later; the unit whose gates swing most (the view's focus); the forget gate's level."""
    gates = [q for q in ("i", "f", "g", "o", "r", "z", "n") if q in trace.quantities()]
    T = trace.block().shape[0]
    if T < 3 * period:
        return Seen((Claim(f"The run has {T} steps: too short to see a period of {period}.", False,
                           "Use a longer series."),))
    after = {q: trace.get(q)[period:] for q in gates}  # (T - period, H) each
    scores = {q: periodicity(v, period) for q, v in after.items()}
    worst = min(scores.values())
    text = ", ".join(f"{q} {v:.3f}" for q, v in scores.items())
    claims = [Claim(f"Every gate repeats with the wave's period: its correlation with itself {period} steps later, "
                    f"after t = {period}, is {text} (at least {threshold} is the mark).",
                    worst >= threshold, AGAIN)]
    sway = {q: v.std(axis=0) for q, v in after.items() if q not in ("g", "n")}  # g, n: candidate values
    unit = int(np.argmax(sum(sway.values())))
    ranges = ", ".join(f"{q} {after[q][:, unit].min():.2f} to {after[q][:, unit].max():.2f}" for q in sway)
    sd = max(float(s[unit]) for s in sway.values())
    claims.append(Claim(f"Unit {unit}'s gates swing the most: after t = {period} they range {ranges} "
                        f"(largest sd {sd:.2f}; at least 0.05 is a visible swing).", sd >= 0.05, AGAIN))
    peak = period + int(np.argmax(trace.get(gates[0])[period:2 * period, unit]))
    focus = {"unit": unit, "t": peak}
    if "f" in after:
        f = after["f"]
        mean, top = float(f.mean()), float(f.mean(0).max())
        if mean < 0.75:
            claims.append(Claim(f"The forget gate sits mid-scale, not near 1: its mean after t = {period} is "
                                f"{mean:.2f} (the highest unit's mean {top:.2f}), so a cell keeps about {mean:.0%} of "
                                "what it held at each step. It need not keep more: the next value of a sine "
                                "follows from the last two.", True))
        else:
            claims.append(Claim(f"The forget gate sits high: its mean after t = {period} is {mean:.2f} (the highest "
                                f"unit's mean {top:.2f}); mid-scale (below 0.75) is what this recipe usually "
                                "learns, since the next value of a sine follows from the last two.", False, AGAIN))
    return Seen(tuple(claims), focus)


def check_same_footing(reports: dict[str, Report], params: dict[str, int]) -> Seen:
    """Lesson 5: LSTM and GRU both far below seasonal naive, within 25% of each other, GRU smaller."""
    rmse = {c: r.metrics["lstm"]["rmse"] for c, r in reports.items()}
    snaive = reports["lstm"].metrics["seasonal_naive"]["rmse"]
    far = all(v < 0.6 * snaive for v in rmse.values())
    ratio = max(rmse.values()) / min(rmse.values())
    share = params["gru"] / params["lstm"]
    return Seen((
        Claim(f"Both beat the seasonal naive baseline by a wide margin: RMSE LSTM {rmse['lstm']:.1f} and GRU "
              f"{rmse['gru']:.1f}, against {snaive:.1f} (under 60% of it, {0.6 * snaive:.1f}, is the mark).",
              far, AGAIN),
        Claim(f"They land close together: the larger RMSE is {ratio:.2f} times the smaller (at most 1.25 is the mark).",
              ratio <= 1.25, AGAIN),
        Claim(f"The GRU uses fewer weights: {params['gru']:,} against the LSTM's {params['lstm']:,} ({share:.0%}).",
              share < 1, "Compare the two cells at the same hidden size."),
    ))


# --- sequence-task lessons ----------------------------------------------------------------------

def _remember_hint(config) -> str:
    if config.model.cell == "lstm" and config.model.forget_bias < 1 and config.length >= 20:
        left = 0.5 ** (config.length - 1)
        return (f"From a forget-gate bias of {config.model.forget_bias:+g} the gates start near 0.5, so {left:.0e} of the "
                f"value is left after {config.length - 1} steps: too little for training to see that it mattered. "
                "Set Forget-gate bias at start to +2.")
    return AGAIN


def check_memory(fit: TaskFit, report: TaskReport | None = None) -> Seen:
    """Lesson 3: the model remembers; some cell unit follows the value at every step from t = 0 (|r| at
    least 0.9, one sign, r per step over held-out sequences); that unit's forget gate averages 0.9 or more.

    Of the units that meet both marks, the one whose cell is largest at t = 0 relative to later
    (written at once, then kept) is named; else the one nearest the marks. The finder's pooled r
    ranks units by how linearly their cell tracks the value over all steps at once, which a cell
    that grows as it re-adds the value at every step fails, though each step's reading tells it."""
    report = report or evaluate_task(fit)
    mse, base = report.value, report.baseline
    hint = _remember_hint(fit.config)
    claims = [Claim(f"It remembers: held-out MSE {mse:.4f}, against {base:.4f} for always predicting the mean "
                    "(under a tenth of it is the mark).", mse < 0.1 * base, hint)]
    arrays = fit.finder_trace(SAMPLES).block(layer=0).arrays  # quantity -> (T, n, H)
    if "c" not in arrays or "f" not in arrays:
        claims.append(Claim(f"A {fit.config.model.cell.upper()} has no cell state and forget gate to hold the value in.",
                            False, "Set Cell to LSTM."))
        return Seen(tuple(claims))
    c, f = arrays["c"], arrays["f"]  # (T, n, H)
    value = fit.test.known["remembered value"][:SAMPLES]
    r = step_correlation(c, value)  # (T, H)
    sign = np.sign(r[-1])
    hold = (sign * r).min(0)  # the weakest step, counting a flipped sign as a miss
    keep = f[1:].mean(axis=(0, 1))  # (H,)
    score = np.minimum(hold, keep)
    size = np.abs(c).mean(1)  # (T, H)
    flat = size[0] / np.maximum(size.max(0), 1e-12)  # 1: written at t = 0 at full size, then only kept
    # of the units that meet both marks, the one whose line looks most like "write once, then keep"
    u = int(np.argmax(np.where(score >= 0.9, 1 + flat, score)))
    T = c.shape[0]
    weakest = int(np.argmin(sign[u] * r[:, u]))
    row = next(v for v in find_units(fit.model, fit.test, quantities=("c",), top=c.shape[2], max_samples=SAMPLES)
               if v["unit"] == u and v["layer"] == 0)  # its row in the unit finder's table
    size0, size1 = float(size[0, u]), float(size[-1, u])
    grows = "grows" if size1 > 1.2 * size0 else "shrinks" if size1 < size0 / 1.2 else "stays about the same"
    claims.append(Claim(
        f"Unit {u}'s cell carries the value from t = 0: r = {r[0, u]:+.2f} at t = 0, and at every step to "
        f"t = {T - 1} at least {hold[u]:.2f} in size with one sign (the weakest at t = {weakest}; 0.9 is the mark). "
        f"Its size {grows}: mean |c| {size0:.2f} at t = 0, {size1:.2f} at t = {T - 1} (the finder's table, which "
        f"pools every step into one r, gives it {row['correlation']:+.2f}).",
        bool(hold[u] >= 0.9), hint))
    claims.append(Claim(
        f"Its forget gate keeps what the cell holds: mean {keep[u]:.2f} over t = 1 to {T - 1} (0.9 is the mark), "
        f"so {keep[u] ** (T - 1):.0%} of what it wrote at t = 0 would survive to the end on the forget gate alone.",
        bool(keep[u] >= 0.9), hint))
    example = int(np.argmax(np.abs(value[:, 0])))  # the largest value to remember: the clearest line
    return Seen(tuple(claims), {"unit": u, "t": 0, "example": example, "row": row})


def check_counting(fit: TaskFit, report: TaskReport) -> Seen:
    """Lesson 4: at least 99% held-out accuracy; a cell unit tracking the running count with |r| at least
    0.9 (its direction in words from the sign of r); and the accuracy on longer strings, said plainly."""
    acc, base = report.value, report.baseline
    claims = [Claim(f"Held-out accuracy {acc:.1%}, against {base:.1%} for always answering the commonest class "
                    "(99% is the mark).", acc >= 0.99, AGAIN)]
    units = [u for u in find_units(fit.model, fit.test, quantities=("c",), top=3) if u["known"] == "running count"]
    if not units:
        claims.append(Claim(f"A {fit.config.model.cell.upper()} has no cell state to count in.", False, "Set Cell to LSTM."))
        return Seen(tuple(claims))
    u = units[0]
    r = u["correlation"]
    way = ("goes up with every a and down with every b" if r > 0 else "goes down with every a and up with every b")
    claims.append(Claim(f"Unit {u['unit']}'s cell tracks the running count: r = {r:+.3f}, so it {way} "
                        "(|r| of 0.9 is the mark).", abs(r) >= 0.9, AGAIN))
    longer = report.longer
    if longer is not None:
        la, (k0, k1), (t0, t1) = longer.accuracy, longer.k, longer.trained_k
        majority = int(np.bincount(fit.train.y, minlength=2).argmax())
        lbase = float(np.mean(fit.longer.y == majority)) if fit.longer is not None else 0.5
        rel = "below" if la < lbase else "near" if la < lbase + 0.1 else "above"
        claims.append(Claim(
            f"It learned the lengths it saw, not to count past them: on longer strings than any it trained on "
            f"(n = {k0} to {k1}; it trained on n = {t0} to {t1}) it scores {la:.1%}, {rel} the {lbase:.1%} of "
            "always answering the commonest class (at most 10 points above it is the mark).", la < lbase + 0.1,
            "This run carries its count further than the lesson's recipe usually does: compare its counting unit "
            "on a longer string with another seed's."))
    test = fit.test
    accepted = np.flatnonzero(test.y[:SAMPLES] == 1)
    a_count = test.X[:SAMPLES, :, 1].sum(1)
    example = int(accepted[np.argmax(a_count[accepted])]) if len(accepted) else 0  # the longest climb and fall
    peak = int(np.argmax(test.known["running count"][example]))  # the last a: the count turns here
    return Seen(tuple(claims), {"unit": u["unit"], "t": peak, "example": example, "row": u})


def check_task(lesson_id: str, fit: TaskFit, report: TaskReport) -> Seen:
    return check_memory(fit, report) if lesson_id == "memory" else check_counting(fit, report)


def whole_series_trace(fitted: Fitted) -> Trace:
    """The trained model run once over the whole encoded series (what Gate dynamics shows)."""
    s = fitted.encoded()[fitted.transform.lag:]
    x = torch.as_tensor(np.ascontiguousarray(s), dtype=torch.float32)[None, :, None]
    return record(fitted.model, x)


def run(lesson_id: str, seed: int | None = None) -> Seen:
    """Train a lesson from code, as the page would, and check it."""
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
