"""Background training jobs: live progress, stop, reuse by key, errors as results."""
import numpy as np

from lstmviz.data import Series, builtin
from lstmviz.forecast import ForecastConfig
from lstmviz.jobs import Registry

QUICK = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=20)


def test_job_trains_reports_and_replays_snapshots():
    reg = Registry()
    series = builtin("trend_season", length=80)
    job = reg.start(series, QUICK)
    assert job.wait(120) and job.error is None
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
    assert "too few" in job.error and job.fitted is None
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
