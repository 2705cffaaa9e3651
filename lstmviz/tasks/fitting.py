"""Training on a task and scoring it: TaskConfig, DEFAULTS, fit_task -> TaskFit, evaluate_task -> TaskReport,
and run_task -> TaskRun (both at once: what a background job gives back)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ..config import Config, ModelConfig, TrainConfig, setting
from ..errors import InputError
from ..models import SequenceModel
from ..record import Trace, record
from ..train import Epoch, TrainData, TrainResult, init_weights, train
from .generators import TASKS, Task, anbn, task_name

__all__ = ["TaskConfig", "DEFAULTS", "default_config", "TaskFit", "TaskReport", "LongerReport", "TaskRun",
           "fit_task", "evaluate_task", "run_task", "split_task", "SAMPLES", "commonest_class", "always_share"]

SAMPLES = 256  # held-out sequences the unit finder and the lessons' checks measure on


@dataclass(frozen=True)
class TaskConfig(Config):
    """Task, data sizes, model and training for one run. Frozen: a cache key and JSON for free."""

    task: str = setting("adding", choices=(*TASKS, "csv"))
    length: int = setting(50, lo=1, hi=1_000_000)  # T, steps per sequence (each task checks its own range)
    n_train: int = setting(6000, lo=10, hi=200_000)
    n_test: int = setting(1000, lo=1, hi=100_000)
    model: ModelConfig = field(default_factory=lambda: ModelConfig(hidden_size=32))
    # the seed draws the data, the initial weights and the batch order
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20, lr=1e-2, batch_size=64))

    def __post_init__(self):
        # an old name (a link or bundle from before the rename) is the same task under its own name
        object.__setattr__(self, "task", task_name(self.task))


def _task(task: str, length: int, n_train: int, n_test: int, **changes) -> TaskConfig:
    return TaskConfig(task, length, n_train, n_test).replace(**changes)


# Each trains on one CPU thread in seconds; medians over seeds: python bench/bench_tasks.py
DEFAULTS: dict[str, TaskConfig] = {
    "adding": _task("adding", 50, 6000, 1000, hidden_size=32, epochs=20, lr=1e-2, batch_size=64),
    "remember": _task("remember", 10, 2000, 500, hidden_size=16, epochs=40, lr=1e-2, batch_size=64),
    "anbn": _task("anbn", 22, 2000, 1000, hidden_size=16, epochs=40, lr=1e-2, batch_size=64),
    "parity": _task("parity", 20, 5000, 1000, hidden_size=16, epochs=40, lr=1e-2, batch_size=64),
    # the PyTorch sentiment tutorial's recipe: hidden 64, Adam 1e-3, cross entropy
    "rise_fall": _task("rise_fall", 5, 2000, 500, hidden_size=64, epochs=40, lr=1e-3, batch_size=32),
}


def default_config(task: str, **changes) -> TaskConfig:
    """The task's default config (an old alias names the same task), with changes; checked."""
    task = task_name(task)
    if task not in DEFAULTS:
        raise InputError(f"no task {task!r}; choose one of {', '.join(DEFAULTS)}")
    return DEFAULTS[task].replace(**changes).check()


@dataclass(eq=False)
class TaskFit:
    """A trained model and the data it saw."""

    model: SequenceModel
    train: Task
    test: Task
    result: TrainResult
    config: TaskConfig
    longer: Task | None = None  # anbn: longer strings than any in training

    def trace(self, k: int) -> Trace:
        """The model recorded on held-out example k alone (batch of one)."""
        return record(self.model, torch.as_tensor(np.array(self.test.X[k:k + 1])))

    def finder_trace(self, n: int = SAMPLES) -> Trace:
        """The model recorded on the first n held-out examples at once, as the unit finder measures."""
        return record(self.model, torch.as_tensor(np.array(self.test.X[:n])))


@dataclass(frozen=True)
class LongerReport:
    """anbn only: accuracy on strings with more a's than any in training."""

    accuracy: float
    k: tuple[int, int]  # the a's per string here, lowest and highest
    trained_k: tuple[int, int]  # ... and in training
    length: int  # steps, padded
    by_k: dict[int, float]  # a's in the string -> accuracy on those strings
    accepted: float  # the share of these strings that are a^n b^n (class 1): a constant answer's baseline


@dataclass(frozen=True)
class TaskReport:
    """Held-out score of a task run against a constant baseline."""

    task: str
    n_test: int
    metric: str  # "accuracy" (classes) or "mse" (numbers)
    value: float
    baseline: float  # the commonest training class, or the training mean, always
    classes: tuple[str, ...] | None = None
    confusion: tuple[tuple[int, ...], ...] | None = None  # [true][predicted] counts
    longer: LongerReport | None = None

    @property
    def beats_baseline(self) -> bool:
        return self.value > self.baseline if self.metric == "accuracy" else self.value < self.baseline

    def to_dict(self) -> dict:
        """Plain JSON values, as the command line prints them."""
        out = {"task": self.task, "n_test": self.n_test, "metric": self.metric, "value": self.value,
               "baseline": self.baseline}
        if self.classes is not None:
            out.update(classes=list(self.classes), confusion=[list(row) for row in self.confusion])
        if self.longer is not None:
            lg = self.longer
            out["longer"] = {"accuracy": lg.accuracy, "k": list(lg.k), "trained_k": list(lg.trained_k),
                             "length": lg.length, "by_k": {str(k): v for k, v in lg.by_k.items()},
                             "accepted": lg.accepted}
        return out


@dataclass(frozen=True, eq=False)
class TaskRun:
    """A finished task run: the fit and its report."""

    fit: TaskFit
    report: TaskReport


def split_task(config: TaskConfig, task: Task | None = None) -> tuple[Task, Task]:
    """Train and test parts: one draw of the task's generator, or a seeded shuffle of the given data."""
    if task is None:
        if config.task not in TASKS:
            raise InputError(f"task {config.task!r} has no generator; pass its data as task=")
        both = TASKS[config.task](config.n_train + config.n_test, config.length, config.train.seed)
        return both.subset(slice(0, config.n_train)), both.subset(slice(config.n_train, None))
    n_test = min(config.n_test, max(1, len(task) // 5))
    order = np.random.default_rng(config.train.seed).permutation(len(task))
    return task.subset(order[n_test:]), task.subset(order[:n_test])


def fit_task(config: TaskConfig, on_epoch: Callable[[Epoch], bool | None] | None = None,
             max_seconds: float | None = None, task: Task | None = None) -> TaskFit:
    """Train config.model.cell on config.task (or on `task`'s data, e.g. from from_csv) -> TaskFit.

    Given data is shuffled by config.train.seed and config.n_test of it (at most a fifth) held out. The
    held-out part only draws the validation curve: nothing is chosen on it.
    """
    if task is not None:
        config = config.replace(task=task.name, length=task.length)
    config.check()
    tr, te = split_task(config, task)
    model = init_weights(SequenceModel(config.model.cell, tr.input_size, config.model.hidden_size,
                                       config.model.num_layers, output_size=tr.output_size),
                         config.train.seed, config.model.forget_bias)
    data = TrainData(torch.tensor(tr.X), torch.tensor(tr.y), torch.tensor(te.X), torch.tensor(te.y))
    result = train(model, data, config.train, on_epoch, max_seconds,
                   loss="mse" if tr.kind == "regress" else "cross_entropy")
    longer = anbn(config.n_test, config.length, config.train.seed + 1, longer=True) if tr.name == "anbn" else None
    return TaskFit(model, tr, te, result, config, longer)


def _predict(model: torch.nn.Module, task: Task) -> np.ndarray:
    """(n,) predicted classes, or (n,) predicted values."""
    model.eval()
    with torch.no_grad():
        out = model(torch.tensor(task.X))
    return out.argmax(-1).numpy() if task.kind == "classify" else out[:, 0].double().numpy()


def always_share(longer: LongerReport, answer: int) -> float:
    """What always answering class `answer` (0 reject, 1 accept) scores on the longer strings."""
    return longer.accepted if answer == 1 else 1.0 - longer.accepted


def commonest_class(task) -> int:
    """The class a constant baseline answers: the commonest in `task` (the training set), which need not be
    the commonest among the held-out answers (anbn's gallery test set: 48.3% for it)."""
    return int(np.bincount(task.y, minlength=task.output_size).argmax())


def evaluate_task(fit: TaskFit) -> TaskReport:
    """Held-out metric (accuracy or MSE) against a constant baseline; for classes a confusion matrix;
    for anbn the accuracy on longer strings than any in training."""
    tr, te = fit.train, fit.test
    p = _predict(fit.model, te)
    longer = _longer(fit) if fit.longer is not None else None
    if te.kind == "classify":
        majority = commonest_class(tr)
        k = te.output_size
        confusion = np.bincount(te.y * k + p, minlength=k * k).reshape(k, k)
        return TaskReport(tr.name, len(te), "accuracy", float(np.mean(p == te.y)),
                          float(np.mean(te.y == majority)),  # always the commonest training class
                          tuple(te.classes), tuple(tuple(int(v) for v in row) for row in confusion), longer)
    y = te.y[:, 0].astype(np.float64)
    return TaskReport(tr.name, len(te), "mse", float(np.mean((p - y) ** 2)),
                      float(np.mean((y - tr.y.mean(dtype=np.float64)) ** 2)),  # always the training mean
                      longer=longer)


def _longer(fit: TaskFit) -> LongerReport:
    N = (fit.train.length - 2) // 2
    right = _predict(fit.model, fit.longer) == fit.longer.y
    ks = fit.longer.X[..., 1].sum(1).round().astype(int)  # a's in each string
    # the span from the strings themselves: N+1..2N as fit_task draws them, any other a gallery model's
    return LongerReport(float(right.mean()), (int(ks.min()), int(ks.max())), (1, N), fit.longer.length,
                        {int(v): float(right[ks == v].mean()) for v in np.unique(ks)},
                        float(np.mean(fit.longer.y == 1)))


def run_task(config: TaskConfig, on_epoch: Callable[[Epoch], bool | None] | None = None,
             max_seconds: float | None = None, task: Task | None = None) -> TaskRun:
    """fit_task, then evaluate_task: one run, as a background job gives it back."""
    fit = fit_task(config, on_epoch, max_seconds, task)
    return TaskRun(fit, evaluate_task(fit))
