"""Stateful truncated backpropagation for character models (char-rnn's way of training): `streams` cuts
a text's ids into B parallel continuous streams, and `train_stateful` reads each stream's consecutive
chunks in order, the final (h, c) of one chunk (detached) being the initial state of the next.

Trained chunk by chunk from a zero state (`train.train`), no unit is ever rewarded for carrying anything
across a chunk boundary; read as one long stream (`record_text`), what a unit tracks is then only as
good as it stays past seq_len characters. Stateful training rewards exactly that.

Shapes: streams are (B, S) int64 ids, axis 1 time; a chunk is (B, L) with L = seq_len.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..config import TrainConfig
from ..errors import InputError
from ..train import Epoch, TrainResult, optimizer, run_epochs

__all__ = ["streams", "read_streams", "train_stateful"]


def streams(ids: np.ndarray, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs X (B, S) and next-character targets y (B, S): ids (T,) cut into B = min(count, T - 1)
    consecutive streams of S = (T - 1) // B characters each; stream b reads ids[bS : bS + S]."""
    B = max(1, min(count, len(ids) - 1))
    S = (len(ids) - 1) // B
    t = torch.from_numpy(np.ascontiguousarray(ids))
    return t[:B * S].reshape(B, S), t[1:B * S + 1].reshape(B, S)


def read_streams(model, X: torch.Tensor, y: torch.Tensor, length: int,
                 step: Callable[[torch.Tensor], None] | None = None) -> float:
    """Mean cross-entropy (nats per character) of `model` reading streams X (B, S) in chunks of `length`,
    each chunk from the previous one's final state (detached), the first from zeros.

    step(loss) runs after each chunk's loss (training: backward and an optimiser step); None: no gradients.
    """
    state, total = None, 0.0
    with torch.set_grad_enabled(step is not None):
        for lo in range(0, X.shape[1], length):
            x = nn.functional.one_hot(X[:, lo:lo + length], model.vocab_size).to(model.head.weight.dtype)
            out, state = model.recurrent(x, state)
            logits = model.head(out)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, lo:lo + length].reshape(-1))
            if not torch.isfinite(loss):
                return math.inf
            if step is not None:
                step(loss)
            total += loss.item() * logits.shape[1]
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    return total / X.shape[1]


def train_stateful(model, ids: np.ndarray, val_ids: np.ndarray | None, length: int, config: TrainConfig,
                   on_epoch: Callable[[Epoch], bool | None] | None = None,
                   max_seconds: float | None = None) -> TrainResult:
    """Train a CharModel in place with Adam, statefully: config.batch_size streams of `ids` (T,), read
    in chunks of `length`. Each epoch starts the streams at a seeded offset below `length`, so chunk
    boundaries fall elsewhere each time. Held-out loss: `val_ids` read the same way (nats per character).

    As `train.train`: lr decay, gradient clipping, snapshots, on_epoch, max_seconds and the divergence
    guard; early stopping (patience) is not offered.
    """
    config.check()
    if config.patience:
        raise InputError("stateful training has no early stopping: set patience to 0")
    B = max(1, config.batch_size)
    if len(ids) < B * (2 * length) + length + 1:
        raise InputError(f"stateful training on {B} streams of chunks of {length} needs at least "
                         f"{B * 2 * length + length + 1:,} characters, not {len(ids):,}")
    opt, sched = optimizer(model, config)
    gen = torch.Generator().manual_seed(config.seed)
    val = streams(val_ids, B) if val_ids is not None and len(val_ids) > 1 else None

    def step(loss: torch.Tensor) -> None:
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()

    def one_epoch(epoch: int) -> tuple[float, float | None]:
        offset = int(torch.randint(length, (1,), generator=gen))
        model.train()
        train_loss = read_streams(model, *streams(ids[offset:], B), length, step)
        model.eval()
        return train_loss, (read_streams(model, *val, length) if val is not None else None)

    return run_epochs(model, config, sched, one_epoch, on_epoch, max_seconds)
