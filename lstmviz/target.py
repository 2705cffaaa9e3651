"""What a forecaster's output means: the next encoded value, or its deviation from a naive forecast.

Direct ("none"): the model predicts s[t], the next encoded value (data.Transform), and decoding inverts
the transform. Residual ("naive", "seasonal_naive"): the model predicts

    r[t] = (z[t] - z[t - lag]) / scale        z: the value, or its log for a log transform

how far the next value lands from the naive forecast (lag 1) or the seasonal naive one (lag = the
season). An output of 0 *is* that baseline, so weight decay (which shrinks the weights toward 0) pulls
the forecast toward a strong baseline rather than toward the middle of the training range: on short
noisy series, where a small LSTM overfits, that is the difference between losing to seasonal naive and
beating it. The inputs do not change: the model still reads the encoded series s, and its gates are
recorded as before.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import Transform
from .errors import InputError

__all__ = ["RESIDUALS", "Target", "describe"]

RESIDUALS = ("none", "naive", "seasonal_naive")


def describe(kind: str) -> str:
    """Words for what the model predicts, e.g. "the deviation from seasonal naive"."""
    return "the next value" if kind == "none" else f"the deviation from {kind.replace('_', ' ')}"


@dataclass(frozen=True)
class Target:
    """The training target and its decoding. Fit on the training part only."""

    kind: str = "none"  # one of RESIDUALS
    lag: int = 0  # the baseline repeats z[t - lag]; 0 for direct
    scale: float = 1.0  # r = (z[t] - z[t - lag]) / scale: the training residuals span about [-1, 1]

    @classmethod
    def fit(cls, tf: Transform, train: np.ndarray, kind: str, period: int, start: int) -> "Target":
        """The target for training values `train` whose first target is at `start` (the residual's
        scale is fit on the targets the model trains on)."""
        if kind not in RESIDUALS:
            raise InputError(f"residual must be one of {', '.join(RESIDUALS)}, not {kind!r}")
        if kind == "none":
            return cls()
        lag = 1 if kind == "naive" else int(period)
        if lag < 2 and kind == "seasonal_naive":
            raise InputError("a residual from seasonal naive needs a season length of 2 or more")
        z = tf.to_z(train)
        r = z[max(start, lag):] - z[max(start, lag) - lag:len(z) - lag]
        if len(r) < 2:
            raise InputError(f"too few training values for a residual from {kind.replace('_', ' ')}")
        if tf.scale == "minmax":
            scale = float(np.max(np.abs(r)))
        else:
            scale = float(np.sqrt(np.mean(r ** 2)))
        return cls(kind, lag, scale if scale > 0 and np.isfinite(scale) else 1.0)

    @property
    def residual(self) -> bool:
        return self.kind != "none"

    def values(self, tf: Transform, y: np.ndarray) -> np.ndarray:
        """The target at every step of y (N,) -> (N,): s itself, or the residual (NaN where undefined)."""
        if not self.residual:
            return tf.encode(y)
        z = tf.to_z(y)
        r = np.full(len(z), np.nan)
        r[self.lag:] = (z[self.lag:] - z[:len(z) - self.lag]) / self.scale
        return r

    def decode(self, tf: Transform, out: np.ndarray, z: np.ndarray, t) -> np.ndarray:
        """z at step t (an int, or an index array) from the model's output there and z before it."""
        if self.residual:
            return z[t - self.lag] + self.scale * out
        return tf.decode_next(out, z[t - tf.lag] if tf.lag else 0.0)
