"""Gallery entries of kind "forecast": a built-in series' preset recipe, trained once and stored; restored
as the ForecastRun the forecast page draws, with nothing trained."""
from __future__ import annotations

import time

from ..errors import InputError
from ..forecast import ForecastConfig, Fitted, build_model, evaluate, fit, prepare, preset, resolve
from ..forecast_run import ForecastRun
from .store import pack_result, pack_state, unpack_result

__all__ = ["train_preset", "restore_forecast"]


def train_preset(name: str, scale: float = 1.0, **changes) -> dict:
    """The built-in series `name` trained with its preset config (changed by `changes`); epochs times
    `scale` (a test's quick version). The entry's fields, without name and title."""
    series, config = preset(name)
    config = config.replace(**changes)
    config = config.replace(epochs=max(2, round(config.train.epochs * scale)))
    start = time.perf_counter()
    fitted = fit(series, config)
    seconds = time.perf_counter() - start
    report = evaluate(fitted)
    metrics = {k: {m: v for m, v in d.items() if v is not None} for k, d in report.metrics.items()}
    return {"kind": "forecast", "data": {"preset": name, "length": len(series)}, "seed": config.train.seed,
            "config": config.to_dict(), "resolved": fitted.config.to_dict(), "train_seconds": seconds,
            "metrics": {"rmse": report.metrics["lstm"]["rmse"], "seasonal_naive_rmse": report.metrics.get(
                "seasonal_naive", {}).get("rmse"), "all": metrics},
            "state": pack_state(fitted.model.state_dict()), "train": pack_result(fitted.result)}


def restore_forecast(entry: dict) -> ForecastRun:
    """The stored model on its series, evaluated as the page would: a ForecastRun (the training curve and
    snapshots as recorded), nothing trained."""
    series, _ = preset(entry["data"]["preset"])
    asked = ForecastConfig.from_dict(entry["config"])
    config, choice = resolve(series, asked)  # how the transform was chosen, said again
    if config.to_dict() != entry["resolved"]:
        raise InputError(f"gallery entry {entry['name']!r}: its series or transform choice has changed since it was "
                         f"trained; remake it with python -m lstmviz pretrain {entry['name']}")
    tf, _ = prepare(series, config)
    model = build_model(config)
    model.load_state_dict(entry["state"])
    model.eval()
    result = unpack_result(entry["train"], entry["state"])
    fitted = Fitted(model, tf, config, series, result, [model], choice)
    return ForecastRun(fitted, evaluate(fitted))
