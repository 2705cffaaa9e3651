"""Labelled sequence tasks with a known answer inside (a counter, a flag, a remembered value),
training on them, and a finder for the units that track that answer.

A Task holds X (n, T, input_size) float32, axis 1 is time; y (n, 1) float32 to regress or (n,) int64
classes; and `known`: name -> (n, T) float64, what a solution has to carry along at each step.
Generators draw from a private numpy Generator seeded by `seed`, never from global random state.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import torch

from .data import MAX_BYTES, load_csv
from .config import Config, ModelConfig, TrainConfig, setting
from .errors import InputError
from .models import CELLS, SequenceModel, count_parameters
from .record import record
from .train import Epoch, TrainData, TrainResult, init_weights, train

__all__ = ["Task", "TASKS", "adding", "remember", "anbn", "parity", "seed004", "from_csv", "TaskConfig",
           "DEFAULTS", "default_config", "TaskFit", "fit_task", "evaluate_task", "find_units", "compare",
           "step_correlation"]

MAX_LENGTH = 1000
MAX_VALUES = 20_000_000  # n * T * input_size of one generated set: 80 MB of float32


@dataclass(frozen=True, eq=False)
class Task:
    """A labelled set of sequences and the per-step quantities a solution must track. Arrays are read-only."""

    name: str
    X: np.ndarray  # (n, T, input_size) float32
    y: np.ndarray  # (n, 1) float32 if kind == "regress"; (n,) int64 class indices if kind == "classify"
    kind: str  # "regress" | "classify"
    classes: tuple[str, ...] | None  # class names by index; None to regress
    known: dict[str, np.ndarray]  # name -> (n, T) float64
    description: str = ""
    symbols: tuple[str, ...] | None = None  # one-hot inputs: the symbol of each channel

    def __post_init__(self):
        for a in (self.X, self.y, *self.known.values()):
            a.flags.writeable = False

    def __len__(self) -> int:
        return len(self.X)

    @property
    def length(self) -> int:
        return self.X.shape[1]

    @property
    def input_size(self) -> int:
        return self.X.shape[2]

    @property
    def output_size(self) -> int:
        return len(self.classes) if self.kind == "classify" else 1

    def subset(self, idx) -> "Task":
        """The same task on examples idx only."""
        return dataclasses.replace(self, X=self.X[idx], y=self.y[idx], known={k: v[idx] for k, v in self.known.items()})

    def example(self, k: int) -> str:
        """Example k as text: its sequence, then "-> label"."""
        return f"{self.sequence(k)} -> {self.answer(k)}"

    def sequence(self, k: int) -> str:
        """Example k's inputs as text: symbols ("__aabb"), bits, or numbers with [marked] ones."""
        x = self.X[k]  # (T, input_size)
        if self.symbols is not None:
            return "".join(self.symbols[j] for j in x.argmax(1))
        if self.name == "adding":
            return " ".join(f"[{v:.2f}]" if m else f"{v:.2f}" for v, m in x)
        if self.name == "parity":
            return "".join(str(int(v)) for v in x[:, 0])
        return " ".join(f"{v:.2f}" for v in x[:50].ravel()) + (" ..." if len(x) > 50 else "")

    def answer(self, k: int) -> str:
        """Example k's label as text: a class name, or the target to 3 decimals."""
        return self.classes[int(self.y[k])] if self.kind == "classify" else f"{float(self.y[k, 0]):.3f}"


def _rng(n: int, length: int, seed: int, min_length: int, channels: int = 1) -> np.random.Generator:
    """A private generator, once the sizes asked for are checked."""
    for name, v in (("n", n), ("length", length), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"{name} must be a whole number, not {v!r}")
    if n < 1:
        raise InputError(f"n must be at least 1 example, not {n}")
    if not min_length <= length <= MAX_LENGTH:
        raise InputError(f"length must be {min_length} to {MAX_LENGTH} steps for this task, not {length}")
    if n * length * channels > MAX_VALUES:
        raise InputError(f"{n} examples of {length} steps are too many: at most {MAX_VALUES:,} values")
    if seed < 0:
        raise InputError(f"seed must be 0 or more, not {seed}")
    return np.random.default_rng(seed)


def _balanced(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n,) int64 labels, half 0 and half 1 (n odd: one more 0), in random order."""
    return rng.permutation(np.arange(n) % 2).astype(np.int64)


def adding(n: int = 1000, length: int = 50, seed: int = 0) -> Task:
    """Hochreiter & Schmidhuber's adding problem: the sum of the two marked values, one in each half."""
    rng = _rng(n, length, seed, 2, 2)
    values = rng.random((n, length), dtype=np.float32)  # U(0, 1)
    marker = np.zeros((n, length), np.float32)
    marker[np.arange(n), rng.integers(0, length // 2, n)] = 1
    marker[np.arange(n), rng.integers(length // 2, length, n)] = 1
    marked = values * marker
    return Task("adding", np.stack([values, marker], -1), marked.sum(1, keepdims=True), "regress", None,
                {"seen markers": marker.cumsum(1, dtype=np.float64),
                 "marked sum so far": marked.cumsum(1, dtype=np.float64)},
                "Channel 0: values from U(0,1); channel 1 marks two of them, one in each half. The target is the "
                "sum of the two marked values. Always predicting 1 scores MSE 1/6 = 0.167.")


def remember(n: int = 1000, length: int = 10, seed: int = 0) -> Task:
    """Remember the first value through length - 1 steps of noise drawn like it, from U(-1, 1)."""
    rng = _rng(n, length, seed, 2)
    X = rng.uniform(-1, 1, (n, length, 1)).astype(np.float32)
    return Task("remember", X, X[:, 0].copy(), "regress", None,
                {"remembered value": np.repeat(X[:, :1, 0].astype(np.float64), length, 1)},
                "Every step is from U(-1,1); the target is the first one. Always predicting 0 scores MSE 1/3. "
                "Nothing marks the first step: only there is the net's own state still all zeros.")


def parity(n: int = 1000, length: int = 20, seed: int = 0, prefix_zeros: bool = True) -> Task:
    """Bit strings labelled by their parity (XOR of all bits); exactly balanced.

    prefix_zeros: the first T - l bits are 0, l uniform in 1..T, which leaves the parity alone. Short
    strings act as a curriculum inside every batch: on uniform random bits past T ~ 10 the loss stays
    at chance, and at T <= 10 the net can memorise all 2^T strings instead of keeping a running parity.
    """
    rng = _rng(n, length, seed, 1)
    y = _balanced(rng, n)
    bits = rng.integers(0, 2, (n, length))
    if prefix_zeros:
        bits[np.arange(length) < length - rng.integers(1, length + 1, n)[:, None]] = 0
    bits[:, -1] = (y - bits[:, :-1].sum(1)) % 2  # the last bit makes the parity equal the label
    return Task("parity", bits[..., None].astype(np.float32), y, "classify", ("even", "odd"),
                {"running parity": (bits.cumsum(1) % 2).astype(np.float64)},
                "Bits 0/1 after a run of 0s of random length; the label is odd when the number of 1s is odd.")


def seed004(n: int = 1000, length: int = 5, seed: int = 0) -> Task:
    """A PyTorch sentiment tutorial's shape (short numeric sequences, 2 classes), with a label that can be
    learned (the tutorial's are random): did the sequence rise overall?"""
    rng = _rng(n, length, seed, 2)
    y = _balanced(rng, n)
    x = rng.standard_normal((n, length))
    wrong = (x[:, -1] > x[:, 0]) != (y == 1)
    x[wrong, 0], x[wrong, -1] = x[wrong, -1], x[wrong, 0]  # swapping the ends keeps x ~ randn given y
    x = x.astype(np.float32)
    return Task("seed004", x[..., None], y, "classify", ("falls", "rises"),
                {"first value": np.repeat(x[:, :1].astype(np.float64), length, 1),
                 "change since start": (x - x[:, :1]).astype(np.float64)},
                "Each step is from N(0,1); the label is 'rises' when the last value is above the first. "
                "Shape and recipe (64 units, Adam at 0.001, cross-entropy) follow a popular PyTorch "
                "sentiment-classifier tutorial, whose labels were random.")


def anbn(n: int = 1000, length: int = 22, seed: int = 0, longer: bool = False) -> Task:
    """Accept a^k b^k, reject near misses: one-hot strings left-padded with "_" to `length` steps.

    Left padding makes every string end at the last step, where the head reads. k is 1..N with
    N = (length - 2) // 2, so the longest near miss a^N b^(N+2) fits. Half are positives; of the
    negatives, 3 in 4 are a^k b^m with m = k-2, k-1, k+1 or k+2 (only counting tells them apart) and
    1 in 4 are a^k b^k with one a and one b swapped (the counts agree, the order does not).
    longer=True: k is N+1..2N instead, padded to 4N + 2 steps: lengths never trained on.
    """
    rng = _rng(n, length, seed, 4, 6 if longer else 3)
    N = (length - 2) // 2
    lo, hi, L = (N + 1, 2 * N, 4 * N + 2) if longer else (1, N, length)
    y = _balanced(rng, n)
    k = rng.integers(lo, hi + 1, n)
    swap = (y == 0) & (rng.random(n) < 0.25)
    d = rng.choice([-2, -1, 1, 2], n)
    m = np.where((y == 0) & ~swap, np.where(k + d < 0, k - d, k + d), k)  # not a^1 b^-1 but a^1 b^3
    start = L - k - m
    t = np.arange(L)
    sym = np.where(t < start[:, None], 0, np.where(t < (start + k)[:, None], 1, 2))  # (n, L): 0 _, 1 a, 2 b
    rows = np.flatnonzero(swap)
    i = start[rows] + (rng.random(len(rows)) * k[rows]).astype(int)  # an a ...
    j = start[rows] + k[rows] + (rng.random(len(rows)) * m[rows]).astype(int)  # ... trades places with a b
    sym[rows, i], sym[rows, j] = 2, 1
    count = ((sym == 1).astype(np.float64) - (sym == 2)).cumsum(1)
    return Task("anbn", np.eye(3, dtype=np.float32)[sym], y, "classify", ("reject", "accept"),
                {"running count": count, "seen b": (np.cumsum(sym == 2, 1) > 0).astype(np.float64)},
                f"Strings of a and b, left-padded with _; accept a^k b^k (k = {lo}..{hi}). Negatives: near "
                "misses a^k b^(k±1 or k±2), and a^k b^k with one a and one b swapped.", ("_", "a", "b"))


TASKS: dict[str, Callable[..., Task]] = {"adding": adding, "remember": remember, "anbn": anbn,
                                         "parity": parity, "seed004": seed004}
_LABEL_NAMES = ("label", "class", "target", "y")


def from_csv(source, label_column: str | None = None, max_rows: int = 100_000, max_bytes: int = MAX_BYTES) -> Task:
    """A CSV (path or bytes) with one sequence per row and a label column -> Task.

    Every other column is one step, in order (a detected time or index column is left out). The
    label column defaults to one called label, class, target or y, else the last. Text labels, and
    whole numbers with at most 20 distinct values, are classes; other numbers are regressed. Use a
    header row when the labels are text. Known quantities: the value and its running mean.
    """
    table = load_csv(source, max_rows=max_rows, max_bytes=max_bytes)
    frame, cols = table.frame, list(table.frame.columns)
    if label_column is None:
        label_column = next((c for c in cols if c.lower() in _LABEL_NAMES), cols[-1])
    elif label_column not in cols:
        raise InputError(f"no column {label_column!r}; the columns are {', '.join(map(repr, cols[:20]))}")
    steps = [c for c in cols if c not in (label_column, table.time_column)]
    if len(steps) < 2:
        raise InputError(f"besides the label column {label_column!r}, at least 2 step columns are needed")
    if len(frame) < 10:
        raise InputError(f"{len(frame)} rows are too few to train and test on: at least 10 sequences are needed")
    if len(frame) * len(steps) > MAX_VALUES:
        raise InputError(f"{len(frame)} rows of {len(steps)} steps are too many: at most {MAX_VALUES:,} values")
    values = frame[steps].apply(_numbers).to_numpy(np.float64)  # (n, T)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        raise InputError(f"row {r + 1}, column {steps[c]!r}: {str(frame[steps[c]].iloc[r])[:30]!r} is not a number; "
                         "every step of every row needs one (fill it in or drop the row)")
    raw = frame[label_column]
    if raw.isna().any():
        raise InputError(f"row {int(np.flatnonzero(raw.isna())[0]) + 1} has no label in column {label_column!r}")
    numbers = _numbers(raw)
    numeric = bool(np.isfinite(numbers).all())
    if max(np.abs(values).max(), np.abs(numbers).max() if numeric else 0) > 1e30:
        raise InputError("numbers above 1e30 do not fit in float32; rescale the file")
    whole = numeric and bool((numbers == numbers.round()).all() and (np.abs(numbers) < 2**53).all())
    if numeric and not (whole and numbers.nunique() <= 20):
        y, classes = numbers.to_numpy(np.float32)[:, None], None
    else:
        labels = numbers.astype("int64").astype(str) if whole else raw.astype(str).str.strip()
        order = sorted(labels.unique(), key=int) if whole else sorted(labels.unique())  # "2" before "10"
        classes = tuple(order)
        if not 2 <= len(classes) <= 100:
            raise InputError(f"the label column {label_column!r} has {len(classes)} classes; 2 to 100 are needed")
        y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(np.int64)
    mean = values.cumsum(1) / np.arange(1, values.shape[1] + 1)
    return Task("csv", values.astype(np.float32)[..., None], y, "regress" if classes is None else "classify",
                classes, {"value": values, "running mean": mean},
                f"{len(frame)} sequences of {len(steps)} steps from a CSV; label column {label_column!r}")


def _numbers(col: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    return pd.to_numeric(col.astype(str).str.strip(), errors="coerce")


# --- training --------------------------------------------------------------------------------

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


def _task(task: str, length: int, n_train: int, n_test: int, **changes) -> TaskConfig:
    return TaskConfig(task, length, n_train, n_test).replace(**changes)


# Each trains on one CPU thread in seconds; medians over seeds: python bench/bench_tasks.py
DEFAULTS: dict[str, TaskConfig] = {
    "adding": _task("adding", 50, 6000, 1000, hidden_size=32, epochs=20, lr=1e-2, batch_size=64),
    "remember": _task("remember", 10, 2000, 500, hidden_size=16, epochs=40, lr=1e-2, batch_size=64),
    "anbn": _task("anbn", 22, 2000, 1000, hidden_size=16, epochs=40, lr=1e-2, batch_size=64),
    "parity": _task("parity", 20, 5000, 1000, hidden_size=16, epochs=40, lr=1e-2, batch_size=64),
    # the PyTorch sentiment tutorial's recipe: hidden 64, Adam 1e-3, cross entropy
    "seed004": _task("seed004", 5, 2000, 500, hidden_size=64, epochs=40, lr=1e-3, batch_size=32),
}


def default_config(task: str, **changes) -> TaskConfig:
    """The task's default config, with changes; checked."""
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


def _split(config: TaskConfig, task: Task | None) -> tuple[Task, Task]:
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
    tr, te = _split(config, task)
    model = init_weights(SequenceModel(config.model.cell, tr.input_size, config.model.hidden_size, config.model.num_layers,
                                       output_size=tr.output_size), config.train.seed, config.model.forget_bias)
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


def evaluate_task(fit: TaskFit) -> dict:
    """Held-out metric ("mse" or "accuracy"), a constant baseline, and for classes a confusion matrix."""
    tr, te = fit.train, fit.test
    p = _predict(fit.model, te)
    out = {"task": tr.name, "n_test": len(te)}
    if te.kind == "classify":
        majority = int(np.bincount(tr.y, minlength=tr.output_size).argmax())
        k = te.output_size
        out.update(metric="accuracy", value=float(np.mean(p == te.y)),
                   baseline=float(np.mean(te.y == majority)),  # always the commonest training class
                   classes=list(te.classes),
                   confusion=np.bincount(te.y * k + p, minlength=k * k).reshape(k, k).tolist())  # [true][predicted]
    else:
        y = te.y[:, 0].astype(np.float64)
        out.update(metric="mse", value=float(np.mean((p - y) ** 2)),
                   baseline=float(np.mean((y - tr.y.mean(dtype=np.float64)) ** 2)))  # always the training mean
    if fit.longer is not None:
        N = (tr.length - 2) // 2
        right = _predict(fit.model, fit.longer) == fit.longer.y
        ks = fit.longer.X[..., 1].sum(1).round().astype(int)  # a's in each string
        out["longer"] = {"accuracy": float(right.mean()), "k": [N + 1, 2 * N], "trained_k": [1, N],
                         "length": fit.longer.length,
                         "by_k": {str(v): float(right[ks == v].mean()) for v in np.unique(ks)}}
    return out


# --- the finder ------------------------------------------------------------------------------

def _standardize(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Columns of A (N, k) -> zero mean, unit variance, float64; (k,) which were not constant; (k,)
    means and (k,) standard deviations."""
    A = A.astype(np.float64)
    mean = A.mean(0)
    A -= mean
    sd = np.sqrt((A * A).mean(0))
    ok = sd > 1e-9
    return A / np.where(ok, sd, 1.0), ok, mean, sd


def find_units(model: torch.nn.Module, task_or_X, known: dict[str, np.ndarray] | None = None, top: int = 5,
               quantities: tuple[str, ...] | None = None, max_samples: int = 256) -> list[dict]:
    """The units that track a known quantity best: list of dicts sorted by |correlation|, largest first.

    Records `model` on the first `max_samples` sequences of X (n, T, input_size) (a Task brings X and
    its known quantities), then correlates (Pearson) every unit's c, h and gates, over all (sample, t),
    with each known quantity (n, T); `quantities` keeps only some, e.g. ("c",). Keeps the `top` best
    for each known quantity. A constant unit or quantity correlates 0. Each dict has module, layer,
    direction, unit, quantity, known, correlation, and the (mean, sd) over those steps of the unit
    (unit_ref) and of the known quantity (known_ref), to draw them on one scale.
    """
    X = task_or_X.X if isinstance(task_or_X, Task) else np.asarray(task_or_X)
    known = task_or_X.known if known is None and isinstance(task_or_X, Task) else known
    if X.ndim != 3:
        raise InputError(f"X must have shape (n, T, input_size), not {X.shape}")
    if not known:
        raise InputError("pass the known quantities: a dict name -> (n, T) array, one value per sample and step")
    for name, v in known.items():
        if np.shape(v) != X.shape[:2]:
            raise InputError(f"known {name!r} has shape {np.shape(v)}; it must be (n, T) = {X.shape[:2]}, like X")
    if top < 1 or max_samples < 1:
        raise InputError("top and max_samples must be at least 1")
    X = X[:max_samples]
    n, T = X.shape[:2]
    names = list(known)
    # a trace block is (T, B, H): flatten the known ones time-major as well, so row r is the same (t, sample)
    Kz, k_ok, k_mean, k_sd = _standardize(
        np.stack([np.asarray(known[k], np.float64)[:n].T.reshape(-1) for k in names], 1))
    trace = record(model, torch.as_tensor(np.array(X), dtype=next(model.parameters()).dtype))
    scored = []  # (|r|, block, quantities, H, column, known index, r)
    for b in trace.blocks:
        qs = [q for q in b.arrays if quantities is None or q in quantities]
        if not qs:
            continue
        H = b.shape[2]
        Az, a_ok, a_mean, a_sd = _standardize(np.concatenate([b.arrays[q].reshape(T * n, H) for q in qs], 1))
        r = np.clip(Az.T @ Kz / len(Az), -1, 1) * a_ok[:, None] * k_ok[None, :]  # (Q*H, K)
        best = np.argsort(-np.abs(r), axis=0)[:top]  # (top, K): the block's best rows for each known
        scored += [(abs(r[c, j]), b, qs, H, c, j, r[c, j], (float(a_mean[c]), float(a_sd[c])))
                   for j in range(len(names)) for c in best[:, j]]
    out = []
    for j, name in enumerate(names):
        mine = sorted((s for s in scored if s[5] == j), key=lambda s: -s[0])[:top]
        out += [{"module": b.module, "layer": b.layer, "direction": b.direction, "unit": int(c % H),
                 "quantity": qs[c // H], "known": name, "correlation": float(r), "unit_ref": ref,
                 "known_ref": (float(k_mean[j]), float(k_sd[j]))} for _, b, qs, H, c, _, r, ref in mine]
    return sorted(out, key=lambda d: -abs(d["correlation"]))


def compare(config: TaskConfig, cells: tuple[str, ...] = ("lstm", "gru", "rnn"),
            max_seconds: float | None = None) -> dict[str, dict]:
    """The same task, data and seed trained with each cell: cell -> metric, value, baseline, loss
    curves, parameter count, train seconds (and for anbn the longer-length accuracy)."""
    out = {}
    for cell in cells:
        fit = fit_task(config.replace(cell=cell), max_seconds=max_seconds)
        report = evaluate_task(fit)
        out[cell] = {"metric": report["metric"], "value": report["value"], "baseline": report["baseline"],
                     "losses": fit.result.losses, "val_losses": fit.result.val_losses,
                     "parameters": count_parameters(fit.model),
                     "train_seconds": fit.result.seconds, "stopped": fit.result.stopped}
        if "longer" in report:
            out[cell]["longer"] = report["longer"]["accuracy"]
    return out


def step_correlation(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """(T, H) Pearson r, at each step t, over samples, of values (T, n, H) (a trace block's array) with
    known (n, T): how well one step's reading of a unit tells the known quantity. 0 where either is constant."""
    v = np.asarray(values, np.float64)
    k = np.asarray(known, np.float64)[: v.shape[1]].T[..., None]  # (T, n, 1)
    v, k = v - v.mean(1, keepdims=True), k - k.mean(1, keepdims=True)
    den = np.sqrt((v * v).sum(1) * (k * k).sum(1))  # (T, H)
    ok = den > 1e-12
    return np.where(ok, (v * k).sum(1) / np.where(ok, den, 1.0), 0.0)
