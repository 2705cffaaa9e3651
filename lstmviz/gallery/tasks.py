"""Gallery entries of kind "task": a sequence-task model trained once (`train_task`) and restored as the
TaskRun the tasks page draws (`restore_task`), with nothing trained. Counting models (anbn) are scored on
strings far longer than any they trained on (`longer_strings`)."""
from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np
import torch

from ..models import SequenceModel
from ..tasks import LongerReport, Task, TaskConfig, TaskFit, TaskRun, anbn, evaluate_task, split_task
from ..train import TrainData, TrainResult, init_weights, train
from .counting import MIX_LENGTHS, polish_mixed_padding
from .store import pack_result, pack_state, unpack_result

__all__ = ["train_task", "restore_task", "longer_strings", "longer_report", "LONGER_PER_N"]

LONGER_PER_N = 50  # strings per n on the longer test: one miss is 2% of an n's accuracy


def longer_strings(config: TaskConfig, up_to: int, seed: int, per_n: int = LONGER_PER_N) -> list[Task]:
    """a^n b^n strings and near misses, n from one past training to `up_to`, in sets of 10 n's (`per_n` strings
    of each on average, half accepted), each padded to 2 n + 4 steps for its largest n: room for a^n b^(n+2),
    and no more padding than in training."""
    lo = (config.length - 2) // 2 + 1
    return [anbn(per_n * (min(k + 9, up_to) - k + 1), 2 * min(k + 9, up_to) + 4, seed + k,
                 k_range=(k, min(k + 9, up_to))) for k in range(lo, up_to + 1, 10)]


def longer_report(model: SequenceModel, config: TaskConfig, sets: list[Task]) -> LongerReport:
    """Accuracy on longer strings than trained (sets from longer_strings), overall and for each n."""
    right, ks = [], []
    model.eval()
    with torch.no_grad():
        for t in sets:
            right.append(model(torch.as_tensor(np.array(t.X))).argmax(-1).numpy() == t.y)
            ks.append(t.X[..., 1].sum(1).round().astype(int))  # a's in each string
    right, ks = np.concatenate(right), np.concatenate(ks)
    N = (config.length - 2) // 2
    accepted = float(np.mean(np.concatenate([t.y for t in sets]) == 1))
    return LongerReport(float(right.mean()), (int(ks.min()), int(ks.max())), (1, N), sets[-1].length,
                        {int(k): float(right[ks == k].mean()) for k in np.unique(ks)}, accepted)


def _model(config: TaskConfig, tr: Task) -> SequenceModel:
    return SequenceModel(config.model.cell, tr.input_size, config.model.hidden_size, config.model.num_layers,
                         output_size=tr.output_size)


def _data(config: TaskConfig) -> tuple[Task, Task, TrainData]:
    tr, te = split_task(config)
    return tr, te, TrainData(torch.tensor(tr.X), torch.tensor(tr.y), torch.tensor(te.X), torch.tensor(te.y))


def train_task(config: TaskConfig, rounds: int = 1, score: Callable[[SequenceModel], float] | None = None,
               warmup: tuple[TaskConfig, ...] = (), polish: tuple[int, float] = (0, 0.0)) -> dict:
    """Train `config` (config.train.epochs split into `rounds` rounds) -> the entry's fields.

    `warmup`: configs of the same task and model trained first, in order, on their own data (a curriculum of
    shorter sequences); their epochs come first in the curve, one snapshot after each.
    With `score` (higher is better, measured on data apart from the held-out test), the weights kept are
    those after the best-scoring round, and training stops there: the curve and snapshots end with them.
    `polish` = (K, lr), with `score` (anbn): from those weights, K epochs at learning rate lr on the same strings
    padded to many lengths (counting.polish_mixed_padding), each scored; the best of these replaces them if it
    scores higher (one snapshot more, the curve up to it).
    """
    config.check()
    tr, te, data = _data(config)
    model = init_weights(_model(config, tr), config.train.seed, config.model.forget_bias)
    loss = "mse" if tr.kind == "regress" else "cross_entropy"
    per = max(1, config.train.epochs // rounds)
    whole = TrainResult(snapshots=[(0, {k: v.clone() for k, v in model.state_dict().items()})])
    best, best_at, scores = -np.inf, 0, []
    start = time.perf_counter()
    for stage in warmup:
        r = train(model, _data(stage.check())[2], stage.train.replace(snapshots=0), loss=loss)
        whole.losses += r.losses
        whole.val_losses += r.val_losses
        whole.snapshots.append((len(whole.losses), r.snapshots[-1][1]))
    first = len(whole.snapshots)  # the main rounds' snapshots start here
    for k in range(rounds):
        # one snapshot per round; each round its own batch order
        step = config.train.replace(epochs=per, seed=config.train.seed * 1000 + k, snapshots=0,
                                    lr=config.train.lr * config.train.lr_decay ** (k / max(rounds - 1, 1)),
                                    lr_decay=1.0)
        r = train(model, data, step, loss=loss)
        whole.losses += r.losses
        whole.val_losses += r.val_losses
        whole.snapshots.append((len(whole.losses), r.snapshots[-1][1]))
        if score is not None:
            scores.append(float(score(model)))
            if scores[-1] > best:
                best, best_at = scores[-1], k
    whole.seconds = time.perf_counter() - start
    if score is not None:
        keep = whole.snapshots[first + best_at]
        model.load_state_dict(keep[1])
        whole.losses, whole.val_losses = whole.losses[:keep[0]], whole.val_losses[:keep[0]]
        whole.snapshots = whole.snapshots[:first + best_at + 1]
        whole.message = (f"kept the weights after round {best_at + 1} of {rounds} (epoch {keep[0]}), the best on "
                         f"validation strings apart from the test")
        if polish[0]:
            _polish(model, data, config, polish, score, best, whole, scores)
            whole.seconds = time.perf_counter() - start
    model.eval()
    fit = TaskFit(model, tr, te, whole, config)
    report = evaluate_task(fit)
    return {"kind": "task", "data": {"task": config.task, "length": config.length, "n_train": config.n_train},
            "seed": config.train.seed, "config": config.to_dict(), "train_seconds": whole.seconds,
            "metrics": {"metric": report.metric, "value": report.value, "baseline": report.baseline,
                        "round_scores": scores},
            "state": pack_state(model.state_dict()), "train": pack_result(whole)}


def _polish(model, data, config, polish, score, best, whole, scores) -> None:
    """Fine-tune on mixed paddings (counting.polish_mixed_padding) and keep the best epoch if it beats `best`:
    with n <= 10 fitted, what is left to choose is how exactly the counter's steps balance, which only
    the longer validation strings can tell."""
    losses, val_losses, more, kept = polish_mixed_padding(model, config, data, polish[0], polish[1], score, best)
    scores += more
    if kept is None:
        model.load_state_dict(whole.snapshots[-1][1])
        whole.message += f"; none of {polish[0]} polishing epochs at lr {polish[1]:g} scored higher"
        return
    model.load_state_dict(kept[1])
    whole.losses += losses[:kept[0] + 1]
    whole.val_losses += val_losses[:kept[0] + 1]
    whole.snapshots.append((len(whole.losses), kept[1]))
    whole.message += (f", then polished at lr {polish[1]:g} on the same n's padded to {MIX_LENGTHS} lengths: kept "
                      f"epoch {kept[0] + 1} of {polish[0]}, which scored higher")


def restore_task(entry: dict) -> TaskRun:
    """The stored model on its task's data, scored as the page would (anbn: on strings up to
    entry["longer_up_to"] a's too): a TaskRun, nothing trained."""
    config = TaskConfig.from_dict(entry["config"])
    tr, te = split_task(config)
    model = _model(config, tr)
    model.load_state_dict(entry["state"])
    model.eval()
    result = unpack_result(entry["train"], entry["state"])
    fit = TaskFit(model, tr, te, result, config)
    report = evaluate_task(fit)
    up_to = entry.get("longer_up_to")
    if up_to:
        report = dataclasses.replace(report, longer=longer_report(model, config, longer_strings(
            config, up_to, config.train.seed + 1)))
    return TaskRun(fit, report)
