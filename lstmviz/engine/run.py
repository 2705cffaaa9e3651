"""A handle on one training run on the engine: progress, place in the queue, stop, result.

Many sessions of one app server share one Run (the engine keeps one per key), so polling is
throttled here: however many pages watch, the scheduler is asked at most `POLL` times a second.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import EngineUnavailable
from .worker import Outcome, progress_path

if TYPE_CHECKING:
    from .core import Engine

__all__ = ["Run", "Progress", "Place"]

T = TypeVar("T")
POLL = 0.1  # seconds between progress reads from the scheduler
PLACE_POLL = 1.0  # seconds between queue-place reads


@dataclass(frozen=True)
class Progress:
    """A consistent copy of a run's progress for drawing."""

    epoch: int
    epochs: int
    losses: list[float]
    val_losses: list[float]
    elapsed: float
    attempt: int = 1  # 2 after a worker died and the run started again

    @property
    def eta(self) -> float | None:
        """Seconds left, from the pace so far."""
        return self.elapsed / self.epoch * (self.epochs - self.epoch) if self.epoch else None


@dataclass(frozen=True)
class Place:
    """Where a waiting run stands: `ahead` runs start before it; `wait` is an estimate in seconds."""

    ahead: int
    workers: int
    wait: float | None

    @property
    def text(self) -> str:
        runs = "no runs" if self.ahead == 0 else "1 run" if self.ahead == 1 else f"{self.ahead} runs"
        when = f"; it should start in about {self.wait:.0f} s" if self.wait is not None else ""
        return f"waiting for a free worker: {runs} ahead of yours{when}"


class Run(Generic[T]):
    """One run: `fn`'s return value of type T once done; failures are `error` text, never exceptions."""

    def __init__(self, engine: "Engine", key: Any, h: str, gen: int, dask_key: str, future, owner: str | None,
                 epochs: int):
        self.key, self.h, self.gen, self.dask_key = key, h, gen, dask_key
        self.owner, self.epochs = owner, epochs
        self.submitted = time.time()
        self._engine, self._future = engine, future
        self._lock = threading.Lock()
        self._outcome: Outcome | None = None
        self._failure: str | None = None  # seen from outside: the workers died, the engine went away
        self._progress = Progress(0, epochs, [], [], 0.0)
        self._polled = 0.0
        self._running = False
        self._stop_sent = False
        self._place: tuple[float, Place | None] = (0.0, None)
        self._fetching = threading.Lock()

    # --- ending ---
    def wait(self, timeout: float | None = None) -> bool:
        """Whether the run ended within `timeout` seconds; its outcome is then kept in this process.

        One thread at a time asks Dask (the others wait for it): many sessions share a Run, and with
        20 sessions waiting on one Future at once distributed's sync() raised UnboundLocalError (a
        wait cancelled under it), which failed a good run for all 20 (bench_load's shared round)."""
        if self._outcome is not None or self._failure is not None:
            return True
        if not self._fetching.acquire(timeout=-1 if timeout is None else timeout):
            return self._outcome is not None or self._failure is not None
        try:
            return self._fetch(timeout)
        finally:
            self._fetching.release()

    def _fetch(self, timeout: float | None) -> bool:
        if self._outcome is not None or self._failure is not None:
            return True
        from distributed import CancelledError
        from distributed.scheduler import KilledWorker
        try:
            out = self._future.result(timeout=timeout)
        except TimeoutError:
            if not self._engine.healthy:
                self._fail(self._engine.lost_text)
                return True
            return False
        except KilledWorker as e:
            self._fail(f"training failed: the worker training this run stopped {e.allowed_failures + 1} times "
                       "(killed, or out of memory); start it again")
        except CancelledError:
            self._fail(self._engine.lost_text)
        except Exception as e:
            if self._future.status in ("pending", "finished"):  # the wait broke, not the run: ask again later
                return False
            self._fail(f"internal error: {type(e).__name__}: {e}")
        else:
            with self._lock:
                self._outcome = out
                self._progress = Progress(len(out.losses), self.epochs, out.losses, out.val_losses, out.seconds,
                                          out.attempt)
            # Kept here from now on. Holding the future too would make Dask train it again if the worker
            # holding its copy died, ahead of runs that people are waiting for.
            self._future.release()
            self._engine._finished(self)
        return True

    def _fail(self, text: str) -> None:
        with self._lock:
            if self._outcome is None and self._failure is None:
                self._failure = text
        self._engine._finished(self)

    @property
    def done(self) -> bool:
        return self._outcome is not None or self._failure is not None or (self._future.done() and self.wait(30))

    @property
    def outcome(self) -> Outcome | None:
        return self._outcome

    @property
    def result(self) -> T | None:
        """What `fn` returned (its partial result when stopped); None while running or after a failure."""
        return self._outcome.value if self._outcome is not None else None

    @property
    def error(self) -> str | None:
        return self._outcome.error if self._outcome is not None else self._failure

    @property
    def stopped(self) -> bool:
        return bool(self._outcome is not None and self._outcome.stopped)

    @property
    def stop_requested(self) -> bool:
        return self._stop_sent or self.stopped

    @property
    def reusable(self) -> bool:
        """Another request for the same key may share this run: not stopped by hand, not failed."""
        return not self.stop_requested and self.error is None

    @property
    def status(self) -> str:
        """One of "queued", "running", "stopped", "failed", "done"."""
        if self.done:
            return "failed" if self.error else "stopped" if self.stopped else "done"
        if self._running or self.progress().epoch:
            return "running"
        return "queued" if self.place() is not None else "running"

    # --- watching ---
    def progress(self) -> Progress:
        """The curve so far (read from the scheduler at most 10 times a second, shared by every watcher)."""
        now = time.monotonic()
        if self._outcome is not None or now - self._polled < POLL:
            return self._progress
        self._polled = now
        try:
            snap = self._engine.metadata(progress_path(self.dask_key))
        except EngineUnavailable:
            return self._progress
        if snap is not None:
            with self._lock:
                if self._outcome is None:
                    self._running = True
                    self._progress = Progress(snap["epoch"], snap["epochs"], snap["losses"], snap["val"],
                                              snap["elapsed"], snap["attempt"])
                    self._stop_sent = self._stop_sent or bool(snap.get("stopping"))
        return self._progress

    def place(self) -> Place | None:
        """Where this run waits for a worker, or None once it runs (or ended)."""
        if self._outcome is not None or self._failure is not None or self._running:
            return None
        at, place = self._place
        if time.monotonic() - at >= PLACE_POLL:
            place = self._engine.place(self)
            self._place = (time.monotonic(), place)
        return place

    # --- stopping ---
    def stop(self, by: str | None) -> bool:
        """Stop the run if `by` is its owner (it lands on the worker before the next epoch); whether it was sent.

        Anyone else just stops watching (drops this handle); the run goes on for the others."""
        if by != self.owner or self.done:
            return False
        self._engine.stop(self)
        self._stop_sent = True
        return True
