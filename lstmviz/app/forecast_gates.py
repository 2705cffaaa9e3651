"""The forecasting page's Gate dynamics view: the trained model's gates on one input window or the whole
series, replayed at any saved epoch, and the selection it shows (which the other views and the link share)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from lstmviz import figures
from lstmviz.target import describe

from . import links
from .display import chart
from .scrubber import keys as scrub_keys
from .scrubber import scrubber
from .state import limits

GATE_MODES = ["One input window", "The whole series"]
GATE_MODE_SLUGS = {"window": GATE_MODES[0], "series": GATE_MODES[1]}
# the view's widget keys, kept through runs that show another view (Streamlit drops the state of
# widgets that a run does not draw)
KEEP = ("gv_mode", "gv_start", "gv_epoch", "gv_layer", *scrub_keys("gv_"))
# where the selection goes in a link
SELECTION = (("start", "gv_start"), ("epoch", "gv_epoch"), ("layer", "gv_layer"), ("t", "gv_t"), ("unit", "gv_unit"))


def trace_selection(run) -> tuple[int, int, int]:
    """(epoch, start, length) that the gate view shows now on `run` (a ForecastRun): its widgets' values,
    or their defaults."""
    f = run.fitted
    w, n, lag = f.config.window, len(f.series), f.transform.lag
    epochs = run.snapshot_epochs
    epoch = st.session_state.get("gv_epoch", epochs[-1])
    epoch = epoch if epoch in epochs else epochs[-1]
    if st.session_state.get("gv_mode", GATE_MODES[0]) == GATE_MODES[0]:
        start = int(np.clip(st.session_state.get("gv_start", f.n_train - w), lag, n - w))
        return epoch, start, w
    length = min(n - lag, limits().record_steps)
    return epoch, n - length, length


def _link_gates(run) -> None:
    """The link's gate-view settings, clamped to this model and series (t and unit: in the scrubber)."""
    f = run.fitted
    mode = links.consume("on")
    if mode is not None and links.parse("on", mode, str, list(GATE_MODE_SLUGS)) is not None:
        st.session_state["gv_mode"] = GATE_MODE_SLUGS[mode]
    links.to_widget("start", "gv_start", lo=f.transform.lag, hi=len(f.series) - f.config.window)
    links.to_widget("epoch", "gv_epoch", options=run.snapshot_epochs, snap=True)
    links.to_widget("layer", "gv_layer", lo=0, hi=f.config.model.num_layers - 1)


def gate_link(link: dict) -> None:
    """The gate view's selection into the link, whichever view shows: it travels with the run."""
    ss = st.session_state
    if ss.get("gv_mode") in GATE_MODES:
        link["on"] = next(k for k, v in GATE_MODE_SLUGS.items() if v == ss["gv_mode"])
    for name, key in SELECTION:
        if key in ss and not (name == "start" and link.get("on") == "series"):
            link[name] = str(int(ss[key]))


def gate_view(run, link: dict):
    """The gate dynamics view of a finished run (a ForecastRun)."""
    f = run.fitted
    kind, w = f.config.model.cell, f.config.window
    s = f.encoded()
    lag = f.transform.lag
    _link_gates(run)
    epoch, start, length = trace_selection(run)
    # Defaults go into session state before the widgets exist (KEEP keys are kept through it).
    st.session_state.setdefault("gv_mode", GATE_MODES[0])
    st.session_state["gv_epoch"] = epoch
    c1, c2, c3 = st.columns([2, 3, 2])
    mode = c1.radio("Run the model on", GATE_MODES, key="gv_mode",
                    help="A window is what the model sees for one prediction; the whole series is one long run.")
    if mode == GATE_MODES[0]:
        st.session_state["gv_start"] = start
        c2.slider("Window start", lag, len(s) - w, key="gv_start", help="Slide the input window along the series.")
    elif length < len(s) - lag:
        c2.caption(f"The last {length:,} steps are recorded (this server's limit).")
    epochs = run.snapshot_epochs
    if len(epochs) > 1:
        c3.select_slider("Weights at epoch", epochs, key="gv_epoch",
                         help="Replay the gates with the weights saved during training. No retraining.")
    layer = 0
    if f.config.model.num_layers > 1:
        layer = st.radio("Layer", list(range(f.config.model.num_layers)), horizontal=True, key="gv_layer")
    trace = run.trace(epoch, start, length)
    err = trace.max_error
    if err <= trace.allowed:  # record refuses anything else; the bound grows with a long run (float32's rounding)
        st.success(f"Exact: the recorded states match PyTorch's own output to {err:.1e} (at most "
                   f"{trace.allowed:.1e}; where a cell passes ±1, as a fraction of its size).", icon=":material/verified:")
    else:
        st.error(f"NOT EXACT: recorded h differs from PyTorch's output by {err:.2e}.", icon=":material/error:")
    st.caption(f"t = 0 is position {start} of the series. The model reads the series after the "
               f"'{f.config.transform}' transform and {f.config.scale} scaling (the input row)"
               + (f" and predicts {describe(f.target.kind)} (its output 0 is that baseline's forecast)."
                  if f.target.residual else ".")
               + (f" These are the gates of {f.member_label}; the forecast is the median of all {len(f.members)}."
                  if len(f.members) > 1 else ""))
    times = f.series.time[start:start + length] if f.series.time is not None else None
    scrubber(trace, kind, layer, link, times=times)
    if kind != "rnn":
        chart(figures.saturation_figure(trace, layer=layer), "saturation")
        st.caption("Saturation: each dot is a unit. Dots along the axes act like switches (often fully off or "
                   "on); dots near the origin, like dimmers.")
    if kind == "lstm":
        chart(figures.half_life_figure(trace.get("f", layer=layer)), "half_life")
        st.caption("How many steps until a unit's forget gate halves what its cell holds.")
