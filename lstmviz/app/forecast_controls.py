"""The forecasting page's control table (every data, model and training control, one row each) and the
sidebar's model and training controls drawn from it."""
from __future__ import annotations

import numpy as np
import streamlit as st

from lstmviz.data import BUILTINS, TRANSFORMS
from lstmviz.defaults import AUTO
from lstmviz.forecast import PRESETS, ForecastConfig

from .controls import Control, Table
from .display import presenting
from .state import limits
from .words import CELL_HELP

LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
BATCHES = (0, 16, 32, 64, 128)
CLIPS = (0.0, 0.5, 1.0, 5.0)
BUILTIN_NAMES = {"airline": "Airline passengers (monthly, 1949-1960)", "sine": "Sine wave",
                 "trend_season": "Trend + seasonality + noise", "random_walk": "Random walk"}
SINE = {"seed": 0, **PRESETS["sine"][0]}  # the sine wave's own settings as the preset makes it

TABLE = Table(
    ForecastConfig,
    # the built-in series and the sine wave's own settings (not config fields: they make the series)
    Control("series", "builtin", "Series", kind=str, options=tuple(BUILTINS), widget="selectbox",
            format=BUILTIN_NAMES.get),
    Control("len", "sine_length", "Length", lo=100, hi=20_000, step=50, widget="number",
            help="How many values to generate."),
    Control("period", "sine_period", "Period", lo=4, hi=1000, widget="number", help="Steps per full wave."),
    Control("noise", "sine_noise", "Noise", kind=float, lo=0.0, hi=2.0, step=0.05, widget="number",
            help="Standard deviation of added noise."),
    Control("nseed", "sine_seed", "Noise seed", lo=0, hi=10_000, widget="number"),
    # the model, the data handling and training; keys carry the data's name (see choose_config)
    Control("cell", "cell", "Cell", field="cell", kind=str, widget="selectbox", format=str.upper, help=CELL_HELP),
    Control("layers", "layers", "Layers", field="num_layers", widget="number",
            help="Stacked recurrent layers; each reads the hidden states of the one below."),
    Control("hidden", "hidden", "Hidden units", field="hidden_size",
            help="How many memory cells each layer has: more can hold more patterns, but train slower."),
    Control("window", "window", "Window", field="window", lo=2, hi=200,
            help="How many past values the model reads to predict the next one."),
    Control("test", "test", "Test points", field="test",
            help="The last values are held out; the model never trains on them."),
    Control("transform", "transform", "Transform", field="transform", kind=str, options=(AUTO, *TRANSFORMS),
            widget="selectbox",
            help="log tames growing swings; differencing removes trend; the model reads the transformed series. "
                 "It predicts the next transformed value, or for your own data how far the next value lands from "
                 "naive or seasonal naive (the caption under the forecast says which). "
                 "auto tries each on the end of the training part (never the test points) and keeps the best."),
    Control("scale", "scale", "Scaling", field="scale", kind=str, widget="selectbox",
            help="minmax maps the training part to [-1, 1]; standard to mean 0, sd 1."),
    Control("epochs", "epochs", "Epochs", field="epochs", lo=10, step=10,
            help="Passes over the training windows; more lowers the loss, up to a point."),
    Control("lr", "lr", "Learning rate", field="lr", kind=float, options=LRS, snap=True, widget="select_slider",
            format=lambda v: f"{v:g}", help="Step size of Adam: too high diverges, too low crawls."),
    Control("batch", "batch", "Batch size", field="batch_size", options=BATCHES, fallback=0, widget="selectbox",
            format=lambda b: "full" if b == 0 else str(b),
            help="Windows per update: 'full' uses all of them at once (smooth, fast on a CPU)."),
    Control("clip", "clip", "Gradient clip", field="clip", kind=float, options=CLIPS, fallback=1.0,
            widget="selectbox", format=lambda c: "off" if c == 0 else f"{c:g}",
            help="Caps the gradient's length, so one bad step cannot blow the weights up."),
    Control("seed", "seed", "Seed", field="seed", widget="number",
            help="Starting weights and shuffling: the same seed gives the same numbers."),
    Control("members", "members", "Models averaged", field="members",
            help="Train this many models from different seeds at once and forecast with their median: one "
                 "unlucky start then matters less. The gate view shows the first of them."),
)
SINE_CONTROLS = ("len", "period", "noise", "nseed")
ARCH_CONTROLS = ("cell", "layers", "hidden")  # uploaded weights bring their own
DATA_CONTROLS = ("window", "test", "transform", "scale")
TRAIN_CONTROLS = ("epochs", "lr", "batch", "clip", "seed", "members")
PRESENTER_CONTROLS = ("cell", "hidden", "epochs", "seed")


def link_params(config: ForecastConfig, trainable: bool = True) -> dict[str, str]:
    """The link's model part: every control of the config (so links outlive changed defaults); with
    uploaded weights, only the data handling (the file brings the rest)."""
    return TABLE.params(config, None if trainable else set(DATA_CONTROLS))


def _ranges(n: int) -> dict[str, dict]:
    """This run's ranges: the server's limits and what n values can offer."""
    lim = limits()
    return {"layers": {"hi": lim.layers}, "hidden": {"hi": lim.hidden_size},
            "window": {"hi": max(TABLE["window"].lo, min(TABLE["window"].hi, n // 2))},
            "test": {"hi": max(TABLE["test"].lo, n // 3)}, "epochs": {"hi": max(TABLE["epochs"].lo, lim.epochs)}}


def choose_config(base: ForecastConfig, ctx: str, n: int, trainable: bool = True,
                  essential: tuple[str, ...] | None = None, series=None,
                  fixed: dict[str, tuple[int, str]] | None = None) -> ForecastConfig:
    """Sidebar: model and training controls, defaulting to the preset. Keys carry the context,
    so switching series brings back that series' defaults. Uploaded weights bring their own
    architecture, so then only the data controls show; `fixed` (control -> (value, why)) are those
    the file fixes, shown with why and not offered. In presenter mode only the `essential`
    controls (a lesson's, or a few basics) stay in view; the rest fold into "More settings"."""
    prefix = f"{ctx}:"
    ranges = _ranges(n)
    shown = (ARCH_CONTROLS + DATA_CONTROLS + TRAIN_CONTROLS) if trainable else DATA_CONTROLS
    for name in ARCH_CONTROLS + DATA_CONTROLS + TRAIN_CONTROLS:  # the link into every control's state at once
        TABLE.from_link(name, prefix=prefix, **ranges.get(name, {}))
    switched = _safe_transform(prefix, base, series) if series is not None else None
    main, more = st.container(), (st.expander("More settings") if presenting() else st.container())
    essential = essential or PRESENTER_CONTROLS
    flat = base.flat()
    values = {}
    for name in shown:
        if name in (fixed or {}):  # a fact about the file, not a choice: never folded away
            values[name] = _show_fixed(main, name, *fixed[name])
            continue
        box = main if not presenting() or name in essential else more
        values[name] = TABLE.draw(name, flat[TABLE[name].field], box, prefix=prefix, **ranges.get(name, {}))
        if name == "transform" and switched and values[name] not in ("log", "log_diff"):
            box.caption(f"Not every value is above 0, so the transform is now '{values[name]}', not "
                        f"'{switched}' (logs need positive values).")
    return base.replace(**TABLE.changes(values))


def _show_fixed(box, name: str, value: int, why: str) -> int:
    """A control whose value the model file fixes: its value, greyed out, and why (no other is offered)."""
    key = f"{TABLE[name].key}_fixed"  # its own key: the user's choice for trained models stays as it was
    st.session_state[key] = value
    box.number_input(TABLE[name].label, value, value, step=1, key=key, disabled=True, help=why)
    box.caption(why)
    return value


def _safe_transform(prefix: str, base: ForecastConfig, series) -> str | None:
    """New data with a value at or below 0 cannot keep a log transform chosen for earlier data: it goes
    back to the data's default (diff) before Train. Returns the transform it replaced for this data, if
    any. Chosen again by hand, log stays, and the Train button says why it cannot train."""
    ss = st.session_state
    key = TABLE["transform"].narrowed(prefix=prefix).key
    if ss.get(key + "_for") != series.key:
        ss[key + "_for"] = series.key
        ss.pop(key + "_from", None)
        old = ss.get(key)
        if old in ("log", "log_diff") and not np.all(series.values > 0):
            ss[key] = base.transform if base.transform not in ("log", "log_diff") else "diff"
            ss[key + "_from"] = old
    return ss.get(key + "_from")


def apply_lesson_settings(preset: str, changes: dict) -> None:
    """A forecasting lesson's preset settings, with its changes (config field -> value) on their controls."""
    ss = st.session_state
    for key in [k for k in ss if isinstance(k, str) and k.startswith(f"{preset}:")]:
        del ss[key]  # back to the preset's settings
    for field, value in changes.items():
        ss[f"{preset}:{TABLE.by_field(field).key}"] = value
