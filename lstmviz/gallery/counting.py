"""What the anbn recipe chooses on and polishes with: validation strings of long n kept apart from the
reported test (`validation_strings`, scored by `validation_score`), and polishing on strings of n <= 10
padded to many lengths (`polish_mixed_padding`).

Why mixed padding: at one training length T, the padding before a^k b^m is T - k - m steps, so its length
tells the net k + m, and even its parity tells whether m - k is odd. A net that leans on it carries a
padding-dependent unit into every step of the count, and at n ~ 100 that is enough to take a^n b^(n+1)
for a^n b^n when the padding is short. Strings of the same n padded to 20 different lengths tell nothing.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from ..models import SequenceModel
from ..tasks import Task, TaskConfig, anbn
from ..train import TrainData

__all__ = ["validation_strings", "validation_score", "polish_mixed_padding", "PADDINGS", "MIX_LENGTHS"]

PADDINGS = (2, 25)  # paddings the validation strings use (steps of "_" before the first a); the test's: 2-23
SHORT = 7  # every padding below this is used for every string: short paddings are where counting fails
PER_STRING = 8  # paddings per (n, m) string, the test's own left out
MIX_LENGTHS = 20  # polishing pads the training strings to config.length, +1, ... +19 steps


def _test_padding(config: TaskConfig, up_to: int, n: int, m: int) -> int:
    """The padding longer_strings gives a^n b^m: its set of 10 n's is padded to 2 (largest n) + 4 steps."""
    lo = (config.length - 2) // 2 + 1
    hi = min(lo + (n - lo) // 10 * 10 + 9, up_to)
    return 2 * hi + 4 - n - m


def validation_strings(config: TaskConfig, up_to: int, seed: int = 7) -> list[Task]:
    """a^n b^(n+d) for every n from one past training to `up_to` and d = -2..2, each at PER_STRING paddings:
    all of 2..6 and the rest drawn from 7..24, never the padding the reported test (longer_strings) uses
    for that string. One Task per total length (a batch needs one length)."""
    rng = np.random.default_rng(seed)
    lo = (config.length - 2) // 2 + 1
    rows = []  # (padding, a's, b's)
    for n in range(lo, up_to + 1):
        for d in (-2, -1, 0, 1, 2):
            t = _test_padding(config, up_to, n, n + d)
            short = [p for p in range(PADDINGS[0], SHORT) if p != t]
            far = [p for p in range(SHORT, PADDINGS[1]) if p != t]
            rows += [(int(p), n, n + d) for p in short + list(rng.choice(far, PER_STRING - len(short), replace=False))]
    by_length: dict[int, list] = {}
    for r in rows:
        by_length.setdefault(sum(r), []).append(r)
    sets = []
    for length, rs in by_length.items():
        sym = np.zeros((len(rs), length), np.int64)  # 0 _, 1 a, 2 b
        for i, (p, a, _) in enumerate(rs):
            sym[i, p:p + a], sym[i, p + a:] = 1, 2
        sets.append(Task("anbn", np.eye(3, dtype=np.float32)[sym], np.array([int(a == b) for _, a, b in rs]),
                         "classify", ("reject", "accept"), {}, symbols=("_", "a", "b")))
    return sets


def validation_score(model: SequenceModel, sets: list[Task]) -> float:
    """Higher is better: the worst n's accuracy (positives and negatives weighed alike, as in the test's
    half-and-half), plus a hundredth of the mean over n to break ties."""
    ok, y, k = [], [], []
    model.eval()
    with torch.no_grad():
        for t in sets:
            ok.append(model(torch.as_tensor(np.array(t.X))).argmax(-1).numpy() == t.y)
            y.append(t.y)
            k.append(t.X[..., 1].sum(1).round().astype(int))  # a's in each string
    ok, y, k = map(np.concatenate, (ok, y, k))
    by_n = np.array([0.5 * (ok[(k == n) & (y == 1)].mean() + ok[(k == n) & (y == 0)].mean()) for n in np.unique(k)])
    return float(by_n.min() + 0.01 * by_n.mean())


def polish_mixed_padding(model: SequenceModel, config: TaskConfig, data: TrainData, epochs: int, lr: float,
                         score: Callable[[SequenceModel], float], best: float):
    """Fine-tune on n <= 10 strings padded to MIX_LENGTHS lengths (config.n_train in all, batches of one length,
    one Adam throughout), scoring after each epoch. -> (train losses, held-out losses, scores, kept) where
    kept = (epoch index, weights) of the first epoch scoring above `best`, or None; the model ends there."""
    seed, bs = config.train.seed, config.train.batch_size
    lengths = range(config.length, config.length + MIX_LENGTHS)
    sets = [anbn(config.n_train // MIX_LENGTHS, L, seed * 1000 + L, k_range=(1, (config.length - 2) // 2))
            for L in lengths]
    xy = [(torch.tensor(t.X), torch.tensor(t.y)) for t in sets]
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses, val_losses, scores, kept = [], [], [], None
    for epoch in range(epochs):
        model.train()
        batches = [(i, b) for i, (X, _) in enumerate(xy) for b in torch.randperm(len(X), generator=gen).split(bs)]
        total = 0.0
        for j in torch.randperm(len(batches), generator=gen).tolist():
            i, b = batches[j]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xy[i][0][b]), xy[i][1][b])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.train.clip)
            opt.step()
            total += loss.item() * len(b)
        losses.append(total / sum(len(X) for X, _ in xy))
        model.eval()
        with torch.no_grad():
            val_losses.append(float(loss_fn(model(data.X_val), data.y_val)))
        scores.append(float(score(model)))
        if scores[-1] > best:
            best, kept = scores[-1], (epoch, {k: v.clone() for k, v in model.state_dict().items()})
    return losses, val_losses, scores, kept
