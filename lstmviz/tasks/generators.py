"""Sequence tasks with a known answer inside (a counter, a flag, a remembered value): a Task per generator.

A Task holds X (n, T, input_size) float32, axis 1 is time; y (n, 1) float32 to regress or (n,) int64
classes; and `known`: name -> (n, T) float64, what a solution has to carry along at each step.
Generators draw from a private numpy Generator seeded by `seed`, never from global random state.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InputError

__all__ = ["Task", "TASKS", "ALIASES", "LENGTHS", "task_name", "adding", "remember", "anbn", "parity", "rise_fall"]

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


def rise_fall(n: int = 1000, length: int = 5, seed: int = 0) -> Task:
    """A PyTorch sentiment tutorial's shape (short numeric sequences, 2 classes), with a label that can be
    learned (the tutorial's are random): did the sequence rise overall?"""
    rng = _rng(n, length, seed, 2)
    y = _balanced(rng, n)
    x = rng.standard_normal((n, length))
    wrong = (x[:, -1] > x[:, 0]) != (y == 1)
    x[wrong, 0], x[wrong, -1] = x[wrong, -1], x[wrong, 0]  # swapping the ends keeps x ~ randn given y
    x = x.astype(np.float32)
    return Task("rise_fall", x[..., None], y, "classify", ("falls", "rises"),
                {"first value": np.repeat(x[:, :1].astype(np.float64), length, 1),
                 "change since start": (x - x[:, :1]).astype(np.float64)},
                "Each step is from N(0,1); the label is 'rises' when the last value is above the first. "
                "Shape and recipe (64 units, Adam at 0.001, cross-entropy) follow a popular PyTorch "
                "sentiment-classifier tutorial, whose labels were random.")


def anbn(n: int = 1000, length: int = 22, seed: int = 0, longer: bool = False,
         k_range: tuple[int, int] | None = None) -> Task:
    """Accept a^k b^k, reject near misses: one-hot strings left-padded with "_" to `length` steps.

    Left padding makes every string end at the last step, where the head reads. k is 1..N with
    N = (length - 2) // 2, so the longest near miss a^N b^(N+2) fits. Half are positives; of the
    negatives, 3 in 4 are a^k b^m with m = k-2, k-1, k+1 or k+2 (only counting tells them apart) and
    1 in 4 are a^k b^k with one a and one b swapped (the counts agree, the order does not).
    longer=True: k is N+1..2N instead, padded to 4N + 2 steps: lengths never trained on.
    k_range=(lo, hi): k is lo..hi instead, padded to `length` steps (at least 2 hi + 2): any lengths, e.g. to
    score a model on n = 91..100 with as much padding as it saw in training.
    """
    rng = _rng(n, length, seed, 4, 6 if longer else 3)
    N = (length - 2) // 2
    lo, hi, L = (N + 1, 2 * N, 4 * N + 2) if longer else (1, N, length)
    if k_range is not None:
        lo, hi = k_range
        if not 1 <= lo <= hi or 2 * hi + 2 > length:
            raise InputError(f"k_range must be (lo, hi) with 1 <= lo <= hi and 2 hi + 2 <= length ({length}), "
                             f"not {k_range}")
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
                                         "parity": parity, "rise_fall": rise_fall}
# old names that links and scripts may still use -> the task's name
ALIASES = {"seed004": "rise_fall"}
# the sequence lengths the page offers each task: long enough to need memory, short enough to train in seconds
LENGTHS = {"adding": (10, 200), "remember": (2, 100), "anbn": (6, 62), "parity": (2, 64), "rise_fall": (2, 50)}


def task_name(name: str) -> str:
    """A task's name, from it or from an old alias ("seed004" is "rise_fall")."""
    return ALIASES.get(name, name)
