"""Bookkeeping that must be atomic across app servers: it runs in the scheduler's event loop
(`Client.run_on_scheduler`), so two servers asking at the same moment are served one after the other.

Pickled by value (the engine calls `cloudpickle.register_pickle_by_value` on this module), so a stock
`dask scheduler` needs nothing of lstmviz installed: keep this module free of lstmviz imports.

Per run hash `h` the scheduler's metadata holds {"gen": g, "owner": o, "at": t}: the Dask key of the
current run is `task_key(h, g)`. Retiring a run (stopped by hand, or failed) moves `gen` on, so the
next request for the same (data, config) trains anew under a new key.
"""
import sys
import time

import cloudpickle

PREFIX = "lstmviz-run-"
META = "lstmviz-runs"
PROGRESS = "lstmviz-progress"  # metadata: Dask key -> the run's curve so far, while it runs
CLAIM_SECONDS = 30.0  # a server that claimed a new key has this long to submit it before another may claim it
_WAITING = ("queued", "no-worker")


def task_key(h: str, gen: int) -> str:
    return f"{PREFIX}{h}-{gen}"


def _record(s, h: str) -> dict:
    return dict(s.get_metadata(keys=[META, h], default=None) or {"gen": 0, "owner": None, "at": 0.0})


def admit(h: str, owner, dask_scheduler=None) -> tuple[str, int, object]:
    """(Dask key, generation, owner) for a request of run `h` by `owner`.

    A live task under the current key is shared and keeps its owner; an erred one is retired; a key
    with no live task is claimed by `owner` (unless another server claimed it moments ago)."""
    s = dask_scheduler
    rec = _record(s, h)
    ts = s.tasks.get(task_key(h, rec["gen"]))
    if ts is not None and ts.state == "erred":
        rec = {"gen": rec["gen"] + 1, "owner": None, "at": 0.0}
        ts = None
    alive = ts is not None and bool(ts.who_wants)
    now = time.time()
    if not alive and (rec["owner"] is None or now - rec["at"] > CLAIM_SECONDS):
        rec["owner"], rec["at"] = owner, now
    s.set_metadata(keys=[META, h], value=rec)
    return task_key(h, rec["gen"]), rec["gen"], rec["owner"]


def retire(h: str, gen: int, dask_scheduler=None) -> int:
    """Move run `h` past generation `gen` (only once, however many callers ask); the current gen."""
    s = dask_scheduler
    rec = _record(s, h)
    if rec["gen"] == gen:
        rec = {"gen": gen + 1, "owner": None, "at": 0.0}
        s.set_metadata(keys=[META, h], value=rec)
    return rec["gen"]


def finish(key: str, h: str, gen: int, retired: bool, dask_scheduler=None) -> None:
    """A run ended on its worker: drop its progress (its Outcome has the whole curve) and, if it was
    stopped by hand or failed, retire its key."""
    dask_scheduler.task_metadata.get(PROGRESS, {}).pop(key, None)
    if retired:
        retire(h, gen, dask_scheduler=dask_scheduler)


def view(keys: list, dask_scheduler=None) -> dict:
    """For each of `keys`: its task state and how many lstmviz runs wait ahead of it (scheduler order)."""
    s = dask_scheduler
    waiting = [ts for ts in list(s.queued) + list(s.unrunnable)
               if isinstance(ts.key, str) and ts.key.startswith(PREFIX)]
    out = {}
    for k in keys:
        ts = s.tasks.get(k)
        if ts is None:
            out[k] = ("forgotten", 0)
        elif ts.state in _WAITING:
            out[k] = (ts.state, sum(1 for o in waiting if o is not ts and o.priority < ts.priority))
        else:
            out[k] = (ts.state, 0)
    running = sum(1 for ws in s.workers.values() for ts in ws.processing
                  if isinstance(ts.key, str) and ts.key.startswith(PREFIX))
    return {"runs": out, "threads": s.total_nthreads, "running": running}


cloudpickle.register_pickle_by_value(sys.modules[__name__])
