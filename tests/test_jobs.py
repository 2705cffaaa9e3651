"""Background jobs: a typed result per workload, live progress, stop, reuse by key, errors as results.
(ForecastRun itself, its snapshots and traces: test_forecast_run.py.)"""
from functools import partial

import numpy as np

from lstmviz.data import Series, builtin
from lstmviz.forecast import ForecastConfig
from lstmviz.forecast_run import forecast_job, run_key
from lstmviz.jobs import Job, Memo, Registry
from lstmviz.tasks import TaskReport, TaskRun, default_config, evaluate_task, run_task

QUICK = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=20)


def _start(reg, series, config, owner=None):
    """The forecasting job for (series, config) from `reg`, as the page starts it."""
    return reg.start_job(run_key(series, config), lambda: forecast_job(series, config), owner)


def test_same_key_reuses_the_job_and_other_keys_do_not():
    reg = Registry()
    series = builtin("trend_season", length=80)
    a = _start(reg, series, QUICK)
    b = _start(reg, Series(series.values.copy(), name=series.name, season=series.season), QUICK)
    assert a is b and reg.started == 1
    c = _start(reg, series, QUICK.replace(seed=1))
    assert c is not a and reg.started == 2
    a.wait(120)
    c.wait(120)


def test_stop_ends_training_early_and_is_not_reused():
    reg = Registry()
    series = builtin("sine", length=300, period=20)
    job = _start(reg, series, QUICK.replace(epochs=100_000))
    while job.progress().epoch < 3:
        job.wait(0.05)
    job.stop()
    assert job.wait(60)
    res = job.result.fitted.result
    assert res.stopped == "user" and res.epochs_run < 100_000
    assert job.result.report.metrics["lstm"]["rmse"] > 0  # a stopped model still forecasts
    again = _start(reg, series, QUICK.replace(epochs=100_000))
    assert again is not job
    again.stop()
    again.wait(60)


def test_registry_drops_the_oldest_finished_jobs():
    reg = Registry(size=2)
    series = builtin("trend_season", length=60)
    jobs = [_start(reg, series, QUICK.replace(epochs=2, seed=s)) for s in range(3)]
    for j in jobs:
        j.wait(60)
    _start(reg, series, QUICK.replace(epochs=2, seed=9)).wait(60)
    assert reg.get(jobs[0].key) is None and reg.get(jobs[2].key) is jobs[2]


def test_a_shared_job_remembers_who_started_it():
    reg = Registry()
    series = builtin("sine", length=120)
    config = ForecastConfig().replace(window=10, test=10, transform="none", hidden_size=4).replace(epochs=3)
    job = _start(reg, series, config, owner="session-a")
    again = _start(reg, series, config, owner="session-b")
    job.wait()
    assert again is job and job.owner == "session-a"


def _task_job(config, key=None):
    key = key or ("task", config)
    return lambda: Job(key, partial(run_task, config), config.train.epochs)


def test_a_task_job_gives_back_a_typed_run_shared_by_key():
    reg = Registry()
    config = default_config("parity", length=6, n_train=100, n_test=40, hidden_size=3, epochs=4)
    job = reg.start_job(("task", config), _task_job(config), owner="a")
    again = reg.start_job(("task", config), _task_job(config), owner="b")
    assert again is job and reg.started == 1 and job.owner == "a"
    assert job.wait(120) and job.error is None
    run = job.result
    assert isinstance(run, TaskRun) and isinstance(run.report, TaskReport)
    assert run.report == evaluate_task(run.fit)  # the report is the fit's, measured again
    assert job.progress().epoch == 4 and run.fit.result.losses == job.progress().losses
    assert not hasattr(job, "fit") and not hasattr(job, "fitted")  # results are read on job.result, never the job


def test_a_job_stopped_by_hand_is_never_reused_and_the_time_limit_ends_a_run():
    reg = Registry()
    config = default_config("parity", length=6, n_train=200, n_test=40, hidden_size=3, epochs=100_000)
    job = reg.start_job(("task", config), _task_job(config))
    while job.progress().epoch < 2:
        job.wait(0.05)
    job.stop()
    assert job.wait(60) and job.result.fit.result.stopped == "user" and not job.reusable
    fresh = reg.start_job(("task", config), _task_job(config))
    assert fresh is not job and reg.started == 2
    fresh.stop()
    fresh.wait(60)
    timed = Job(("t",), partial(run_task, config), config.train.epochs, max_seconds=0.5).start()
    assert timed.wait(60) and timed.result.fit.result.stopped == "time"
    assert timed.result.fit.result.epochs_run < 100_000


def test_a_job_that_raises_a_bug_says_so_without_a_traceback():
    def broken(on_epoch, max_seconds):
        raise ZeroDivisionError("boom")

    job = Job(("x",), broken, 3).start()
    assert job.wait(10) and job.error == "internal error: ZeroDivisionError: boom" and job.result is None


def test_memo_keeps_values_and_drops_the_least_recently_used_past_its_bytes():
    memo = Memo(limit=200)
    calls = []
    make = lambda n: lambda: calls.append(n) or np.zeros(n // 8)  # noqa: E731  n bytes
    a = memo.get("a", make(80))
    assert memo.get("a", make(80)) is a and calls == [80]  # kept: never made again
    memo.get("b", make(80))
    memo.get("a", make(80))  # a is now the most recently used
    memo.get("c", make(80))  # 240 bytes: b goes
    memo.get("a", make(80))
    memo.get("b", make(80))
    assert calls == [80, 80, 80, 80]  # a, b, c, then b again
