"""Training loop: mini- or full-batch Adam, live callbacks, weight snapshots, divergence guard."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from .config import TrainConfig
from .errors import InputError

__all__ = ["TrainConfig", "TrainData", "Epoch", "TrainResult", "train", "optimizer", "run_epochs", "init_weights",
           "FULL_BATCH", "LOSSES"]

# "Full batch" on a million windows would hold gigabytes of activations for one step: past this
# many windows, full batch means mini-batches of this size.
FULL_BATCH = 8192


@dataclass(frozen=True, eq=False)
class TrainData:
    """Inputs X (n, T, input_size) and targets y: (n, output_size) floats for mse, (n,) or (n, T) class
    indices for cross_entropy; plus an optional validation part."""

    X: torch.Tensor
    y: torch.Tensor
    X_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None


@dataclass(frozen=True)
class Epoch:
    """What the callback receives after each epoch."""

    epoch: int  # 1-based
    epochs: int
    train_loss: float
    val_loss: float | None
    elapsed: float  # seconds since training started


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)  # train loss per epoch
    val_losses: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, dict]] = field(default_factory=list)  # (epoch, state_dict); epoch 0 = untrained
    seconds: float = 0.0
    stopped: str = "done"  # done | early | user | time | diverged
    message: str = ""

    @property
    def epochs_run(self) -> int:
        return len(self.losses)

    @property
    def ok(self) -> bool:
        return self.stopped != "diverged"


def init_weights(model: nn.Module, seed: int, forget_bias: float = 0.0) -> nn.Module:
    """Re-initialise every parameter from a private generator, as PyTorch would (U(-k, k)).

    A private generator keeps runs reproducible even when other threads (other app sessions)
    draw from torch's global random state at the same time. forget_bias is added to every LSTM
    forget gate's input bias (Gers et al. 2000; Jozefowicz et al. 2015): at +2 the gate starts near
    sigmoid(2) = 0.88 instead of 0.5, so what a cell holds survives long enough for training to
    learn to keep it. GRU and RNN have no forget gate and ignore it.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):
                k = 1 / math.sqrt(module.hidden_size)
                for p in module.parameters(recurse=False):
                    p.uniform_(-k, k, generator=g)
                if forget_bias and isinstance(module, nn.LSTM) and module.bias:
                    H = module.hidden_size
                    for name, p in module.named_parameters(recurse=False):
                        if name.startswith("bias_ih"):
                            p[H:2 * H] += forget_bias  # gate order i, f, g, o
            elif isinstance(module, nn.Linear):
                k = 1 / math.sqrt(module.in_features)
                for p in module.parameters(recurse=False):
                    p.uniform_(-k, k, generator=g)
    return model


def _snapshot_epochs(epochs: int, n: int) -> set[int]:
    return {int(round(e)) for e in np.linspace(0, epochs, max(n, 1) + 1)}


LOSSES = ("mse", "cross_entropy")


def _loss_fn(name: str):
    """The loss by name. cross_entropy takes logits (B, C) or per-step (B, T, C) and int targets (B,) or (B, T)."""
    if name == "mse":
        return nn.MSELoss()
    if name == "cross_entropy":
        return lambda out, y: nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    raise InputError(f"loss must be one of {', '.join(LOSSES)}, not {name!r}")


def train(model: nn.Module, data: TrainData, config: TrainConfig,
          on_epoch: Callable[[Epoch], bool | None] | None = None, max_seconds: float | None = None,
          loss: str = "mse") -> TrainResult:
    """Train `model` in place with Adam on `loss`; returns losses, snapshots and how it stopped.

    `loss` is "mse" (regression) or "cross_entropy" (logits against integer class targets,
    per sequence or per step; reported in nats).

    `on_epoch(Epoch)` runs after every epoch; if it returns True, training stops there.
    `max_seconds` bounds the wall time (a shared server's limit): training stops after the
    epoch that crosses it, with stopped="time", and keeps what it learned.
    A NaN or infinite loss stops training with stopped="diverged"; the weights go back to the
    last finite state. No exception escapes for divergence.
    """
    config.check()
    if len(data.X) == 0:
        raise InputError("no training windows: the series is too short for this window and test size")
    opt, sched = optimizer(model, config)
    loss_fn = _loss_fn(loss)
    gen = torch.Generator().manual_seed(config.seed)
    n = len(data.X)
    bs = min(n, FULL_BATCH) if config.batch_size <= 0 else min(config.batch_size, n)
    bs = min(bs, _batch_cap(model, data.X))

    def one_epoch(epoch: int) -> tuple[float, float | None]:
        model.train()
        order = torch.randperm(n, generator=gen) if bs < n else None
        total = 0.0
        for lo in range(0, n, bs):
            idx = order[lo:lo + bs] if order is not None else slice(None)
            opt.zero_grad(set_to_none=True)
            batch_loss = loss_fn(model(data.X[idx]), data.y[idx])
            if not torch.isfinite(batch_loss):
                total = math.inf
                break
            batch_loss.backward()
            clip_members = getattr(model, "clip_members_", None)  # an ensemble clips each member on its own
            if clip_members is not None:
                clip_members(config.clip)
            elif config.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            opt.step()
            total += batch_loss.item() * (len(data.X[idx]) if order is not None else n)
        return total / n, _evaluate(model, loss_fn, data.X_val, data.y_val)

    return run_epochs(model, config, sched, one_epoch, on_epoch, max_seconds)


def optimizer(model: nn.Module, config: TrainConfig):
    """(Adam with the config's weight decay, its schedule): the learning rate falls geometrically from lr
    to lr * lr_decay by the last epoch (call the schedule's step() once per epoch; run_epochs does)."""
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    gamma = config.lr_decay ** (1 / max(config.epochs - 1, 1))
    return opt, torch.optim.lr_scheduler.ExponentialLR(opt, gamma)


def run_epochs(model: nn.Module, config: TrainConfig, sched, one_epoch: Callable[[int], tuple[float, float | None]],
               on_epoch: Callable[[Epoch], bool | None] | None = None,
               max_seconds: float | None = None) -> TrainResult:
    """The epochs around `one_epoch(epoch) -> (train loss, validation loss or None)`, which trains once over
    the data: divergence (back to the last finite weights), the learning-rate schedule, snapshots, the
    on_epoch callback (True stops), the time limit and early stopping, as `train` documents them. Shared by
    `train` and the stateful text trainer (text/stateful.py), which differ only in how an epoch reads."""
    snap_at = _snapshot_epochs(config.epochs, config.snapshots)
    result = TrainResult(snapshots=[(0, _state(model))])
    best, best_state, stale = math.inf, None, 0
    last_good = _state(model)
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        train_loss, val_loss = one_epoch(epoch)
        if not math.isfinite(train_loss) or (val_loss is not None and not math.isfinite(val_loss)) \
                or not all(torch.isfinite(p).all() for p in model.parameters()):
            model.load_state_dict(last_good)
            result.stopped = "diverged"
            result.message = f"diverged at epoch {epoch}; lower the learning rate (now {config.lr:g})"
            break
        last_good = _state(model)
        sched.step()
        result.losses.append(train_loss)
        if val_loss is not None:
            result.val_losses.append(val_loss)
        if epoch in snap_at:
            result.snapshots.append((epoch, last_good))
        watched = val_loss if val_loss is not None else train_loss
        if watched < best - 1e-12:
            best, stale = watched, 0
            if config.patience:
                best_state = last_good
        else:
            stale += 1
        info = Epoch(epoch, config.epochs, train_loss, val_loss, time.perf_counter() - start)
        if on_epoch is not None and on_epoch(info):
            result.stopped, result.message = "user", f"stopped by the user at epoch {epoch}"
            break
        if max_seconds is not None and info.elapsed >= max_seconds and epoch < config.epochs:
            result.stopped = "time"
            result.message = (f"stopped at epoch {epoch} of {config.epochs}: this server allows "
                              f"{max_seconds:g} s per training run, so how far it got depends on how busy the "
                              "server was, and these numbers may not repeat")
            break
        if config.patience and stale >= config.patience:
            model.load_state_dict(best_state)
            result.stopped = "early"
            result.message = f"stopped early at epoch {epoch}: no improvement for {config.patience} epochs"
            break
    model.eval()
    final_epoch = result.epochs_run
    if not result.snapshots or result.snapshots[-1][0] != final_epoch or result.stopped == "early":
        result.snapshots = [s for s in result.snapshots if s[0] != final_epoch] + [(final_epoch, _state(model))]
    result.seconds = time.perf_counter() - start
    return result


ACTIVATION_FLOATS = 1 << 27  # what one step's saved activations may hold: 512 MB of float32


def _batch_cap(model: nn.Module, X: torch.Tensor) -> int:
    """The largest batch whose activations (about 12 floats per unit, layer and step, for the
    gates, states and their gradients) fit ACTIVATION_FLOATS: long sequences and wide layers get
    smaller batches rather than gigabytes."""
    per_step = sum(m.hidden_size * m.num_layers * (2 if m.bidirectional else 1)
                   for m in model.modules() if isinstance(m, (nn.LSTM, nn.GRU, nn.RNN)))
    per_step += model.activation_units() if hasattr(model, "activation_units") else 0  # an ensemble's stacked nets
    per_sample = 12 * max(per_step, 1) * (X.shape[1] if X.dim() > 1 else 1)
    return max(1, ACTIVATION_FLOATS // per_sample)


def _state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _evaluate(model, loss_fn, X, y) -> float | None:
    if X is None or len(X) == 0:
        return None
    model.eval()
    with torch.no_grad():
        return float(loss_fn(model(X), y))
