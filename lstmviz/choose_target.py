"""Choose what the LSTM predicts (the next value, or its deviation from naive or seasonal naive) with the
LSTM itself, on a validation split at the end of the training part; the test points take no part.

One model per candidate, all of the same size and seed, trains as one batched run (ensemble.Packed:
the candidates read the same input windows and differ only in their targets) on the training part
less its last `holdout` points; each forecasts those points recursively, as the real run will forecast
the test points, and the lowest RMSE in the original units wins. The real run then trains on the
whole training part with the winner.
"""
from __future__ import annotations

import numpy as np
import torch

from .config import ModelConfig, TrainConfig
from .data import Transform, windows
from .defaults import Choice
from .ensemble import train_members
from .errors import InputError
from .models import SequenceModel
from .target import RESIDUALS, Target
from .train import TrainData, init_weights

__all__ = ["VALIDATE", "TargetChoice", "choose_target", "recursive_path"]

VALIDATE = "validate"  # ForecastConfig.residual: choose with the LSTM on the validation split


TargetChoice = Choice  # what the model predicts in a run (the next value, or a residual), and why


def recursive_path(model: torch.nn.Module, tf: Transform, target: Target, window: int, history: np.ndarray,
                   steps: int) -> np.ndarray:
    """`steps` values after `history` (original units), each prediction fed back as the next input."""
    z = list(tf.to_z(history))
    s = list(tf.encode(history))
    model.eval()
    for _ in range(steps):
        with torch.no_grad():
            x = torch.as_tensor(np.array(s[-window:]), dtype=torch.float32)[None, :, None]
            out = float(model(x)[0, 0])
        z_next = float(target.decode(tf, out, z, len(z)))
        # the input the next step reads: the model's output itself, or the new value encoded
        s.append(float(tf.encode_next(z_next, z[-tf.lag] if tf.lag else 0.0)) if target.residual else out)
        z.append(z_next)
    return tf.from_z(np.array(z[len(history):]))


def candidates(season: int | None) -> tuple[str, ...]:
    """The residuals worth trying: seasonal naive only when there is a season of 2 or more."""
    return RESIDUALS if season and season >= 2 else RESIDUALS[:2]


def choose_target(train_values: np.ndarray, transform: str, scale: str, season: int | None, window: int,
                  holdout: int, model: ModelConfig, train: TrainConfig) -> TargetChoice:
    """The candidate whose LSTM forecasts the last `holdout` training values best (see the module's doc)."""
    y = np.asarray(train_values, dtype=np.float64)
    h = int(min(holdout, max(1, len(y) // 5)))
    fit_part, val = y[:-h], y[-h:]
    period = season if season and season >= 2 else 12
    names = candidates(season)
    try:
        tf = Transform.fit(fit_part, transform, scale, period)
        start = tf.lag + window
        targets = [Target.fit(tf, fit_part, k, period, start) for k in names]
    except InputError:
        return TargetChoice(VALIDATE, "none", 0, {}, "too few training values to compare targets; "
                                                   "the model predicts the next value")
    t = np.arange(max(start, *(g.lag for g in targets)), len(fit_part))
    if len(t) < 8:
        return TargetChoice(VALIDATE, "none", 0, {}, "too few training windows to compare targets; "
                                                   "the model predicts the next value")
    X, _ = windows(tf.encode(fit_part), window, t)
    Y = np.stack([g.values(tf, fit_part)[t] for g in targets], 1)  # (n, candidates)
    members = [init_weights(SequenceModel(model.cell, 1, model.hidden_size, model.num_layers), train.seed)
               for _ in names]
    data = TrainData(torch.as_tensor(X, dtype=torch.float32)[..., None], torch.as_tensor(Y, dtype=torch.float32))
    result = train_members(members, data, train.replace(snapshots=0))
    scores = {}
    for k, m, g in zip(names, members, targets):
        with np.errstate(over="ignore", invalid="ignore"):
            pred = recursive_path(m, tf, g, window, fit_part, h)
            rmse = float(np.sqrt(np.mean((pred - val) ** 2)))
        if np.isfinite(rmse) and result.ok:
            scores[k] = rmse
    if not scores:
        return TargetChoice(VALIDATE, "none", 0, {}, "the validation run failed; the model predicts the next value")
    chosen = min(scores, key=scores.get)
    return TargetChoice(VALIDATE, chosen, h, scores,
                        f"lowest RMSE of the same LSTM forecasting the last {h} training points "
                        f"(the test points took no part)")
