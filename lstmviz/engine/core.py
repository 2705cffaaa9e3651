"""The engine: training runs as Dask tasks, keyed by (data, config), shared by every client of one scheduler.

By default it starts an embedded `distributed.LocalCluster` (worker processes, one torch thread each)
in the background, so importing this and building an Engine costs nothing the page waits for.
`LSTMVIZ_SCHEDULER=tcp://host:8786` connects to an existing scheduler instead.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict, deque
from typing import Any, Callable, TypeVar

from ..errors import EngineUnavailable, InputError
from ..limits import Limits
from . import _scheduler
from .keys import run_hash
from .run import Place, Run
from .worker import Call, Spec, stop_name

__all__ = ["Engine", "run_hash"]

T = TypeVar("T")
CALL_SECONDS = 30.0  # no call to the scheduler waits longer than this (a loaded 2-core machine took 17 s)
CONNECT_SECONDS = 10.0  # a scheduler that does not answer a connection in this long is reported unreachable
START_SECONDS = 120.0  # a cold start on a busy 2-core machine takes ~10 s; this is the give-up point


def _workers_from_env() -> int:
    raw = os.environ.get("LSTMVIZ_WORKERS", "").strip()
    if not raw:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        n = int(raw)
    except ValueError:
        raise InputError(f"LSTMVIZ_WORKERS={raw!r} is not a whole number") from None
    if n < 1:
        raise InputError(f"LSTMVIZ_WORKERS must be at least 1, not {raw}")
    return n


class Engine:
    """Runs on Dask. `scheduler=None` reads LSTMVIZ_SCHEDULER; unset, an embedded cluster of `workers`
    processes (default LSTMVIZ_WORKERS, else one per core) starts in the background."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, limits: Limits | None = None,
                 size: int = 96, start: bool = True, connect_seconds: float = CONNECT_SECONDS):
        self.address = (scheduler if scheduler is not None else os.environ.get("LSTMVIZ_SCHEDULER", "")).strip() or None
        self.embedded = self.address is None
        self.n_workers = workers if workers is not None else _workers_from_env()
        self.limits = limits or Limits.from_env()
        self.size, self.connect_seconds = size, connect_seconds
        self._lock = threading.RLock()
        self._runs: OrderedDict[str, Run] = OrderedDict()  # run hash -> its current run in this process
        self._durations: deque[float] = deque(maxlen=20)
        self._client = self._cluster = None
        self._ready = threading.Event()
        self._settled = threading.Event()  # no start under way (set: the last one ended, well or not)
        self._settled.set()
        self._starting: threading.Thread | None = None
        self._restarting = False  # closing the old cluster: start() waits for that
        self._start_error: str | None = None
        self.restarts = 0
        self.started_seconds: float | None = None  # how long the last start took
        if start:
            self.start()

    # --- the cluster ---
    def start(self) -> None:
        """Connect (or start the embedded cluster) in the background; `ready()` waits for it."""
        with self._lock:
            if self._restarting or self._starting is not None and self._starting.is_alive() or self._ready.is_set():
                return
            self._start_error = None
            self._settled.clear()
            self._starting = threading.Thread(target=self._start, name="lstmviz-engine-start", daemon=True)
            self._starting.start()

    def _start(self) -> None:
        t0 = time.perf_counter()
        try:
            import dask
            from distributed import Client, LocalCluster
            from .plugin import WarmUp
            if self.embedded:
                # Exact queue places need one task per worker thread at a time; a worker that dies under
                # a run gets it retried once, the second death is a failure the page reports. The workers'
                # sampling profiler took ~15% of an airline fit's time (bench/bench_engine.py): off.
                with dask.config.set({"distributed.scheduler.worker-saturation": 1.0,
                                      "distributed.scheduler.allowed-failures": 1,
                                      "distributed.worker.profile.enabled": False}):
                    cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", scheduler_port=0, dashboard_address=":0",
                                           silence_logs=logging.ERROR)
                address = cluster.scheduler_address
            else:
                cluster, address = None, self.address
            client = Client(address, timeout=self.connect_seconds, set_as_default=False)
            client.register_plugin(WarmUp())
            with self._lock:
                self._cluster, self._client = cluster, client
                self.started_seconds = time.perf_counter() - t0
                self._ready.set()
        except Exception as e:
            what = "the embedded training engine did not start" if self.embedded else \
                f"the Dask scheduler at {self.address} cannot be reached (LSTMVIZ_SCHEDULER)"
            self._start_error = f"{what}: {type(e).__name__}: {e}".splitlines()[0]
        finally:
            self._settled.set()

    def ready(self, timeout: float | None = None) -> bool:
        """Whether the engine is connected, waiting up to `timeout` seconds for a start under way."""
        self._settled.wait(timeout)
        return self._ready.is_set()

    @property
    def healthy(self) -> bool:
        client = self._client
        return self._ready.is_set() and client is not None and client.status == "running"

    @property
    def lost_text(self) -> str:
        if self.embedded:
            return "the training engine stopped and is restarting; start the run again in a few seconds"
        return f"the Dask scheduler at {self.address} cannot be reached; start the run again once it is back"

    def client(self, timeout: float = START_SECONDS):
        """The connected Client, or EngineUnavailable (and, when embedded, a restart under way)."""
        if not self._ready.is_set():
            self.start()  # after a failed start, each request tries again (no-op while one is under way)
            if not self.ready(timeout):
                raise EngineUnavailable(self._start_error or "the training engine is still starting; try again")
        if not self.healthy:
            self._lost()
        return self._client

    def _lost(self, why: str = "") -> None:
        if self.embedded:
            self.restart()
        raise EngineUnavailable(self.lost_text + (f" ({why})" if why else ""))

    def restart(self) -> None:
        """Drop the client (and the embedded cluster) and start again in the background."""
        with self._lock:
            if not self._ready.is_set():
                return  # a start (or restart) is already under way
            self._ready.clear()
            self._settled.clear()  # ready() waits through the close and the new start
            self._restarting = True
            client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
            self.restarts += 1
            for run in list(self._runs.values()):
                if not (run.outcome is not None or run.error):  # fetched results stay; the rest are lost
                    run._fail(self.lost_text)
            self._runs.clear()

        def close_then_start():
            for thing in (client, cluster):
                try:
                    if thing is not None:
                        thing.close(timeout=CALL_SECONDS)
                except Exception:
                    pass  # it is already gone; what matters is the new one
            with self._lock:
                self._starting, self._restarting = None, False
            self.start()

        threading.Thread(target=close_then_start, name="lstmviz-engine-restart", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
            self._ready.clear()
        for thing in (client, cluster):
            try:
                if thing is not None:
                    thing.close(timeout=CALL_SECONDS)
            except Exception:
                pass

    def _call(self, coro_fn, *args, timeout: float = CALL_SECONDS, **kwargs):
        """A scheduler call that gives up after `timeout` seconds with EngineUnavailable."""
        client = self.client()
        try:
            return client.sync(coro_fn, *args, callback_timeout=timeout, **kwargs)
        except (OSError, TimeoutError) as e:
            if isinstance(e, TimeoutError) and self.healthy:  # slow, not gone: no restart, runs go on
                raise EngineUnavailable(f"the training engine did not answer within {timeout:.0f} s (the machine "
                                        "is very busy); try again in a moment") from None
            self._lost(type(e).__name__)

    def on_scheduler(self, fn, *args):
        """`fn(*args)` run atomically in the scheduler's event loop."""
        client = self.client()
        return self._call(client._run_on_scheduler, fn, *args)

    def metadata(self, path: list[str]) -> Any | None:
        """The scheduler's metadata at `path`, or None."""
        client = self.client()
        return self._call(client.scheduler.get_metadata, keys=path, default=None)

    @property
    def workers(self) -> int:
        """Worker threads the scheduler has now (0 while starting)."""
        client = self._client
        if not self.healthy:
            return 0
        return sum(w.get("nthreads", 1) for w in client.scheduler_info(n_workers=-1)["workers"].values())

    # --- runs ---
    def get(self, key: Any) -> Run | None:
        """This process's current run for `key`, if any."""
        with self._lock:
            return self._runs.get(run_hash(key))

    def submit(self, key: Any, fn: Callable[..., T], *args, owner: str | None = None, epochs: int = 0,
               max_seconds: float | None = None, **kwargs) -> Run[T]:
        """The run for `key`: the one already live on the scheduler (from any client), or a new one of
        `fn(*args, on_epoch=..., max_seconds=..., **kwargs)` on a worker, started on behalf of `owner`.

        Raises InputError when `owner` already has `limits.queued_per_session` runs waiting, and
        EngineUnavailable when the scheduler cannot be reached."""
        h = run_hash(key)
        with self._lock:
            run = self._runs.get(h)
            if run is not None and run.reusable:
                self._runs.move_to_end(h)
                return run
        waiting = self._waiting(owner)
        if owner is not None and waiting >= self.limits.queued_per_session:
            raise InputError(f"you already have {waiting} training runs waiting for a free worker, the most one "
                             f"session may have here (LSTMVIZ_MAX_QUEUED); wait for one to start, or stop one")
        dask_key, gen, first = self.on_scheduler(_scheduler.admit, h, owner)
        from dask._task_spec import Task
        client = self.client()
        spec = Spec(dask_key, h, gen, fn, tuple(args), dict(kwargs), int(epochs),
                    self.limits.train_seconds if max_seconds is None else max_seconds)
        # A data producer is queued on the scheduler (not pushed to a busy worker), in priority order:
        # that is what makes "runs ahead of yours" exact. A session's second waiting run yields to others' first.
        # The task is `pickle.loads(bytes)`, the bytes a call of execute(spec): the scheduler unpickles graphs,
        # and the spec in the graph made it import lstmviz and torch (16 s of a busy scheduler's event loop,
        # measured) and need the project installed. As bytes, the stock scheduler only moves them.
        import pickle
        import cloudpickle
        task = Task(dask_key, pickle.loads, cloudpickle.dumps(Call(spec)), _data_producer=True)
        future = client.get({dask_key: task}, dask_key, sync=False, priority=-waiting, fifo_timeout=0)
        self._until_known(dask_key)
        with self._lock:
            run = self._runs.get(h)
            if run is not None and run.dask_key == dask_key and run.reusable:
                return run  # another session of this server got there first: the same task
            run = Run(self, key, h, gen, dask_key, future, first, int(epochs))
            self._runs[h] = run
            self._evict()
        return run

    def _until_known(self, dask_key: str) -> None:
        """Wait (a few ms) until the scheduler has the task: the graph goes by another channel than calls,
        and a place asked for before it lands would be wrong."""
        end = time.monotonic() + CALL_SECONDS
        while self.on_scheduler(_scheduler.view, [dask_key])["runs"][dask_key][0] == "forgotten":
            if time.monotonic() > end:
                self._lost("the scheduler did not take the run")
            time.sleep(0.005)

    def _waiting(self, owner: str | None) -> int:
        """How many of `owner`'s runs (started from this process) wait for a worker."""
        with self._lock:
            mine = [r for r in self._runs.values() if r.owner == owner and r.owner is not None
                    and r.outcome is None and r.error is None and not r._running]
        if not mine:
            return 0
        states = self.on_scheduler(_scheduler.view, [r.dask_key for r in mine])["runs"]
        return sum(1 for r in mine if states[r.dask_key][0] in ("queued", "no-worker"))

    def place(self, run: Run) -> Place | None:
        view = self.on_scheduler(_scheduler.view, [run.dask_key])
        state, ahead = view["runs"][run.dask_key]
        if state not in ("queued", "no-worker"):
            return None
        threads = max(1, view["threads"])
        mean = self.mean_seconds or self._projected_seconds()
        return Place(ahead, view["threads"], None if mean is None else mean * (ahead // threads + 1))

    @property
    def mean_seconds(self) -> float | None:
        """Mean wall time of the last runs this process saw end (the queue estimate's unit)."""
        with self._lock:
            return sum(self._durations) / len(self._durations) if self._durations else None

    def _projected_seconds(self) -> float | None:
        """Before any run has ended here: the mean full length of the runs training now, from their pace
        (capped by the time limit), so the first students in a queue get an estimate too."""
        with self._lock:
            live = [r._progress for r in self._runs.values() if r.outcome is None and r._progress.epoch]
        if not live:
            return None
        full = [min(p.elapsed / p.epoch * p.epochs, self.limits.train_seconds) for p in live]
        return sum(full) / len(full)

    def stop(self, run: Run) -> None:
        """Set the run's stop Event (the worker sees it before its next epoch) and retire its key."""
        client = self.client()
        self._call(client.scheduler.event_set, name=stop_name(run.dask_key))
        self.on_scheduler(_scheduler.retire, run.h, run.gen)

    def _finished(self, run: Run) -> None:
        out = run.outcome
        if out is not None and out.error is None and not out.stopped:
            with self._lock:
                self._durations.append(out.seconds)

    def _evict(self) -> None:
        while len(self._runs) > self.size:
            h = next((h for h, r in self._runs.items() if r.outcome is not None or r.error), None)
            if h is None:
                return
            run = self._runs.pop(h)
            run._future.release()  # the scheduler may forget it once no server holds it
