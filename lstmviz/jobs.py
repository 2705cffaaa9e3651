"""Runs in background threads, shared by key: a Job[T] gives back its workload's typed result (a
ForecastRun, a TaskRun, a text run), so a page rerun never kills or repeats a run.

A Registry maps (data hash, config) to a Job. A page (any session) that asks for the same key gets
the same job: still running, it can watch the live curve; finished, it gets the result at once. Only
the session that started a run may stop it; a run stopped by hand is never handed out again. Stopping,
divergence and errors are results, never exceptions in the page.

    job = registry.start_job(key, lambda: Job(key, partial(run_task, config), config.train.epochs))
    job.wait(); job.result.report.value
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

import numpy as np
import torch
import torch._dynamo  # noqa: F401  the first optimizer imports it (~2.5 s): pay that when the server starts,
# not while the first student watches an empty loss curve

from .data import Series
from .errors import LstmVizError
from .forecast import Fitted, ForecastConfig, Report, build_model, evaluate, fit, prepare, resolve
from .record import Trace, record
from .train import Epoch

__all__ = ["Job", "FunctionJob", "Memo", "ForecastRun", "forecast_job", "loaded_job", "Registry", "Progress"]

T = TypeVar("T")
MEMO_BYTES = 128 * 1024 * 1024  # per job: a whole-series trace can reach ~60 MB


def _nbytes(value) -> int:
    """Rough memory of a memoised value: arrays and traces by their bytes, tuples summed."""
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return int(getattr(value, "nbytes", 0) or 0)


class Memo:
    """Values computed once per key, the least recently used dropped past `limit` bytes; thread-safe."""

    def __init__(self, limit: int = MEMO_BYTES):
        self.limit = limit
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key][0]
        value = make()
        size = _nbytes(value)
        with self._lock:
            self._values[key] = (value, size)
            while len(self._values) > 1 and sum(n for _, n in self._values.values()) > self.limit:
                self._values.popitem(last=False)
        return value


class Progress:
    """A consistent copy of a job's progress for drawing."""

    def __init__(self, epoch, epochs, losses, val_losses, elapsed):
        self.epoch, self.epochs, self.losses, self.val_losses, self.elapsed = epoch, epochs, losses, val_losses, elapsed

    @property
    def eta(self) -> float | None:
        """Seconds left, from the pace so far."""
        return self.elapsed / self.epoch * (self.epochs - self.epoch) if self.epoch else None


class Job(Generic[T]):
    """`work(on_epoch=..., max_seconds=...) -> T` in a background thread: progress per epoch, stop, wait;
    its return value is `result`, an error is `error` text (and `result` stays None)."""

    def __init__(self, key, work: Callable[..., T], epochs: int, max_seconds: float | None = None,
                 result_type: type | None = None):
        self.key, self.work, self.epochs, self.max_seconds = key, work, epochs, max_seconds
        self.result: T | None = None
        self.result_type = result_type  # what `result` will be: names a page may read on the job itself
        self.trained = True  # False: the result was built without training (uploaded weights)
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
        self._memo = Memo()

    @classmethod
    def finished(cls, key, make: Callable[[], T], result_type: type | None = None) -> "Job[T]":
        """A job done at birth with `make()` as its result (or its error): nothing to train or start."""
        job = cls(key, lambda **_: make(), 0, result_type=result_type)
        job.trained = False
        job._run()
        return job

    def __getattr__(self, name: str):
        # A job reads as its result (job.report is job.result.report), for pages written before results
        # were typed; a name of the result type is None while there is no result (running, or failed).
        if name.startswith("_") or name in ("result", "result_type"):
            raise AttributeError(name)
        result = self.__dict__.get("result")
        if result is not None:
            return getattr(result, name)
        kind = self.__dict__.get("result_type")
        if kind is not None and (name in getattr(kind, "__dataclass_fields__", {}) or hasattr(kind, name)):
            return None
        raise AttributeError(name)

    def start(self) -> "Job[T]":
        if not self._done.is_set() and not self._thread.is_alive():
            self._thread.start()
        return self

    def memo(self, key, make: Callable[[], Any]) -> Any:
        """`make()`, computed once per key and kept (least recently used dropped past MEMO_BYTES).

        Views keep what they derive from a finished job here (traces, finder results): shared by
        every session, safe to call from many threads at once.
        """
        return self._memo.get(key, make)

    def _on_epoch(self, e: Epoch) -> bool:
        with self._lock:
            self._losses.append(e.train_loss)
            if e.val_loss is not None:
                self._val.append(e.val_loss)
            self._elapsed = e.elapsed
        return self._stop.is_set()

    def _run(self):
        try:
            self.result = self.work(on_epoch=self._on_epoch, max_seconds=self.max_seconds)
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


FunctionJob = Job  # the name pages used before jobs were generic: Job(key, fn, epochs, max_seconds)


@dataclass(eq=False)
class ForecastRun:
    """A finished forecasting run: the fit, its report, and the model at each snapshot, recorded on demand.

    An ensemble trains its members as one batched run; snapshots, `model_at` and `trace` are those of
    member 1 (`fitted.member_label` says which), recorded through its own nn.LSTM."""

    fitted: Fitted
    report: Report
    label: str | None = None  # uploaded weights: the file's name
    _models: dict[int, torch.nn.Module] = field(default_factory=dict, repr=False)
    _traces: Memo = field(default_factory=Memo, repr=False)

    @property
    def snapshot_epochs(self) -> list[int]:
        result = self.fitted.result
        return [e for e, _ in result.snapshots] if result is not None else [0]

    def model_at(self, epoch: int) -> torch.nn.Module:
        """The model with the weights snapshotted at `epoch` (the final one is the trained model)."""
        if self.fitted.result is None:  # uploaded weights: one model, at "epoch" 0
            return self.fitted.model
        if epoch not in self._models:
            states = dict(self.fitted.result.snapshots)
            if epoch not in states:
                raise LstmVizError(f"no snapshot at epoch {epoch}; there are {sorted(states)}")
            m = build_model(self.fitted.config)
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

        return self._traces.get((epoch, start, length), make)


def forecast_job(series: Series, config: ForecastConfig, horizon: int = 12,
                 max_seconds: float | None = None) -> Job[ForecastRun]:
    """A forecasting run (fit, then evaluate) as a job keyed by (series, config); not started."""
    def work(on_epoch, max_seconds):
        fitted = fit(series, config, on_epoch=on_epoch, max_seconds=max_seconds)
        return ForecastRun(fitted, evaluate(fitted, horizon))

    return Job((series.key, config), work, config.train.epochs, max_seconds, result_type=ForecastRun)


def loaded_job(series: Series, config: ForecastConfig, model: torch.nn.Module, label: str,
              horizon: int = 12) -> Job[ForecastRun]:
    """A model whose weights were uploaded: nothing to train, the same views. Private to a session;
    `job.trained` is False."""
    def make():
        resolved, choice = resolve(series, config.replace(members=1))  # uploaded weights are one model
        tf, _ = prepare(series, resolved)
        fitted = Fitted(model, tf, resolved, series, None, choice=choice)
        return ForecastRun(fitted, evaluate(fitted, horizon), label)

    return Job.finished((series.key, config, label), make, result_type=ForecastRun)


class Registry:
    """Jobs by key, at most `size` kept (least recently used finished jobs are dropped first)."""

    def __init__(self, size: int = 96):
        self.size = size
        self._jobs: OrderedDict[tuple, Job] = OrderedDict()
        self._lock = threading.Lock()
        self.started = 0  # runs this registry started: a shared key that is reused does not count

    def get(self, key) -> Job | None:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
            return job

    def start(self, series: Series, config: ForecastConfig, max_seconds: float | None = None,
              owner: str | None = None) -> Job[ForecastRun]:
        """The forecasting job for (series, config): an existing reusable one, or a new one, started."""
        return self.start_job((series.key, config), lambda: forecast_job(series, config, max_seconds=max_seconds),
                              owner)

    def start_job(self, key, make: Callable[[], Job[T]], owner: str | None = None) -> Job[T]:
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
            while len(self._jobs) > self.size:
                oldest = next((k for k, j in self._jobs.items() if j.done), None)
                if oldest is None:
                    break
                del self._jobs[oldest]
        return job.start()
