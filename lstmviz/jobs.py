"""Training runs in background threads, shared by key, so a page rerun never kills or repeats one.

A Registry maps (data hash, config) to a TrainJob. A page (any session) that asks for the same
key gets the same job: still running, it can watch the live curve; finished, it gets the result
at once. Stopping, divergence and errors are results, never exceptions in the page.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import torch
import torch._dynamo  # noqa: F401  the first optimizer imports it (~2.5 s): pay that when the server starts,
# not while the first student watches an empty loss curve

from .data import Series
from .errors import LstmVizError
from .forecast import Fitted, ForecastConfig, Report, build_model, evaluate, fit, prepare, resolve
from .record import Trace, record
from .train import Epoch

__all__ = ["Job", "TrainJob", "FunctionJob", "LoadedJob", "Registry", "Progress"]


MEMO_BYTES = 128 * 1024 * 1024  # per job: a whole-series trace can reach ~60 MB


def _nbytes(value) -> int:
    """Rough memory of a memoised value: arrays and traces by their bytes, tuples summed."""
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return int(getattr(value, "nbytes", 0) or 0)


class Progress:
    """A consistent copy of a job's progress for drawing."""

    def __init__(self, epoch, epochs, losses, val_losses, elapsed):
        self.epoch, self.epochs, self.losses, self.val_losses, self.elapsed = epoch, epochs, losses, val_losses, elapsed

    @property
    def eta(self) -> float | None:
        """Seconds left, from the pace so far."""
        return self.elapsed / self.epoch * (self.epochs - self.epoch) if self.epoch else None


class Job:
    """Training in a background thread: progress per epoch, stop, wait; errors become `error` text.

    Subclasses implement `_work()`, which trains with `self._on_epoch` as the callback and
    `self.max_seconds` as the time limit.
    """

    def __init__(self, key, epochs: int, max_seconds: float | None = None):
        self.key, self.epochs, self.max_seconds = key, epochs, max_seconds
        self.owner: str | None = None  # who started it (a browser session): only they may stop it
        self.error: str | None = None
        self.started = time.time()
        self._lock = threading.Lock()
        self._losses: list[float] = []
        self._val: list[float] = []
        self._elapsed = 0.0
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lstmviz-train", daemon=True)
        self._memo: OrderedDict = OrderedDict()
        self._memo_lock = threading.Lock()

    def start(self) -> "Job":
        self._thread.start()
        return self

    def _work(self) -> None:
        raise NotImplementedError

    def memo(self, key, make: Callable[[], Any]) -> Any:
        """`make()`, computed once per key and kept (least recently used dropped past MEMO_BYTES).

        Views keep what they derive from a finished job here (traces, finder results): shared by
        every session, safe to call from many threads at once.
        """
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key][0]
        value = make()
        size = _nbytes(value)
        with self._memo_lock:
            self._memo[key] = (value, size)
            while len(self._memo) > 1 and sum(n for _, n in self._memo.values()) > MEMO_BYTES:
                self._memo.popitem(last=False)
        return value

    def _on_epoch(self, e: Epoch) -> bool:
        with self._lock:
            self._losses.append(e.train_loss)
            if e.val_loss is not None:
                self._val.append(e.val_loss)
            self._elapsed = e.elapsed
        return self._stop.is_set()

    def _run(self):
        try:
            self._work()
        except LstmVizError as e:
            self.error = str(e)
        except Exception as e:  # a bug: say so in the page, never a traceback
            self.error = f"internal error: {type(e).__name__}: {e}"
        finally:
            self._done.set()

    # --- watching ---
    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def progress(self) -> Progress:
        with self._lock:
            return Progress(len(self._losses), self.epochs, list(self._losses), list(self._val), self._elapsed)

    @property
    def reusable(self) -> bool:
        """Another request for the same key may share this job: not stopped by hand, no error."""
        return not self._stop.is_set() and self.error is None


class FunctionJob(Job):
    """Runs `fn(on_epoch=..., max_seconds=...)` in the background; its return value is `result`."""

    def __init__(self, key, fn: Callable[..., Any], epochs: int, max_seconds: float | None = None):
        super().__init__(key, epochs, max_seconds)
        self.fn = fn
        self.result: Any = None

    def _work(self) -> None:
        self.result = self.fn(on_epoch=self._on_epoch, max_seconds=self.max_seconds)


class TrainJob(Job):
    """A forecasting run: fit, evaluate, then snapshots and recordings on demand.

    An ensemble trains its members as one batched run; snapshots, `model_at` and `trace` are those of
    member 1 (`fitted.member_label` says which), recorded through its own nn.LSTM."""

    def __init__(self, series: Series, config: ForecastConfig, horizon: int = 12, max_seconds: float | None = None):
        super().__init__((series.key, config), config.train.epochs, max_seconds)
        self.series, self.config, self.horizon = series, config, horizon
        self.fitted: Fitted | None = None
        self.report: Report | None = None
        self._models: dict[int, torch.nn.Module] = {}

    def _work(self) -> None:
        fitted = fit(self.series, self.config, on_epoch=self._on_epoch, max_seconds=self.max_seconds)
        self.report = evaluate(fitted, self.horizon)
        self.fitted = fitted

    # --- results ---
    @property
    def snapshot_epochs(self) -> list[int]:
        return [e for e, _ in self.fitted.result.snapshots] if self.fitted else []

    def model_at(self, epoch: int) -> torch.nn.Module:
        """The model with the weights snapshotted at `epoch` (the final one is the trained model)."""
        if epoch not in self._models:
            states = dict(self.fitted.result.snapshots)
            if epoch not in states:
                raise LstmVizError(f"no snapshot at epoch {epoch}; there are {sorted(states)}")
            m = build_model(self.config)
            m.load_state_dict(states[epoch])
            m.eval()
            self._models[epoch] = m
        return self._models[epoch]

    def trace(self, epoch: int, start: int, length: int) -> Trace:
        """Record the model at `epoch` on encoded values s[start:start+length] (one sequence). Cached."""
        def make():
            s = self.fitted.encoded()
            x = torch.as_tensor(np.ascontiguousarray(s[start:start + length]), dtype=torch.float32)
            return record(self.model_at(epoch), x[None, :, None])

        return self.memo(("trace", epoch, start, length), make)


class LoadedJob(TrainJob):
    """A model whose weights were uploaded: nothing to train, the same views. Private to a session."""

    def __init__(self, series: Series, config: ForecastConfig, model: torch.nn.Module, label: str,
                 horizon: int = 12):
        super().__init__(series, config, horizon)
        self.key = (series.key, config, label)
        self.label = label
        self._models[0] = model
        try:
            config, choice = resolve(series, config.replace(members=1))  # uploaded weights are one model
            tf, _ = prepare(series, config)
            self.fitted = Fitted(model, tf, config, series, None, choice=choice)
            self.report = evaluate(self.fitted, horizon)
        except LstmVizError as e:
            self.error = str(e)
        self._done.set()

    def start(self) -> "LoadedJob":
        return self

    @property
    def snapshot_epochs(self) -> list[int]:
        return [0]


class Registry:
    """Jobs by key, at most `size` kept (least recently used finished jobs are dropped first)."""

    started_total = 0  # trainings started by every registry in this process (tests count these)

    def __init__(self, size: int = 96):
        self.size = size
        self._jobs: OrderedDict[tuple, TrainJob] = OrderedDict()
        self._lock = threading.Lock()
        self.started = 0  # how many trainings were started (tests count these)

    def get(self, key) -> TrainJob | None:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
            return job

    def start(self, series: Series, config: ForecastConfig, max_seconds: float | None = None,
              owner: str | None = None) -> TrainJob:
        """The forecasting job for (series, config): an existing reusable one, or a new one, started."""
        return self.start_job((series.key, config), lambda: TrainJob(series, config, max_seconds=max_seconds), owner)

    def start_job(self, key, make: Callable[[], Job], owner: str | None = None) -> Job:
        """The job for `key`: an existing reusable one, or `make()` started on behalf of `owner`."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.reusable:
                self._jobs.move_to_end(key)
                return job
            job = make()
            job.owner = owner
            self._jobs[key] = job
            self.started += 1
            Registry.started_total += 1
            while len(self._jobs) > self.size:
                oldest = next((k for k, j in self._jobs.items() if j.done), None)
                if oldest is None:
                    break
                del self._jobs[oldest]
        return job.start()
