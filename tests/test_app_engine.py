"""The page on the engine (the users' default): a run trains on a Dask worker and draws as in a thread,
and a scheduler that cannot be reached is one line on the page. The other AppTests train in threads
(LSTMVIZ_BACKEND=threads, tests/conftest.py)."""
import socket

import numpy as np
import pytest
import torch

from lstmviz import forecast
from lstmviz.app import state
from lstmviz.app.progress import redraw_seconds
from lstmviz.engine import Engine
from lstmviz.engine.job import EngineJob
from tests.test_app import _metrics, _new, _set_quick, _train


def test_the_forecast_page_trains_on_a_worker_and_draws_its_result(monkeypatch):
    monkeypatch.setenv("LSTMVIZ_BACKEND", "dask")
    monkeypatch.setenv("LSTMVIZ_WORKERS", "1")
    monkeypatch.delenv("LSTMVIZ_SCHEDULER", raising=False)
    state.registry.clear()
    try:
        at = _train(_set_quick(_new(), 20))
        job = state.registry().get(at.session_state["job_key"])
        assert isinstance(job, EngineJob) and job.done and not job.error
        assert job.run.outcome.worker.startswith("tcp://127.0.0.1:")  # trained in a worker process
        run = job.result
        # the same seeded run in this process gives the same curve: the worker trained exactly this config
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            here = forecast.fit(run.fitted.series, job.key[1])
        finally:
            torch.set_num_threads(threads)
        assert np.allclose(here.result.losses, run.fitted.result.losses, rtol=1e-6, atol=0)
        assert job.progress().losses == run.fitted.result.losses  # the live curve ends on the run's own
        table = _metrics(at)
        assert table.loc[table.index[0], "RMSE"] == pytest.approx(run.report.metrics["lstm"]["rmse"], abs=0.01)
        assert not at.error
    finally:
        engine = state.registry().engine
        state.registry.clear()
        if engine is not None:
            engine.close()


def test_an_unreachable_scheduler_is_one_line_on_the_page(monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    monkeypatch.setattr(state, "backend_from_env", lambda start=True: Engine(scheduler=address, connect_seconds=1, start=start))
    state.registry.clear()
    try:
        at = _train(_set_quick(_new(), 5))
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and "\n" not in errors[0], errors
        assert f"the Dask scheduler at {address} cannot be reached" in errors[0]
        assert not state.registry().get(at.session_state["job_key"]).reusable  # pressing Train tries again
    finally:
        state.registry().engine.close()
        state.registry.clear()


def test_the_live_curve_redraws_less_often_as_more_sessions_watch():
    rates = [redraw_seconds(n) for n in (1, 4, 8, 20, 200)]
    assert rates == [0.4, 0.4, 0.8, 2.0, 2.0]
