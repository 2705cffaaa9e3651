"""The Dask engine: sharing across clients, stop, queue places, worker death, a lost scheduler.

One LocalCluster (2 worker processes) serves the module; engines connect to it the way a second app
server would, through its address. Waits are on conditions, with generous limits for a busy machine.
"""
import os
import pickle
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch

from lstmviz import forecast, tasks, text
from lstmviz.data import builtin
from lstmviz.engine import Engine, EngineUnavailable, Place, run_hash
from lstmviz.errors import InputError
from lstmviz.forecast import ForecastConfig
from lstmviz.jobs import Job, Registry
from lstmviz.limits import Limits

LONG = 120  # seconds: the most any condition below may take on a loaded 2-core machine
SERIES = builtin("trend_season", length=80)
TINY = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4)


def tiny_fit(seed, epochs, marker=None, on_epoch=None, max_seconds=None):
    """A small forecaster; appends a line to `marker` each time it really trains (the count of trainings)."""
    if marker is not None:
        with open(marker, "a") as f:
            f.write(f"{seed}\n")
    return forecast.fit(SERIES, TINY.replace(seed=seed, epochs=epochs), on_epoch=on_epoch, max_seconds=max_seconds)


def until(condition, timeout=LONG, what="a condition"):
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def key(seed, epochs):
    return (SERIES.key, TINY.replace(seed=seed, epochs=epochs))


# --- no cluster ---
def test_run_hash_is_stable_and_tells_configs_apart():
    a, b = key(0, 10), (SERIES.key, ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4,
                                                             epochs=10))
    assert a is not b and run_hash(a) == run_hash(b)
    assert run_hash(key(1, 10)) != run_hash(a) and run_hash(key(0, 11)) != run_hash(a)
    assert run_hash(("x", np.arange(3))) != run_hash(("x", np.arange(4)))
    with pytest.raises(TypeError, match="cannot hold a object"):
        run_hash(("x", object()))


def test_limits_read_the_queue_cap():
    assert Limits.from_env({"LSTMVIZ_MAX_QUEUED": "5"}).queued_per_session == 5
    with pytest.raises(InputError, match="LSTMVIZ_MAX_QUEUED"):
        Limits.from_env({"LSTMVIZ_MAX_QUEUED": "0"})


def test_results_survive_pickling_with_their_models():
    """What a worker sends back must arrive whole: the same models give the same numbers."""
    fitted = tiny_fit(0, 5)
    report = forecast.evaluate(fitted, 6)
    task_fit = tasks.fit_task(tasks.default_config("adding").replace(n_train=40, n_test=10, length=8, epochs=2))
    text_fit = text.fit_text("abcab " * 200, text.TextConfig().replace(seq_len=10, hidden_size=8, epochs=2))
    f2, r2, t2, x2 = pickle.loads(pickle.dumps((fitted, report, task_fit, text_fit)))
    assert np.array_equal(forecast.evaluate(f2, 6).test_predictions, report.test_predictions)
    assert np.array_equal(r2.forecast, report.forecast) and r2.metrics == report.metrics
    x = torch.rand(3, 8, task_fit.train.input_size)
    assert torch.equal(t2.model(x)[0], task_fit.model(x)[0])
    assert text.bpc(x2, "abcab abcab") == text.bpc(text_fit, "abcab abcab")
    assert f2.result.snapshots[-1][0] == fitted.result.snapshots[-1][0]


def test_unreachable_scheduler_is_one_line():
    engine = Engine(scheduler="tcp://127.0.0.1:8789", connect_seconds=2)
    for _ in range(2):  # the second request tries again, and says so again
        with pytest.raises(EngineUnavailable) as e:
            engine.submit(key(0, 3), tiny_fit, 0, 3)
        assert str(e.value).startswith("the Dask scheduler at tcp://127.0.0.1:8789 cannot be reached")
        assert "\n" not in str(e.value)
    engine.close()


# --- one embedded engine, and a second "server" on its scheduler ---
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def servers():
    a = Engine(workers=2, limits=Limits(queued_per_session=3))
    assert a.ready(LONG) and a.embedded
    b = Engine(scheduler=a.client().scheduler.address, limits=Limits(queued_per_session=3))
    assert b.ready(LONG) and not b.embedded
    yield a, b
    b.close()
    a.close()


@slow
def test_two_clients_share_one_training(servers, tmp_path):
    a, b = servers
    marker = tmp_path / "trained"
    ra = a.submit(key(10, 30), tiny_fit, 10, 30, str(marker), owner="alice", epochs=30)
    rb = b.submit(key(10, 30), tiny_fit, 10, 30, str(marker), owner="bob", epochs=30)
    assert ra is not rb and ra.dask_key == rb.dask_key and rb.owner == "alice"
    assert ra.wait(LONG) and rb.wait(LONG) and ra.error is None and rb.error is None
    assert marker.read_text().split() == ["10"]  # trained once
    assert ra.result.result.losses == rb.result.result.losses and len(ra.progress().losses) == 30
    again = b.submit(key(10, 30), tiny_fit, 10, 30, str(marker), owner="carol", epochs=30)
    assert again is rb and again.wait(1) and marker.read_text().split() == ["10"]


@slow
def test_stop_lands_within_an_epoch_only_by_the_owner_and_is_not_reused(servers):
    a, b = servers
    mine = a.submit(key(11, 100_000), tiny_fit, 11, 100_000, owner="alice", epochs=100_000, max_seconds=LONG)
    theirs = b.submit(key(11, 100_000), tiny_fit, 11, 100_000, owner="bob", epochs=100_000, max_seconds=LONG)
    until(lambda: theirs.progress().epoch >= 3, what="three epochs seen from the other server")
    assert theirs.status == "running" and theirs.place() is None
    assert not theirs.stop("bob") and not theirs.stop_requested  # not bob's run
    assert mine.stop("alice")
    assert mine.wait(LONG) and theirs.wait(LONG)
    out = theirs.outcome
    assert out.stopped and mine.stopped and out.error is None and out.stop_epoch is not None
    assert len(out.losses) - out.stop_epoch <= 1  # the epoch under way when Stop arrived, no more
    assert len(out.losses) < 100_000 and theirs.result is not None  # the partial model is the result
    assert not mine.reusable and not theirs.reusable
    fresh = b.submit(key(11, 100_000), tiny_fit, 11, 100_000, owner="bob", epochs=100_000, max_seconds=LONG)
    assert fresh.dask_key != mine.dask_key and fresh.owner == "bob"  # trains anew, and bob owns it
    until(lambda: fresh.progress().epoch >= 1, what="the new run to train")
    assert fresh.stop("bob") and fresh.wait(LONG) and fresh.stopped


@slow
def test_queue_places_fairness_and_the_per_session_cap(servers):
    a, b = servers
    busy = [a.submit(key(20 + k, 100_000), tiny_fit, 20 + k, 100_000, owner=f"busy{k}", epochs=100_000,
                     max_seconds=LONG) for k in range(2)]
    until(lambda: all(r.progress().epoch >= 1 for r in busy), what="both workers busy")
    zoe = [b.submit(key(30 + k, 5), tiny_fit, 30 + k, 5, owner="zoe", epochs=5) for k in range(3)]
    places = [r.place() for r in zoe]
    assert [p.ahead for p in places] == [0, 1, 2] and all(p.workers == 2 for p in places)
    assert all(r.status == "queued" for r in zoe)
    with pytest.raises(InputError, match="3 training runs waiting.*LSTMVIZ_MAX_QUEUED"):
        b.submit(key(33, 5), tiny_fit, 33, 5, owner="zoe", epochs=5)
    # another student's first run waits behind zoe's first only, not behind all three
    yan = a.submit(key(34, 5), tiny_fit, 34, 5, owner="yan", epochs=5)
    assert isinstance(yan.place(), Place) and yan.place().ahead == 1
    assert "1 run ahead of yours" in yan.place().text
    for r in busy:
        assert r.stop(r.owner)
    for r in [*busy, *zoe, yan]:
        assert r.wait(LONG) and r.error is None
    assert b.mean_seconds is not None and b.mean_seconds > 0  # the next estimate has a unit


@slow
def test_a_killed_worker_is_retried_once_then_reported(servers):
    a, _ = servers
    run = a.submit(key(40, 100_000), tiny_fit, 40, 100_000, owner="alice", epochs=100_000, max_seconds=LONG)
    client = a.client()

    def kill_current():
        until(lambda: run.progress().epoch >= 2 and a.metadata(["lstmviz-progress", run.dask_key]), what="a running run")
        pid = a.metadata(["lstmviz-progress", run.dask_key])["pid"]
        os.kill(pid, signal.SIGKILL)
        return pid

    first = kill_current()
    until(lambda: run.progress().attempt == 2 and run.progress().epoch >= 2, what="the retry on another worker")
    assert a.metadata(["lstmviz-progress", run.dask_key])["pid"] != first
    kill_current()
    assert run.wait(LONG)  # no hang: the second death is the end of it
    assert run.status == "failed" and "stopped 2 times" in run.error and "\n" not in run.error
    assert not run.reusable
    client.wait_for_workers(2, timeout=LONG)


@slow
def test_embedded_engine_restarts_after_its_scheduler_stops(servers):
    engine, other = servers
    done = engine.submit(key(50, 5), tiny_fit, 50, 5, owner="alice", epochs=5)
    assert done.wait(LONG) and done.error is None
    old = engine._cluster
    old.sync(old.scheduler.close)
    until(lambda: not engine.healthy, what="the client to notice")
    with pytest.raises(EngineUnavailable) as e:
        engine.submit(key(51, 5), tiny_fit, 51, 5, owner="alice", epochs=5)
    assert "restarting" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(EngineUnavailable) as e:  # a server on someone else's scheduler only reports it
        other.submit(key(51, 5), tiny_fit, 51, 5, owner="alice", epochs=5)
    assert "cannot be reached" in str(e.value) and "\n" not in str(e.value)
    assert done.result is not None and done.result.result.losses  # fetched results stay in this process
    assert engine.ready(LONG) and engine.restarts == 1 and engine._cluster is not old
    again = engine.submit(key(51, 5), tiny_fit, 51, 5, owner="alice", epochs=5)
    assert again.wait(LONG) and again.error is None and len(again.progress().losses) == 5


def test_importing_the_engine_leaves_distributed_for_the_background_start():
    """The page imports this at start; distributed (seconds to import) waits for the engine's own thread."""
    code = "import sys, lstmviz.engine\nassert 'distributed' not in sys.modules and 'dask' not in sys.modules\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@slow
def test_a_registry_on_the_engine_gives_the_pages_their_job_interface(servers):
    """What the pages hold: a shared job with its owner, the run's own curve, owner-only stop, no reuse after."""
    a, _ = servers
    reg = Registry(engine=a)

    def make(seed, epochs):
        return lambda: Job(key(seed, epochs), partial(tiny_fit, seed, epochs), epochs)

    job = reg.start_job(key(21, 6), make(21, 6), owner="s1")
    assert reg.start_job(key(21, 6), make(21, 6), owner="s2") is job and reg.started == 1
    assert job.wait(LONG) and job.error is None and job.owner == "s1"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as on a worker: the same seeded run gives the same curve
    try:
        here = tiny_fit(21, 6)
    finally:
        torch.set_num_threads(threads)
    assert job.result.result.losses == here.result.losses == job.progress().losses
    long = reg.start_job(key(22, 100_000), make(22, 100_000), owner="s1")
    until(lambda: long.progress().epoch > 0, what="the long run to train")
    assert long.waiting_text is None
    assert not long.stop("s2") and long.reusable  # someone else only stops watching
    assert long.stop("s1") and long.wait(LONG) and not long.reusable
    assert long.result.result.epochs_run < 100_000
    again = reg.start_job(key(22, 100_000), make(22, 100_000), owner="s2")
    assert again is not long and again.owner == "s2" and reg.started == 3
    assert again.stop("s2") and again.wait(LONG)
