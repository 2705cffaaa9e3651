"""A forecasting run as a job's result: trained and replayed at its snapshots, failed, or loaded from weights."""
import numpy as np

from lstmviz.data import Series, builtin
from lstmviz.forecast import ForecastConfig, evaluate, fit
from lstmviz.forecast_run import ForecastRun, forecast_job, loaded_job, run_key
from lstmviz.jobs import Registry

QUICK = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=20)


def test_job_trains_reports_and_replays_snapshots():
    series = builtin("trend_season", length=80)
    job = Registry().start_job(run_key(series, QUICK), lambda: forecast_job(series, QUICK))
    assert job.key == (series.key, QUICK)
    assert job.wait(120) and job.error is None and job.trained
    run = job.result
    assert isinstance(run, ForecastRun) and run.label is None
    p = job.progress()
    assert p.epoch == 20 and len(p.losses) == 20 and p.eta == 0
    assert run.fitted.result.losses == p.losses  # the curve watched is the run's own
    assert run.report.metrics["lstm"]["rmse"] > 0
    assert run.snapshot_epochs[0] == 0 and run.snapshot_epochs[-1] == 20
    first, last = run.trace(0, 0, 30), run.trace(20, 0, 30)
    assert not np.allclose(first.get("f"), last.get("f"))  # the gates changed with training
    assert run.trace(20, 0, 30) is last  # cached, not recorded again
    assert run.model_at(20) is run.model_at(20)


def test_a_failed_run_is_an_error_with_no_result_to_read():
    job = forecast_job(Series(np.arange(10.0)), QUICK).start()
    assert job.wait(30)
    assert "too few" in job.error and job.result is None and not job.reusable
    assert not hasattr(job, "report") and not hasattr(job, "fitted")  # read on job.result, which is None


def test_uploaded_weights_are_a_finished_job_that_did_not_train():
    series = builtin("trend_season", length=80)
    fitted = fit(series, QUICK.replace(epochs=3))
    job = loaded_job(series, QUICK, fitted.model, label="mine.pt")
    assert job.done and not job.trained and job.error is None and job.key == (series.key, QUICK, "mine.pt")
    run = job.result
    assert run.snapshot_epochs == [0] and run.model_at(0) is fitted.model and run.label == "mine.pt"
    assert run.fitted.result is None
    assert run.report.metrics["lstm"]["rmse"] == evaluate(fitted).metrics["lstm"]["rmse"]
    bad = loaded_job(Series(np.arange(10.0)), QUICK, fitted.model, label="short.pt")
    assert bad.done and "too few" in bad.error and bad.result is None and not bad.reusable
