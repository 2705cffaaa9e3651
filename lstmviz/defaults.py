"""Defaults that fit the data: a window that spans a season, and a transform chosen on a validation split.

The transform is chosen without looking at the test points: a cheap linear autoregression is fit to
each candidate transform of the training part less its last `holdout` points, forecasts those points
recursively (as the LSTM will forecast the test points), and the candidate with the lowest RMSE in the
original units wins. The linear model stands in for the LSTM because it fits in milliseconds and
fails in the same ways: a trend left in the inputs, a log that growth needs, a season not removed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import Transform, windows
from .errors import InputError

__all__ = ["AUTO", "CANDIDATES", "WEIGHT_DECAY", "Choice", "TransformChoice", "choose_transform", "default_window"]

AUTO = "auto"
CANDIDATES = ("none", "diff", "log_diff", "seasonal_diff")
MAX_WINDOW = 200  # the page's window slider stops here
# Adam's L2 penalty for data of unknown shape. On the benchmark panel (bench/bench_panel.py, seeds 0-2,
# 14 series) it cut the median RMSE on 8 of 14 (electrical equipment 2.73 -> 1.78, lynx 1584 -> 994,
# Nile 250 -> 164) and raised the LSTM's wins from 6/14 to 7 (best naive), 8 (ETS) and 8 (Theta);
# short noisy series are where a 24-unit LSTM overfits. It cost most on US CPI (4.3 -> 12.8).
WEIGHT_DECAY = 1e-3


def default_window(season: int | None, n_train: int, base: int = 12) -> int:
    """`base` steps, or one whole season when that is longer; at most a third of the training part
    (so that there are windows to learn from) and MAX_WINDOW."""
    want = max(base, season or 0)
    return int(max(2, min(want, MAX_WINDOW, n_train // 3)))


@dataclass(frozen=True)
class Choice:
    """A setting a run chose, and why: which transform (defaults.choose_transform) or what the model
    predicts (choose_target.choose_target), each scored on the end of the training part."""

    requested: str  # "auto" or a transform set by hand
    chosen: str
    holdout: int = 0  # the last `holdout` training points scored the candidates (0: not chosen here)
    scores: dict[str, float] = field(default_factory=dict)  # candidate -> validation RMSE, original units
    why: str = ""

    def to_dict(self) -> dict:
        return {"requested": self.requested, "chosen": self.chosen, "holdout": self.holdout,
                "validation_rmse": dict(self.scores), "why": self.why}


TransformChoice = Choice  # which transform a run used, and why


def choose_transform(train_values: np.ndarray, requested: str, window: int, scale: str, season: int,
                     holdout: int, differenced: bool = False) -> TransformChoice:
    """The transform for these training values: `requested` itself, or for "auto" the candidate with
    the lowest validation RMSE on the last `holdout` training values (only differencing ones when
    `differenced`: a residual model's)."""
    if requested != AUTO:
        return TransformChoice(requested, requested, why="set by hand")
    y = np.asarray(train_values, dtype=np.float64)
    h = int(min(holdout, max(1, len(y) // 5)))
    fit_part, val = y[:-h], y[-h:]
    scores = {}
    for kind in CANDIDATES:
        if differenced and kind == "none":
            continue
        if kind == "log_diff" and np.any(y <= 0):
            continue
        if kind == "seasonal_diff" and (season < 2 or len(fit_part) < season + window + 8):
            continue
        try:
            scores[kind] = _linear_rmse(fit_part, val, kind, scale, season, window)
        except (InputError, np.linalg.LinAlgError, FloatingPointError):
            continue
    scores = {k: v for k, v in scores.items() if np.isfinite(v)}
    if not scores:
        chosen = "log_diff" if np.all(y > 0) else "diff"  # both difference
        return TransformChoice(AUTO, chosen, 0, {}, f"too few training values to compare transforms; "
                                                    f"'{chosen}' is the usual choice for such data")
    chosen = min(scores, key=scores.get)
    return TransformChoice(AUTO, chosen, h, scores,
                           f"lowest RMSE of a linear model forecasting the last {h} training points "
                           f"(the test points took no part)")


def _linear_rmse(fit_part: np.ndarray, val: np.ndarray, kind: str, scale: str, season: int, window: int) -> float:
    """RMSE on `val` of a ridge autoregression on `kind`-transformed windows, forecasting recursively."""
    tf = Transform.fit(fit_part, kind, scale, season)
    s = tf.encode(fit_part)
    targets = np.arange(tf.lag + window, len(s))
    if len(targets) < 4:
        raise InputError("too few windows")
    X, t = windows(s, window, targets)
    A = np.hstack([X, np.ones((len(X), 1))])
    ridge = 1e-3 * len(X) * np.eye(A.shape[1])
    ridge[-1, -1] = 0.0
    coef = np.linalg.solve(A.T @ A + ridge, A.T @ t)
    # An LSTM's output stays near the range it was trained on (tanh units): so does the stand-in's.
    lo, hi = s[tf.lag:].min(), s[tf.lag:].max()
    lo, hi = lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo)
    z, ss = list(tf.to_z(fit_part)), list(s)
    for _ in range(len(val)):
        s_next = float(np.clip(np.dot(coef[:-1], ss[-window:]) + coef[-1], lo, hi))
        ss.append(s_next)
        z.append(float(tf.decode_next(s_next, z[-tf.lag] if tf.lag else 0.0)))
    with np.errstate(over="ignore", invalid="ignore"):
        pred = tf.from_z(np.array(z[len(fit_part):]))
        return float(np.sqrt(np.mean((pred - val) ** 2)))
