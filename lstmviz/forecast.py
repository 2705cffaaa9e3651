"""Fit a forecaster to a Series; one-step and recursive forecasts; metrics against baselines."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .config import Config, ModelConfig, TrainConfig, setting
from .data import SCALERS, TRANSFORMS, Series, Transform, builtin, windows
from .defaults import AUTO, WEIGHT_DECAY, TransformChoice, choose_transform, default_window
from .ensemble import train_members
from .errors import InputError
from .models import CELLS, SequenceModel
from .choose_target import VALIDATE, TargetChoice, choose_target, recursive_path
from .target import RESIDUALS, Target, describe
from .train import Epoch, TrainData, TrainResult, init_weights, train

__all__ = ["ForecastConfig", "PRESETS", "preset", "default_config", "Fitted", "Report", "fit", "evaluate", "recursive",
           "one_step", "baselines", "metrics", "loaded", "resolve_all", "model_from_state_dict", "model_for_forecast", "resolve", "MAX_MEMBERS"]

MAX_MEMBERS = 9


@dataclass(frozen=True)
class ForecastConfig(Config):
    """Data handling, model and training for one forecasting run. Frozen: a cache key and JSON."""

    window: int = setting(12, lo=1, hi=10_000)
    test: int = setting(12, lo=1, hi=1_000_000)  # the last `test` points are held out
    val: int = setting(0, lo=0, hi=1_000_000)  # the last `val` training windows validate (curve, early stopping)
    transform: str = setting("log_diff", choices=(*TRANSFORMS, AUTO))  # "auto": chosen at fit time on the training part
    scale: str = setting("minmax", choices=tuple(SCALERS))
    season: int | None = setting(None, lo=1, hi=100_000)  # period for baselines and seasonal_diff; None: the series'
    members: int = setting(1, lo=1, hi=MAX_MEMBERS)  # models trained from different seeds; forecasts are their median
    # what the model predicts: the next value ("none"), or its deviation from naive / seasonal naive (target.py);
    # "auto": seasonal naive when the data has a season of 2 or more, else naive; "validate": chosen with the
    # LSTM itself on the end of the training part (choose_target.py)
    residual: str = setting("none", choices=(*RESIDUALS, AUTO, VALIDATE))
    model: ModelConfig = field(default_factory=lambda: ModelConfig(hidden_size=24))
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=250, lr=1e-2, lr_decay=0.1))

    def _problems(self) -> list[str]:
        if self.members > 1 and self.model.dropout > 0 and self.model.num_layers > 1:
            return ["an ensemble (models averaged above 1) trains without dropout: set dropout to 0"]
        return []

    def check(self, n: int) -> None:
        """Raise InputError, saying what to change, if this config cannot run on n values."""
        super().check()
        # "auto" may choose a difference (lag 1): ask for room for it up front
        lag = 1 if self.transform == AUTO else Transform(self.transform, self.scale, self.period(None)).lag
        rlag = self.period(None) if self.residual == "seasonal_naive" else 0
        need = self.test + max(self.window + lag, rlag) + 2 + self.val
        if n < need:
            have = f"{n} values are" if n != 1 else "1 value is"
            raise InputError(f"{have} too few for window {self.window}, test {self.test} and "
                             f"the '{self.transform}' transform: at least {need} are needed")

    def period(self, series: Series | None) -> int:
        return self.season or (series.season if series is not None else None) or 12

    @property
    def member_seeds(self) -> list[int]:
        """Each member's seed: disjoint for different seeds (seed 1 of 5 members: 5..9), the seed itself for one."""
        return [self.train.seed * self.members + k for k in range(self.members)]


def _cfg(**kw) -> ForecastConfig:
    return ForecastConfig().replace(**kw)


# One named default per built-in series; the app and the CLI use the same ones.
PRESETS: dict[str, tuple[dict, ForecastConfig]] = {
    # the airline tutorial's split; see bench/bench_train.py for its RMSE over seeds (seasonal naive 50.7)
    "airline": ({}, _cfg(transform=AUTO)),
    "sine": ({"length": 400, "period": 50, "noise": 0.0},
             _cfg(window=50, test=50, transform="none", hidden_size=16, epochs=150, lr=1e-2, batch_size=64)),
    "trend_season": ({"length": 240, "period": 12},
                     _cfg(window=12, test=24, transform="diff", hidden_size=16, epochs=200, lr=1e-2)),
    "random_walk": ({"length": 300}, _cfg(window=10, test=20, transform="diff", hidden_size=8, epochs=100)),
}


def default_config(series: Series, test: int = 12, season: int | None = None) -> ForecastConfig:
    """The defaults for data of unknown shape: a window spanning a season, the LSTM predicting the
    deviation from seasonal naive (naive without a season: residual "auto", target.py) from differenced
    inputs, the transform chosen at fit time on a validation split ("auto") and weight decay
    (WEIGHT_DECAY, which now shrinks the forecast toward that baseline: short noisy series overfit).
    One model: on the airline, the median of 5 (members=5) cost about 8 times the training time and
    did not lower the median RMSE over seeds 0-4 (16.7 vs 16.5; it did narrow the spread between
    seeds from 7.5 to 4.2), so averaging is the user's choice."""
    m = season or series.season
    n_train = len(series) - test
    window = default_window(m, n_train)
    config = ForecastConfig(window=window, test=test, season=season, transform=AUTO, residual=AUTO)
    return config.replace(weight_decay=WEIGHT_DECAY)


def preset(name: str) -> tuple[Series, ForecastConfig]:
    """The built-in series and its default config."""
    if name not in PRESETS:
        raise InputError(f"no preset {name!r}; choose one of {', '.join(PRESETS)}")
    params, config = PRESETS[name]
    return builtin(name, **params), config


@dataclass(eq=False)
class Fitted:
    """A trained forecaster and everything needed to use it. With several members, `model` is
    member 0 (the one the gate view records) and forecasts are the members' median."""

    model: SequenceModel
    transform: Transform
    config: ForecastConfig  # transform resolved: never "auto"
    series: Series
    result: TrainResult | None  # None when the weights were loaded, not trained
    members: list[SequenceModel] = field(default_factory=list)  # all of them, `model` first
    choice: TransformChoice | None = None  # how the transform was chosen
    target: Target = field(default_factory=Target)  # what the model's output means (direct or a residual)
    target_choice: TargetChoice | None = None  # how that was chosen

    def __post_init__(self):
        if not self.members:
            self.members = [self.model]

    @property
    def member_label(self) -> str:
        """Which model a single-model view shows, e.g. "member 1 of 5 (seed 0)"."""
        k = len(self.members)
        seed = self.config.member_seeds[0] if k == self.config.members else self.config.train.seed
        return f"member 1 of {k} (seed {seed})" if k > 1 else f"the model (seed {seed})"

    @property
    def n_train(self) -> int:
        return len(self.series) - self.config.test

    def encoded(self) -> np.ndarray:
        return self.transform.encode(self.series.values)


def _tensor(a: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)


def resolve(series: Series, config: ForecastConfig) -> tuple[ForecastConfig, TransformChoice]:
    """The config with its transform settled ("auto" chosen on the end of the training part), and why."""
    config, choice, _ = resolve_all(series, config)
    return config, choice


def resolve_all(series: Series, config: ForecastConfig) -> tuple[ForecastConfig, TransformChoice, TargetChoice]:
    """The config with its transform and its target settled, each "auto" chosen on the end of the
    training part (never the test points), and why."""
    config.check(len(series))
    n_train = len(series) - config.test
    train_part = series.values[:n_train]
    season = config.season or series.season
    # a residual read from levels moves with the level, out of its training range after a break
    # (the panel's seat belt and Nile series): a residual model reads differences
    differenced = config.residual != "none"
    choice = choose_transform(train_part, config.transform, config.window, config.scale,
                              config.period(series), config.test, differenced=differenced)
    config = config.replace(transform=choice.chosen)
    if config.residual == VALIDATE:
        target = choose_target(train_part, config.transform, config.scale, season,
                               config.window, config.test, config.model, config.train)
    elif config.residual == AUTO:
        fits = bool(season and season >= 2 and n_train >= config.window + season + 4)
        why = (f"the data has a season of {season}" if fits else "the data has no season" if not season or season < 2
               else f"a season of {season} needs more training values")
        target = TargetChoice(AUTO, "seasonal_naive" if fits else "naive", why=why)
    else:
        target = TargetChoice(config.residual, config.residual, why="set by hand")
    config = config.replace(residual=target.chosen)
    config.check(len(series))
    return config, choice, target


def prepare(series: Series, config: ForecastConfig) -> tuple[Transform, TrainData]:
    """Fit the transform on the training part only, and cut training (and validation) windows."""
    tf, _, data = _prepare(series, config)
    return tf, data


def _prepare(series: Series, config: ForecastConfig) -> tuple[Transform, Target, TrainData]:
    if AUTO in (config.transform, config.residual) or config.residual == VALIDATE:
        config, _ = resolve(series, config)
    config.check(len(series))
    n_train = len(series) - config.test
    train_part = series.values[:n_train]
    tf = Transform.fit(train_part, config.transform, config.scale, config.period(series))
    s = tf.encode(series.values)
    start = tf.lag + config.window
    target = Target.fit(tf, train_part, config.residual, config.period(series), start)
    targets = np.arange(max(start, target.lag), n_train)
    if len(targets) < 2:
        raise InputError("too few training windows; shorten the window or the test part")
    X, _ = windows(s, config.window, targets)
    y = target.values(tf, train_part)[targets]
    X, y = _tensor(X)[..., None], _tensor(y)[:, None]  # (n, window, 1), (n, 1)
    v = min(config.val, len(X) - 1)
    if v > 0:
        return tf, target, TrainData(X[:-v], y[:-v], X[-v:], y[-v:])
    return tf, target, TrainData(X, y)


def loaded(model: torch.nn.Module, series: Series, config: ForecastConfig) -> Fitted:
    """A Fitted for weights trained elsewhere (nothing trains here): one model, read as predicting what
    `config.residual` says ("validate", which would train models to choose, reads as "auto")."""
    config = config.replace(members=1, residual=AUTO if config.residual == VALIDATE else config.residual)
    config, choice, target_choice = resolve_all(series, config)
    tf, target, _ = _prepare(series, config)
    return Fitted(model, tf, config, series, None, choice=choice, target=target, target_choice=target_choice)


def build_model(config: ForecastConfig, seed: int | None = None) -> SequenceModel:
    """An untrained model for `config`, initialised from `seed` (default: the config's seed)."""
    return init_weights(SequenceModel(config.model.cell, 1, config.model.hidden_size, config.model.num_layers, config.model.dropout),
                        config.train.seed if seed is None else seed)


def fit(series: Series, config: ForecastConfig, on_epoch: Callable[[Epoch], bool | None] | None = None,
        max_seconds: float | None = None) -> Fitted:
    """Train a forecaster (or `config.members` of them, as one batched run) on everything but the
    last `config.test` points."""
    config, choice, target_choice = resolve_all(series, config)
    tf, target, data = _prepare(series, config)
    if config.members == 1:
        members = [build_model(config)]
        result = train(members[0], data, config.train, on_epoch, max_seconds)
    else:
        members = [build_model(config, s) for s in config.member_seeds]
        result = train_members(members, data, config.train, on_epoch, max_seconds)
    return Fitted(members[0], tf, config, series, result, members, choice, target, target_choice)


def _predict(model: SequenceModel, X: np.ndarray) -> np.ndarray:
    """Model outputs for windows X (n, window) -> (n,)."""
    model.eval()
    with torch.no_grad():
        return model(_tensor(X)[..., None])[:, 0].double().numpy()


def recursive(fitted: Fitted, history: np.ndarray, steps: int) -> np.ndarray:
    """Feed each prediction back as input for `steps` steps after `history`; original units.
    Each member forecasts on its own; the result is their median, step by step."""
    paths = [recursive_path(m, fitted.transform, fitted.target, fitted.config.window, history, steps)
             for m in fitted.members]
    return np.median(paths, axis=0)


def one_step(fitted: Fitted) -> np.ndarray:
    """One-step-ahead predictions over the test range, each from the actual history before it
    (the members' median)."""
    tf, w = fitted.transform, fitted.config.window
    y = fitted.series.values
    s = tf.encode(y)
    targets = np.arange(fitted.n_train, len(y))
    X, _ = windows(s, w, targets)
    z = tf.to_z(y)
    return np.median([tf.from_z(fitted.target.decode(tf, _predict(m, X), z, targets)) for m in fitted.members],
                     axis=0)


def baselines(train_values: np.ndarray, steps: int, season: int | None) -> dict[str, np.ndarray]:
    """Naive (last value), seasonal naive (last season repeated) and drift, `steps` ahead."""
    y = np.asarray(train_values, dtype=np.float64)
    k = np.arange(1, steps + 1)
    out = {"naive": np.full(steps, y[-1])}
    if season and season >= 2 and len(y) >= season:
        out["seasonal_naive"] = y[len(y) - season + (k - 1) % season]
    slope = (y[-1] - y[0]) / (len(y) - 1) if len(y) > 1 else 0.0
    out["drift"] = y[-1] + k * slope
    return out


def metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    """RMSE, MAE and MAPE (in percent; None when the actual values touch or cross 0: a percentage of a value
    near 0 explodes, and a sine wave's MAPE came out as 1e12 %)."""
    a, p = np.asarray(actual, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    err = p - a
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    nz = np.abs(a) > 1e-9 * scale
    one_sign = bool(np.all(a > 0) or np.all(a < 0))
    # Scaled by the largest error, so that squares of huge (1e200) or tiny errors neither overflow nor vanish.
    big = float(np.max(np.abs(err))) if err.size else 0.0
    rmse = big * float(np.sqrt(np.mean((err / big) ** 2))) if big > 0 and np.isfinite(big) else big
    return {"rmse": rmse, "mae": float(np.mean(np.abs(err / 2)) * 2),
            "mape": float(np.mean(np.abs(err / a)) * 100) if one_sign and nz.all() else None}


@dataclass(eq=False)
class Report:
    """Everything a forecast view or the CLI shows, in original units."""

    season: int | None
    actual: np.ndarray  # (test,)
    test_predictions: np.ndarray  # (test,) recursive from the end of training: the headline
    one_step: np.ndarray  # (test,)
    forecast: np.ndarray  # (horizon,) beyond the end of the data
    baselines: dict[str, np.ndarray]  # name -> (test,)
    metrics: dict[str, dict]  # "lstm" (the model, whatever its cell), "one_step", and each baseline
    members: int = 1  # how many models the forecasts are the median of
    member_seeds: tuple[int, ...] = ()
    transform: TransformChoice | None = None  # which transform, and why
    target: TargetChoice | None = None  # what the model predicts (the next value, or a residual), and why

    @property
    def predicts(self) -> str:
        """Words for what the forecast is, e.g. "LSTM on the deviation from seasonal naive"."""
        return describe(self.target.chosen if self.target else "none")

    @property
    def best_baseline(self) -> str:
        names = [k for k in self.baselines]
        return min(names, key=lambda k: self.metrics[k]["rmse"])

    @property
    def beats_seasonal_naive(self) -> bool | None:
        if "seasonal_naive" not in self.metrics:
            return None
        return self.metrics["lstm"]["rmse"] < self.metrics["seasonal_naive"]["rmse"]


def evaluate(fitted: Fitted, horizon: int = 12) -> Report:
    """Recursive and one-step forecasts over the test range, a forecast beyond it, and baselines."""
    y = fitted.series.values
    n = fitted.n_train
    season = fitted.config.season or fitted.series.season
    actual = y[n:]
    rec = recursive(fitted, y[:n], len(actual))
    one = one_step(fitted)
    beyond = recursive(fitted, y, horizon) if horizon > 0 else np.empty(0)
    base = baselines(y[:n], len(actual), season)
    m = {"lstm": metrics(actual, rec), "one_step": metrics(actual, one)}
    m.update({k: metrics(actual, v) for k, v in base.items()})
    seeds = tuple(fitted.config.member_seeds) if len(fitted.members) == fitted.config.members \
        else (fitted.config.train.seed,)
    choice = fitted.choice or TransformChoice(fitted.config.transform, fitted.config.transform, why="set by hand")
    target = fitted.target_choice or TargetChoice(fitted.target.kind, fitted.target.kind, why="set by hand")
    return Report(season, actual, rec, one, beyond, base, m, len(fitted.members), seeds, choice, target)


def model_from_state_dict(state: dict, config: ForecastConfig) -> tuple[torch.nn.Module, ForecastConfig]:
    """A forecaster built from any LSTM/GRU state_dict with a one-output Linear head; config updated to match."""
    from .modelfile.state_dict import build

    model, _ = build(state)
    return model_for_forecast(model, config)


def model_for_forecast(model: torch.nn.Module, config: ForecastConfig,
                       window: int | None = None) -> tuple[torch.nn.Module, ForecastConfig]:
    """A model from lstmviz.load_model checked for forecasting one series; config updated to match it.

    The window is the one the file's input shape fixes (a Keras model built for 50 steps), else
    `window` if given, else the config's; asking for another than the file's is refused.
    """
    what = getattr(model, "description", type(model).__name__)
    if model.input_size != 1:
        raise InputError(f"the model reads {model.input_size} features per step ({what}); "
                         "lstmviz feeds it one series, so it needs input_size 1")
    if model.per_step or model.output_size != 1:
        raise InputError(f"to forecast, the model needs a Linear head with 1 output after the last step; "
                         f"found {what}")
    fixed = getattr(model, "window", None)
    if fixed and window and window != fixed:
        raise InputError(f"the model file fixes the window at {fixed} steps (its input shape); "
                         f"leave the window out or set it to {fixed}, not {window}")
    rec = model.recurrent
    changes = {"cell": model.cell, "hidden_size": rec.hidden_size, "num_layers": rec.num_layers}
    if fixed or window:
        changes["window"] = fixed or window
    return model, config.replace(**changes)
