"""Checks of the forecasting lessons: beating the baselines (airline), gates that repeat with a
sine's period (sine), and LSTM against GRU on the same footing. Each returns a Seen whose claims
print the measured numbers."""
from __future__ import annotations

import numpy as np
import torch

from ..analysis import correlation
from ..forecast import Fitted, Report
from ..record import Trace, record
from .catalog import AGAIN, Claim, Seen

__all__ = ["check_beats_baselines", "periodicity", "check_periodic_gates", "check_same_footing",
           "whole_series_trace", "series_period"]


def _name(baseline: str) -> str:
    return baseline.replace("_", " ")


def check_beats_baselines(report: Report) -> Seen:
    """Lesson 1: the recursive forecast beats every baseline on RMSE."""
    ours = report.metrics["lstm"]["rmse"]
    base = sorted(((report.metrics[k]["rmse"], k) for k in report.baselines))
    listed = ", ".join(f"{_name(k)} {v:.1f}" for v, k in base)
    values = {"rmse": ours, "best_baseline_rmse": base[0][0], "best_baseline": _name(base[0][1])}
    if ours < base[0][0]:
        return Seen((Claim(f"The recursive forecast's RMSE, {ours:.1f}, is below every baseline's: {listed}.", True),),
                    values=values)
    return Seen((Claim(f"The recursive forecast's RMSE, {ours:.1f}, is not below the best baseline's: {listed}.",
                       False, AGAIN),), values=values)


def periodicity(values: np.ndarray, period: int) -> float:
    """Mean over units of corr(x[t], x[t + period]) of a (T, H) array; constant units count as periodic."""
    return float(np.diagonal(correlation(values[:-period], values[period:], constant=1.0)).mean())


def check_periodic_gates(trace: Trace, period: int, threshold: float = 0.95, swing: float = 0.05,
                         forget_mid: float = 0.75) -> Seen:
    """Lesson 2, on the whole-series trace: after one period of transient every gate repeats itself one
    period later (correlation at least `threshold`); the unit whose gates swing most (the view's focus;
    a largest sd of at least `swing`); the forget gate's level (its mean below `forget_mid`)."""
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
                    f"after t = {period}, is {text} (at least {threshold:g} is the mark).",
                    worst >= threshold, AGAIN)]
    sway = {q: v.std(axis=0) for q, v in after.items() if q not in ("g", "n")}  # g, n: candidate values
    unit = int(np.argmax(sum(sway.values())))
    ranges = ", ".join(f"{q} {after[q][:, unit].min():.2f} to {after[q][:, unit].max():.2f}" for q in sway)
    sd = max(float(s[unit]) for s in sway.values())
    claims.append(Claim(f"Unit {unit}'s gates swing the most: after t = {period} they range {ranges} "
                        f"(largest sd {sd:.2f}; at least {swing:g} is a visible swing).", sd >= swing, AGAIN))
    peak = period + int(np.argmax(trace.get(gates[0])[period:2 * period, unit]))
    focus = {"unit": unit, "t": peak}
    values = {"period": period, "periodicity": worst, "unit": unit, "swing": sd}
    if "f" in after:
        f = after["f"]
        mean, top = float(f.mean()), float(f.mean(0).max())
        values.update(mean_forget_after=mean, top_forget=top)
        if mean < forget_mid:
            claims.append(Claim(f"The forget gate sits mid-scale, not near 1: its mean after t = {period} is "
                                f"{mean:.2f} (the highest unit's mean {top:.2f}), so a cell keeps about {mean:.0%} of "
                                "what it held at each step. It need not keep more: the next value of a sine "
                                "follows from the last two.", True))
        else:
            claims.append(Claim(f"The forget gate sits high: its mean after t = {period} is {mean:.2f} (the highest "
                                f"unit's mean {top:.2f}); mid-scale (below {forget_mid:g}) is what this recipe usually "
                                "learns, since the next value of a sine follows from the last two.", False, AGAIN))
    return Seen(tuple(claims), focus, values)


def check_same_footing(reports: dict[str, Report], params: dict[str, int], of_seasonal_naive: float = 0.6,
                       ratio_at_most: float = 1.25) -> Seen:
    """Lesson 5: LSTM and GRU both far below seasonal naive (under `of_seasonal_naive` of its RMSE),
    within `ratio_at_most` of each other, GRU smaller."""
    rmse = {c: r.metrics["lstm"]["rmse"] for c, r in reports.items()}
    snaive = reports["lstm"].metrics["seasonal_naive"]["rmse"]
    far = all(v < of_seasonal_naive * snaive for v in rmse.values())
    ratio = max(rmse.values()) / min(rmse.values())
    share = params["gru"] / params["lstm"]
    values = {"rmse_lstm": rmse["lstm"], "rmse_gru": rmse["gru"], "seasonal_naive_rmse": snaive, "ratio": ratio,
              "weights_lstm": params["lstm"], "weights_gru": params["gru"]}
    return Seen((
        Claim(f"Both beat the seasonal naive baseline by a wide margin: RMSE LSTM {rmse['lstm']:.1f} and GRU "
              f"{rmse['gru']:.1f}, against {snaive:.1f} (under {of_seasonal_naive:.0%} of it, "
              f"{of_seasonal_naive * snaive:.1f}, is the mark).", far, AGAIN),
        Claim(f"They land close together: the larger RMSE is {ratio:.2f} times the smaller (at most {ratio_at_most:g} "
              "is the mark).", ratio <= ratio_at_most, AGAIN),
        Claim(f"The GRU uses fewer weights: {params['gru']:,} against the LSTM's {params['lstm']:,} ({share:.0%}).",
              share < 1, "Compare the two cells at the same hidden size."),
    ), values=values)


def whole_series_trace(fitted: Fitted) -> Trace:
    """The trained model run once over the whole encoded series (what Gate dynamics shows)."""
    s = fitted.encoded()[fitted.transform.lag:]
    x = torch.as_tensor(np.ascontiguousarray(s), dtype=torch.float32)[None, :, None]
    return record(fitted.model, x)


def series_period(series) -> float:
    """The dominant period of a series, from its spectrum (the sine lesson's wave)."""
    v = series.values - series.values.mean()
    spec = np.abs(np.fft.rfft(v))
    k = int(np.argmax(spec[1:]) + 1)
    return len(v) / k
