"""What runs on a Dask worker: one training run with live progress out and stop in.

Progress goes out through the scheduler's metadata, one entry per run (the whole curve so far, at most
every `interval` seconds, only when it changed), so any number of watchers on any app server read one
small value. (A `distributed.Variable` would do the same, but reading one that is not set yet raises on
the scheduler and logs a traceback per poll; metadata reads take a default.) Stop comes in through a `distributed.Event` per run: a helper thread long-polls it on the
scheduler, so the training loop's check is a local flag and Stop lands before the next epoch.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import LstmVizError
from . import _scheduler

__all__ = ["Call", "Outcome", "Spec", "execute", "progress_path", "stop_name"]


def progress_path(key: str) -> list[str]:
    return [_scheduler.PROGRESS, key]


def stop_name(key: str) -> str:
    return f"{key}-stop"


@dataclass(frozen=True)
class Spec:
    """One run as shipped to a worker: `fn(*args, on_epoch=..., max_seconds=..., **kwargs)`."""

    key: str  # the Dask key
    h: str  # the run hash (the key without its generation)
    gen: int
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    epochs: int = 0
    max_seconds: float | None = None
    interval: float = 0.1  # seconds between progress updates (10 per second at most)


class Call:
    """execute(spec), as a pickle: unpickling it on a worker runs the spec and gives its Outcome. The engine
    ships a run as `pickle.loads(bytes of a Call)`, so the scheduler sees only stdlib and bytes."""

    def __init__(self, spec: Spec):
        self.spec = spec

    def __reduce__(self):
        return execute, (self.spec,)


@dataclass(eq=False)
class Outcome:
    """How a run ended, as the worker saw it. `value` is what `fn` returned (None if it failed)."""

    value: Any
    error: str | None
    stopped: bool  # stopped by hand (the owner's Stop), not by the time limit or convergence
    losses: list[float]
    val_losses: list[float]
    seconds: float  # wall time of `fn` on the worker
    attempt: int  # 2 when a worker died and the run was trained again
    worker: str
    stop_epoch: int | None = None  # epochs finished when the owner's Stop reached the worker


class _Liaison(threading.Thread):
    """Publishes progress and watches the stop Event until the run ends."""

    def __init__(self, spec: Spec, client, state: dict, lock: threading.Lock):
        super().__init__(name="lstmviz-liaison", daemon=True)
        from distributed import Event
        self.spec, self.state, self.lock, self.client = spec, state, lock, client
        self.stop = Event(stop_name(spec.key), client=client)
        self.halt = threading.Event()  # the owner asked to stop
        self.stop_epoch: int | None = None
        self.finished = threading.Event()

    def run(self):
        last = None
        while not self.finished.is_set():
            try:
                if self.halt.is_set():
                    self.finished.wait(self.spec.interval)
                elif self.stop.wait(timeout=self.spec.interval):  # returns at once when Stop is pressed
                    with self.lock:
                        self.stop_epoch = self.state["epoch"]
                    self.halt.set()
                with self.lock:
                    snap = dict(self.state, losses=list(self.state["losses"]), val=list(self.state["val"]),
                                stopping=self.halt.is_set())
                if snap != last:
                    self.client.set_metadata(progress_path(self.spec.key), snap)
                    last = snap
            except Exception:  # the scheduler went away: training goes on, its result still counts
                self.finished.wait(self.spec.interval)


def _previous_attempt(client, key: str) -> int:
    """0, or the attempt a worker that died under this run had reached (its progress is still there)."""
    try:
        return int((client.get_metadata(progress_path(key), default=None) or {}).get("attempt", 0))
    except Exception:
        return 0


def _retired(client, spec: Spec) -> bool:
    """Whether this run's key was retired (stopped by hand, or failed) before this attempt began; Dask
    runs a task again when the worker holding its result dies, and that must not train a stopped run."""
    try:
        return (client.get_metadata([_scheduler.META, spec.h], default=None) or {}).get("gen", spec.gen) != spec.gen
    except Exception:
        return False


def execute(spec: Spec) -> Outcome:
    """Run `spec.fn` on this worker; failures are returned in the Outcome, never raised."""
    import torch
    from distributed import get_client, get_worker

    if torch.get_num_threads() != 1:  # several runs share the machine's cores: one thread each
        torch.set_num_threads(1)
    client = get_client()
    lock = threading.Lock()
    state = {"epoch": 0, "epochs": spec.epochs, "losses": [], "val": [], "elapsed": 0.0, "started": time.time(),
             "worker": get_worker().address, "pid": os.getpid()}
    state["attempt"] = _previous_attempt(client, spec.key) + 1
    liaison = _Liaison(spec, client, state, lock)
    liaison.start()
    stopped: list[int] = []

    def on_epoch(e) -> bool:
        with lock:
            state["losses"].append(float(e.train_loss))
            if e.val_loss is not None:
                state["val"].append(float(e.val_loss))
            state["epoch"], state["elapsed"] = e.epoch, e.elapsed
        if liaison.halt.is_set():
            stopped.append(e.epoch)  # the fn stops here: this run ended by hand
            return True
        return False

    value, error = None, None
    t0 = time.perf_counter()
    try:
        if not (liaison.stop.is_set() or _retired(client, spec)):  # stopped while it waited: nothing to train
            value = spec.fn(*spec.args, on_epoch=on_epoch, max_seconds=spec.max_seconds, **spec.kwargs)
        else:
            liaison.stop_epoch = 0
            stopped.append(0)
    except LstmVizError as e:
        error = str(e)
    except Exception as e:  # a bug: the page says so in one line, never a traceback
        error = f"internal error: {type(e).__name__}: {e}"
    finally:
        seconds = time.perf_counter() - t0
        liaison.finished.set()
        liaison.join(timeout=5)
    try:
        # stopped by hand or failed: never shared again, the next request trains anew
        client.run_on_scheduler(_scheduler.finish, spec.key, spec.h, spec.gen, bool(stopped or error))
        if stopped:
            liaison.stop.clear()
    except Exception:
        pass  # bookkeeping only; the Outcome below carries everything the watchers need
    with lock:
        return Outcome(value, error, bool(stopped), list(state["losses"]), list(state["val"]), seconds,
                       state["attempt"], get_worker().address, liaison.stop_epoch)
