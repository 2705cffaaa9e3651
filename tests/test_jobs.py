"""Background jobs: a typed result per workload, live progress, stop, reuse by key, errors as results."""
from functools import partial

import numpy as np

from lstmviz.data import Series, builtin
from lstmviz.forecast import ForecastConfig, fit
from lstmviz.jobs import ForecastRun, Job, Memo, Registry, loaded_job
from lstmviz.tasks import TaskReport, TaskRun, default_config, evaluate_task, run_task

QUICK = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=20)


def test_job_trains_reports_and_replays_snapshots():
    reg = Registry()
    series = builtin("trend_season", length=80)
    job = reg.start(series, QUICK)
    assert job.wait(120) and job.error is None
    assert isinstance(job.result, ForecastRun) and job.report is job.result.report and job.trained
    p = job.progress()
    assert p.epoch == 20 and len(p.losses) == 20 and p.eta == 0
    assert job.report.metrics["lstm"]["rmse"] > 0
    epochs = job.snapshot_epochs
    assert epochs[0] == 0 and epochs[-1] == 20
    first, last = job.trace(0, 0, 30), job.trace(20, 0, 30)
    assert not np.allclose(first.get("f"), last.get("f"))  # the gates changed with training
    assert job.trace(20, 0, 30) is last  # cached, not recorded again


def test_same_key_reuses_the_job_and_other_keys_do_not():
    reg = Registry()
    series = builtin("trend_season", length=80)
    a = reg.start(series, QUICK)
    b = reg.start(Series(series.values.copy(), name=series.name, season=series.season), QUICK)
    assert a is b and reg.started == 1
    c = reg.start(series, QUICK.replace(seed=1))
    assert c is not a and reg.started == 2
    a.wait(120)
    c.wait(120)


def test_stop_ends_training_early_and_is_not_reused():
    reg = Registry()
    series = builtin("sine", length=300, period=20)
    job = reg.start(series, QUICK.replace(epochs=100_000))
    while job.progress().epoch < 3:
        job.wait(0.05)
    job.stop()
    assert job.wait(60)
    assert job.fitted.result.stopped == "user" and job.fitted.result.epochs_run < 100_000
    assert job.report is not None  # a stopped model still forecasts
    again = reg.start(series, QUICK.replace(epochs=100_000))
    assert again is not job
    again.stop()
    again.wait(60)


def test_bad_config_is_an_error_result_not_an_exception():
    reg = Registry()
    job = reg.start(Series(np.arange(10.0)), QUICK)
    assert job.wait(30)
    assert "too few" in job.error and job.result is None
    assert job.fitted is None and job.report is None  # what a page reads on a failed forecasting job
    assert not job.reusable


def test_registry_drops_the_oldest_finished_jobs():
    reg = Registry(size=2)
    series = builtin("trend_season", length=60)
    jobs = [reg.start(series, QUICK.replace(epochs=2, seed=s)) for s in range(3)]
    for j in jobs:
        j.wait(60)
    reg.start(series, QUICK.replace(epochs=2, seed=9)).wait(60)
    assert reg.get(jobs[0].key) is None and reg.get(jobs[2].key) is jobs[2]


def test_a_shared_job_remembers_who_started_it():
    reg = Registry()
    series = builtin("sine", length=120)
    config = ForecastConfig().replace(window=10, test=10, transform="none", hidden_size=4).replace(epochs=3)
    job = reg.start(series, config, owner="session-a")
    again = reg.start(series, config, owner="session-b")
    job.wait()
    assert again is job and job.owner == "session-a"


def _task_job(config, key=None):
    key = key or ("task", config)
    return lambda: Job(key, partial(run_task, config), config.train.epochs, result_type=TaskRun)


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
    assert not hasattr(job, "fitted")  # a task job has no forecasting fields to read


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


def test_uploaded_weights_are_a_finished_job_that_did_not_train():
    series = builtin("trend_season", length=80)
    fitted = fit(series, QUICK.replace(epochs=3))
    job = loaded_job(series, QUICK, fitted.model, label="mine.pt")
    assert job.done and not job.trained and job.error is None and job.key == (series.key, QUICK, "mine.pt")
    assert job.snapshot_epochs == [0] and job.model_at(0) is fitted.model and job.label == "mine.pt"
    assert job.report.metrics["lstm"]["rmse"] == evaluate_series_rmse(fitted)
    bad = loaded_job(Series(np.arange(10.0)), QUICK, fitted.model, label="short.pt")
    assert bad.done and "too few" in bad.error and bad.fitted is None and not bad.reusable


def evaluate_series_rmse(fitted):
    from lstmviz.forecast import evaluate

    return evaluate(fitted).metrics["lstm"]["rmse"]


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
