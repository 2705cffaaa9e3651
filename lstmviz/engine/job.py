"""A Job on the engine: what the pages hold for a run trained on Dask, with the thread Job's interface
(done, wait, result, error, progress, stop, reusable, memo) plus its place in the queue.

The handle is made at once and submits in a background thread, so a page never blocks on a cluster
that is still starting or on a scheduler that cannot be reached: those become `waiting_text` and,
in the end, `error` (one line, shown with st.error like any failed run).
"""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Generic, TypeVar

from ..errors import EngineUnavailable, LstmVizError
from ..jobs import Job, Memo, Progress

if TYPE_CHECKING:
    from .core import Engine
    from .run import Run

__all__ = ["EngineJob"]

T = TypeVar("T")


class EngineJob(Generic[T]):
    """`job.work` submitted to `engine` under `job.key` on behalf of `job.owner`."""

    def __init__(self, engine: "Engine", job: Job[T]):
        self.key, self.epochs, self.max_seconds = job.key, job.epochs, job.max_seconds
        self.trained = True
        self.started = time.time()
        self._owner = job.owner
        self._engine = engine
        self._run: Run[T] | None = None
        self._error: str | None = None
        self._stop = threading.Event()
        self._submitted = threading.Event()
        self._memo = Memo()
        self._thread = threading.Thread(target=self._submit, args=(job.work,), name="lstmviz-submit", daemon=True)
        self._thread.start()

    def _submit(self, work) -> None:
        try:
            run = self._engine.submit(self.key, work, owner=self._owner, epochs=self.epochs,
                                      max_seconds=self.max_seconds)
        except LstmVizError as e:
            self._error = str(e)
        except Exception as e:  # a bug: say so in the page, never a traceback
            self._error = f"internal error: {type(e).__name__}: {e}"
        else:
            self._run = run
            if self._stop.is_set():  # Stop pressed while it was being submitted
                self._stop_run(self._owner)
        finally:
            self._submitted.set()

    def start(self) -> "EngineJob[T]":
        return self

    def memo(self, key, make):
        """As Job.memo: what views derive from the finished run, kept in this process."""
        return self._memo.get(key, make)

    @property
    def owner(self) -> str | None:
        """Who may stop it: the session that started it, on whichever app server (the scheduler knows)."""
        return self._run.owner if self._run is not None else self._owner

    @property
    def run(self) -> "Run[T] | None":
        return self._run

    # --- ending ---
    def wait(self, timeout: float | None = None) -> bool:
        t0 = time.monotonic()
        if not self._submitted.wait(timeout):
            return False
        if self._run is None:
            return True  # submitting failed: that is its end
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - t0))
        return self._run.wait(left)

    @property
    def done(self) -> bool:
        if not self._submitted.is_set():
            return False
        return self._run is None or self._run.done

    @property
    def result(self) -> T | None:
        return self._run.result if self._run is not None else None

    @property
    def error(self) -> str | None:
        if self._error is not None:
            return self._error
        return self._run.error if self._run is not None else None

    # --- stopping ---
    def stop(self, by: str | None = None) -> bool:
        """Stop the run if `by` is its owner (it lands before the next epoch); anyone else just stops watching."""
        if self.owner is not None and by != self.owner:
            return False
        self._stop.set()
        if self._run is not None:
            self._stop_run(by if by is not None else self.owner)
        return True

    def _stop_run(self, by) -> None:
        try:
            self._run.stop(by)
        except EngineUnavailable as e:
            self._error = self._error or str(e)

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set() or (self._run is not None and self._run.stop_requested)

    @property
    def reusable(self) -> bool:
        return not self.stop_requested and self.error is None

    # --- watching ---
    def progress(self):
        if self._run is None:
            return Progress(0, self.epochs, [], [], 0.0)
        return self._run.progress()

    def place(self):
        """Where the run waits for a worker (lstmviz.engine.Place), or None once it runs."""
        if self._run is None or self.done:
            return None
        try:
            return self._run.place()
        except EngineUnavailable:
            return None

    @property
    def waiting_text(self) -> str | None:
        """What the run waits for, in words, or None once it trains."""
        if not self._submitted.is_set():
            return ("waiting for the training engine to start" if not self._engine.healthy
                    else "sending the run to the training engine")
        place = self.place()
        if place is not None:
            return place.text
        if self._run is not None and not self.done and self._run.progress().epoch == 0:
            return "starting on a worker"
        return None
