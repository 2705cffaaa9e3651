"""A forecasting run as a job's result: ForecastRun (the fit, its report, the model at each snapshot and
its recorded gates), and the jobs that make one: forecast_job (train, then evaluate) and loaded_job
(uploaded weights, nothing to train).

    job = registry.start_job(run_key(series, config), lambda: forecast_job(series, config))
    job.wait(); job.result.report.metrics["lstm"]["rmse"]
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .data import Series
from .errors import LstmVizError
from .forecast import Fitted, ForecastConfig, Report, build_model, evaluate, fit, loaded
from .jobs import Job, Memo
from .record import Trace, record

__all__ = ["ForecastRun", "forecast_job", "loaded_job", "run_key"]


@dataclass(eq=False)
class ForecastRun:
    """A finished forecasting run: the fit, its report, and the model at each snapshot, recorded on demand.

    An ensemble trains its members as one batched run; snapshots, `model_at` and `trace` are those of
    member 1 (`fitted.member_label` says which), recorded through its own nn.LSTM."""

    fitted: Fitted
    report: Report
    label: str | None = None  # uploaded weights: the file's name
    _models: dict[int, torch.nn.Module] = field(default_factory=dict, repr=False)
    _traces: Memo = field(default_factory=Memo, repr=False)

    @property
    def snapshot_epochs(self) -> list[int]:
        result = self.fitted.result
        return [e for e, _ in result.snapshots] if result is not None else [0]

    def model_at(self, epoch: int) -> torch.nn.Module:
        """The model with the weights snapshotted at `epoch` (the final one is the trained model)."""
        if self.fitted.result is None:  # uploaded weights: one model, at "epoch" 0
            return self.fitted.model
        if epoch not in self._models:
            states = dict(self.fitted.result.snapshots)
            if epoch not in states:
                raise LstmVizError(f"no snapshot at epoch {epoch}; there are {sorted(states)}")
            m = build_model(self.fitted.config)
            m.load_state_dict(states[epoch])
            m.eval()
            self._models[epoch] = m
        return self._models[epoch]

    def trace(self, epoch: int, start: int, length: int) -> Trace:
        """Record the model at `epoch` on encoded values s[start:start+length] (one sequence). Cached."""
        def make():
            s = self.fitted.encoded()
            x = torch.as_tensor(np.ascontiguousarray(s[start:start + length]), dtype=torch.float32)
            return record(self.model_at(epoch), x[None, :, None])

        return self._traces.get((epoch, start, length), make)


def run_key(series: Series, config: ForecastConfig) -> tuple:
    """The registry key of the run for (series, config) as asked: any session asking the same shares it."""
    return (series.key, config)


def forecast_job(series: Series, config: ForecastConfig, horizon: int = 12,
                 max_seconds: float | None = None) -> Job[ForecastRun]:
    """A forecasting run (fit, then evaluate) as a job keyed by run_key(series, config); not started."""
    def work(on_epoch, max_seconds):
        fitted = fit(series, config, on_epoch=on_epoch, max_seconds=max_seconds)
        return ForecastRun(fitted, evaluate(fitted, horizon))

    return Job(run_key(series, config), work, config.train.epochs, max_seconds)


def loaded_job(series: Series, config: ForecastConfig, model: torch.nn.Module, label: str,
               horizon: int = 12) -> Job[ForecastRun]:
    """A model whose weights were uploaded: nothing to train, the same views. Private to a session;
    `job.trained` is False."""
    def make():
        fitted = loaded(model, series, config)
        return ForecastRun(fitted, evaluate(fitted, horizon), label)

    return Job.finished((series.key, config, label), make)
