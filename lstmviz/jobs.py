"""Runs shared by key: a Job[T] gives back its workload's typed result (a ForecastRun, a TaskRun, a
text run), so a page rerun never kills or repeats a run. Where they train is the Registry's backend:
the Dask engine (lstmviz/engine, the default: worker processes, queued, shared across app servers) or
threads in this process (LSTMVIZ_BACKEND=threads). The pages see one interface either way.

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
from typing import Any, Callable, Generic, TypeVar

from .errors import LstmVizError
from .train import Epoch

__all__ = ["Job", "Memo", "Registry", "Progress", "backend_from_env"]

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

    # A result sent back from a worker carries its (empty) memo: the lock cannot travel, the values need not.
    def __getstate__(self):
        return {"limit": self.limit}

    def __setstate__(self, state):
        self.__init__(state["limit"])


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

    def __init__(self, key, work: Callable[..., T], epochs: int, max_seconds: float | None = None):
        self.key, self.work, self.epochs, self.max_seconds = key, work, epochs, max_seconds
        self.result: T | None = None
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
    def finished(cls, key, make: Callable[[], T]) -> "Job[T]":
        """A job done at birth with `make()` as its result (or its error): nothing to train or start."""
        job = cls(key, lambda **_: make(), 0)
        job.trained = False
        job._run()
        return job

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

    def stop(self, by: str | None = None) -> bool:
        """Stop the run (before its next epoch) if `by` may: its owner, or anyone when it has none."""
        if self.owner is not None and by is not None and by != self.owner:
            return False
        self._stop.set()
        return True

    def place(self):
        """Where the job waits for a worker: threads never wait."""
        return None

    waiting_text: str | None = None  # a thread starts at once

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


def _warm_optimizer() -> None:
    import torch._dynamo  # noqa: F401


class Registry:
    """Jobs by key, at most `size` kept (least recently used finished jobs are dropped first). With an
    `engine` (lstmviz.engine.Engine) each job's work trains there; without one, in a thread here."""

    def __init__(self, size: int = 96, engine=None):
        self.size, self.engine = size, engine
        self._jobs: OrderedDict[tuple, Job] = OrderedDict()
        self._lock = threading.Lock()
        self.started = 0  # runs this registry started: a shared key that is reused does not count
        if engine is None:  # runs train here: the first optimizer imports torch._dynamo (~2.5 s), so pay
            # that in the background now, not while the first student watches an empty loss curve. With an
            # engine the workers pay it (engine/plugin.py), and the page process never needs it.
            threading.Thread(target=_warm_optimizer, name="lstmviz-warm", daemon=True).start()

    def get(self, key) -> Job | None:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
            return job

    def start_job(self, key, make: Callable[[], Job[T]], owner: str | None = None) -> Job[T]:
        """The job for `key`: an existing reusable one, or `make()` started on behalf of `owner`."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.reusable:
                self._jobs.move_to_end(key)
                return job
            job = make()
            job.owner = owner
            if self.engine is not None:
                from .engine.job import EngineJob
                job = EngineJob(self.engine, job)
            self._jobs[key] = job
            self.started += 1
            while len(self._jobs) > self.size:
                oldest = next((k for k, j in self._jobs.items() if j.done), None)
                if oldest is None:
                    break
                del self._jobs[oldest]
        return job.start()


def backend_from_env(environ=None, start: bool = True):
    """The Registry's engine as LSTMVIZ_BACKEND says: "dask" (the default) an Engine (embedded, or
    LSTMVIZ_SCHEDULER's), started in the background unless `start` is False (then at its first use, or
    `engine.start()`); "threads" None, training in this process."""
    import os
    from .errors import InputError
    raw = (os.environ if environ is None else environ).get("LSTMVIZ_BACKEND", "").strip().lower() or "dask"
    if raw == "threads":
        return None
    if raw != "dask":
        raise InputError(f"LSTMVIZ_BACKEND={raw!r}: use dask (the default) or threads")
    from .engine import Engine
    return Engine(start=start)
