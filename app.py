"""lstmviz: the Streamlit page. Reads widgets, calls the library, shows results. Nothing else."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import streamlit as st
import torch

from lstmviz import analysis, export, figures
from lstmviz.data import BUILTINS, SCALERS, TRANSFORMS, builtin, load_csv, parse_text
from lstmviz.byom import load_state_dict
from lstmviz.errors import LstmVizError
from lstmviz.forecast import ForecastConfig, default_config, model_from_state_dict, preset
from lstmviz.jobs import LoadedJob, Registry
from lstmviz.limits import Limits

st.set_page_config(page_title="lstmviz: see inside an LSTM", page_icon=":material/biotech:", layout="wide")
# Many sessions share two cores; tiny recurrent nets train no faster on two threads than on one.
torch.set_num_threads(1)

SOURCES = ["Built-in series", "Type a sequence", "Upload CSV"]
MODEL_SOURCES = ["Train here", "Upload weights"]
VIEWS = ["Forecast", "Gate dynamics", "Training", "Downloads"]
GATE_MODES = ["One input window", "The whole series"]
# The gate view's widgets: kept across runs that show another view (Streamlit drops the state of
# widgets that a run does not draw).
GATE_KEYS = ("gv_mode", "gv_start", "gv_epoch", "gv_layer", "gv_t", "gv_unit", "gv_units", "gv_play")
BUILTIN_NAMES = {"airline": "Airline passengers (monthly, 1949-1960)", "sine": "Sine wave",
                 "trend_season": "Trend + seasonality + noise", "random_walk": "Random walk"}
EXAMPLE_TEXT = ("112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,\n"
                "115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,\n"
                "145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166")


def plain(text) -> str:
    """User-supplied text (file and column names, typed tokens) shown as itself, not as Markdown."""
    return re.sub(r"([\\`*_\[\]$~|<>#])", r"\\\1", str(text))


@st.cache_resource
def registry() -> Registry:
    """Training jobs shared by every session: identical (data, config) trains once."""
    return Registry()


def limits() -> Limits:
    """This server's limits (LSTMVIZ_* environment variables; see lstmviz/limits.py and the README)."""
    return Limits.from_env()


@st.cache_resource(max_entries=8, show_spinner="Reading the CSV...")
def read_csv(data: bytes, max_rows: int, max_bytes: int):
    """A parsed CSV, shared read-only: cache_data would pickle a million-row table on every rerun."""
    return load_csv(data, max_rows=max_rows, max_bytes=max_bytes)


# --- input --------------------------------------------------------------------------------------

def choose_source():
    """Sidebar: where the series comes from. Returns (series or None, base config, context key)."""
    source = st.radio("Data", SOURCES, key="source", help="A built-in example, numbers you type, or your own CSV.")
    if source == SOURCES[0]:
        name = st.selectbox("Series", list(BUILTINS), format_func=BUILTIN_NAMES.get, key="builtin")
        series, config = preset(name)
        if name == "sine":
            c1, c2 = st.columns(2)
            length = c1.number_input("Length", 100, 20_000, 400, 50, help="How many values to generate.")
            period = c2.number_input("Period", 4, 1000, 50, help="Steps per full wave.")
            noise = c1.number_input("Noise", 0.0, 2.0, 0.0, 0.05, help="Standard deviation of added noise.")
            seed = c2.number_input("Noise seed", 0, 10_000, 0)
            series = builtin("sine", length=int(length), period=float(period), noise=float(noise), seed=int(seed))
        if series.note:
            st.caption(series.note)
        return series, config, name
    if source == SOURCES[1]:
        text = st.text_area("Numbers", EXAMPLE_TEXT, height=150, key="typed", max_chars=limits().text_chars,
                            help="Separate values with commas, spaces, semicolons or new lines.")
        try:
            limits().check_text(text)
            series = parse_text(text)
            return series, default_config(series), "typed"
        except LstmVizError as e:
            st.error(f"{plain(e)}. Fix the numbers above.")
            return None, None, "typed"
    up = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="upload",
                          help="Comma, semicolon or tab separated; a header row is optional.")
    if up is None:
        st.info("Upload a CSV with at least one numeric column.")
        return None, None, "csv"
    try:
        lim = limits()
        if up.size > lim.upload_bytes:
            raise LstmVizError(f"the file is {up.size / 1e6:.1f} MB; this server allows {lim.upload_mb:g} MB")
        table = read_csv(up.getvalue(), lim.rows, lim.upload_bytes)
        column = st.selectbox("Column", table.numeric_columns, key="csv_column",
                              help="The numeric column to model.")
        missing = st.radio("Missing values", ["interpolate", "drop"], horizontal=True, key="csv_missing",
                           help="Fill gaps by straight lines between neighbours, or leave those rows out.")
        series = table.series(column, missing)
    except LstmVizError as e:
        st.error(plain(f"{up.name}: {e}"))
        return None, None, "csv"
    st.caption(f"Time column: **{plain(table.time_column or 'none found')}** · {len(series):,} values · "
               f"missing: **{series.missing}**" + (f" ({missing}d)" if series.missing else "")
               + (f" · season {series.season}" if series.season else ""))
    return series, default_config(series), f"csv:{up.name}"


def int_slider(label: str, lo: int, hi: int, value: int, key: str, help: str) -> int:
    """A slider, or just its one possible value when the data is too short to offer a range."""
    if hi <= lo:
        st.caption(f"{label}: {lo} (the series is too short to offer more)")
        return lo
    return st.slider(label, lo, hi, min(max(value, lo), hi), key=key, help=help)


def choose_config(base: ForecastConfig, ctx: str, n: int, trainable: bool = True) -> ForecastConfig:
    """Sidebar: model and training controls, defaulting to the preset. Keys carry the context,
    so switching series brings back that series' defaults. Uploaded weights bring their own
    architecture, so then only the data controls show."""
    k = lambda name: f"{ctx}:{name}"  # noqa: E731
    tr = base.train
    lim = limits()
    arch = {}
    if trainable:
        c1, c2 = st.columns(2)
        arch["cell"] = c1.selectbox("Cell", ["lstm", "gru", "rnn"], ["lstm", "gru", "rnn"].index(base.cell),
                                    key=k("cell"), format_func=str.upper,
                                    help="LSTM has 4 gates and a cell state; GRU has 3 gates; RNN none.")
        arch["num_layers"] = int(c2.number_input(
            "Layers", 1, lim.layers, min(base.num_layers, lim.layers), key=k("layers"),
            help="Stacked recurrent layers; each reads the hidden states of the one below."))
        arch["hidden_size"] = st.slider(
            "Hidden units", 1, lim.hidden_size, min(base.hidden_size, lim.hidden_size), key=k("hidden"),
            help="How many memory cells each layer has: more can hold more patterns, but train slower.")
    window = int_slider("Window", 2, min(200, n // 2), base.window, k("window"),
                        "How many past values the model reads to predict the next one.")
    test = int_slider("Test points", 1, n // 3, base.test, k("test"),
                      "The last values are held out; the model never trains on them.")
    c1, c2 = st.columns(2)
    transform = c1.selectbox("Transform", TRANSFORMS, TRANSFORMS.index(base.transform), key=k("transform"),
                             help="log tames growing swings; differencing removes trend; the model predicts the transformed series.")
    scale = c2.selectbox("Scaling", SCALERS, SCALERS.index(base.scale), key=k("scale"),
                         help="minmax maps the training part to [-1, 1]; standard to mean 0, sd 1.")
    config = base.replace(window=int(window), test=int(test), transform=transform, scale=scale, **arch)
    if not trainable:
        return config
    epochs = st.slider("Epochs", 10, max(10, lim.epochs), min(tr.epochs, lim.epochs), 10, key=k("epochs"),
                       help="Passes over the training windows; more lowers the loss, up to a point.")
    lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
    lr = st.select_slider("Learning rate", lrs, min(lrs, key=lambda v: abs(v - tr.lr)), key=k("lr"),
                          format_func=lambda v: f"{v:g}", help="Step size of Adam: too high diverges, too low crawls.")
    c1, c2 = st.columns(2)
    batch = c1.selectbox("Batch size", [0, 16, 32, 64, 128], [0, 16, 32, 64, 128].index(tr.batch_size)
                         if tr.batch_size in (0, 16, 32, 64, 128) else 0, key=k("batch"),
                         format_func=lambda b: "full" if b == 0 else str(b),
                         help="Windows per update: 'full' uses all of them at once (smooth, fast on a CPU).")
    clip = c2.selectbox("Gradient clip", [0.0, 0.5, 1.0, 5.0], [0.0, 0.5, 1.0, 5.0].index(tr.clip)
                        if tr.clip in (0.0, 0.5, 1.0, 5.0) else 2, key=k("clip"),
                        format_func=lambda c: "off" if c == 0 else f"{c:g}",
                        help="Caps the gradient's length, so one bad step cannot blow the weights up.")
    seed = st.number_input("Seed", 0, 1_000_000, tr.seed, key=k("seed"),
                           help="Starting weights and shuffling: the same seed gives the same numbers.")
    return config.replace(epochs=int(epochs), lr=float(lr), batch_size=int(batch), clip=float(clip), seed=int(seed))


def uploaded_model(series, config: ForecastConfig):
    """Sidebar: a state_dict upload -> a LoadedJob private to this session, or None (errors shown)."""
    up = st.file_uploader("Weights: a state_dict (.pt)", type=["pt", "pth"], key="weights",
                          help="Saved with torch.save(model.state_dict(), path) from any model built on "
                               "nn.LSTM or nn.GRU. Loaded with weights_only=True: nothing in the file can run.")
    if up is None:
        st.info("Upload weights to see their gates on this data.")
        return None
    try:
        lim = limits()
        if up.size > lim.upload_bytes:
            raise LstmVizError(f"the file is {up.size / 1e6:.1f} MB; this server allows {lim.upload_mb:g} MB")
        data = up.getvalue()
        model, config = model_from_state_dict(load_state_dict(data), config)
        config.check(len(series))
        lim.check_config(config.replace(epochs=1))
    except LstmVizError as e:
        st.error(plain(f"{up.name}: {e}"))
        return None
    st.caption(f"Read from the file: {model.arch.describe()}. The window, transform and scaling above must "
               "match how it was trained.")
    key = (series.key, config, hashlib.sha1(data).hexdigest())
    job = st.session_state.get("own_job")
    if job is None or job.key != key:
        job = LoadedJob(series, config, model, label=key[2])
        st.session_state["own_job"] = job
    return job


# --- training -------------------------------------------------------------------------------

def watch(job) -> None:
    """Live loss curve, progress and a Stop button while the job runs; reruns the page when done."""
    st.subheader("Training")
    st.button("Stop training", on_click=job.stop, key="stop", disabled=job.stop_requested)
    bar, chart = st.empty(), st.empty()
    drawn = 0
    while not job.wait(0.4):
        p = job.progress()
        eta = f", about {p.eta:.0f} s left" if p.eta is not None else ""
        bar.progress(p.epoch / max(p.epochs, 1), text=f"epoch {p.epoch} of {p.epochs} · {p.elapsed:.1f} s{eta}")
        if p.epoch > drawn:  # redraw only on news; each drawing needs its own key (identical charts clash)
            drawn = p.epoch
            chart.plotly_chart(figures.loss_curve(p.losses, p.val_losses, p.epochs), key=f"live_loss_{drawn}")
    st.rerun()


# --- results --------------------------------------------------------------------------------

def show_forecast(job) -> None:
    f, r = job.fitted, job.report
    st.plotly_chart(figures.forecast_figure(f.series, r, f.n_train))
    rows = [("LSTM" if f.config.cell == "lstm" else f.config.cell.upper()) + " (recursive)", "one-step",
            *[k.replace("_", " ") for k in r.baselines]]
    keys = ["lstm", "one_step", *r.baselines]
    table = pd.DataFrame([[r.metrics[k]["rmse"], r.metrics[k]["mae"], r.metrics[k]["mape"]] for k in keys],
                         index=rows, columns=["RMSE", "MAE", "MAPE %"])
    st.table(table.style.format("{:.2f}", na_rep="n/a"))
    st.caption(f"On the last {len(r.actual)} points. The recursive forecast feeds its own predictions back "
               "from the end of training (seed 001's protocol); one-step predictions see the real history.")
    if r.beats_seasonal_naive is False:
        st.warning("The model does **not** beat the seasonal naive baseline (repeat last season). "
                   "Try the log_diff transform, a different window, or more epochs.")
    elif r.metrics["lstm"]["rmse"] > r.metrics[r.best_baseline]["rmse"]:
        st.warning(f"The model does not beat the {r.best_baseline.replace('_', ' ')} baseline. "
                   "Try another transform or more epochs.")


def trace_selection(job) -> tuple[int, int, int]:
    """(epoch, start, length) that the gate view shows now: its widgets' values, or their defaults."""
    f = job.fitted
    w, n, lag = f.config.window, len(f.series), f.transform.lag
    epochs = job.snapshot_epochs
    epoch = st.session_state.get("gv_epoch", epochs[-1])
    epoch = epoch if epoch in epochs else epochs[-1]
    if st.session_state.get("gv_mode", GATE_MODES[0]) == GATE_MODES[0]:
        start = int(np.clip(st.session_state.get("gv_start", f.n_train - w), lag, n - w))
        return epoch, start, w
    length = min(n - lag, limits().record_steps)
    return epoch, n - length, length


def gate_view(job):
    """The gate dynamics view."""
    f = job.fitted
    kind, w = f.config.cell, f.config.window
    s = f.encoded()
    lag = f.transform.lag
    epoch, start, length = trace_selection(job)
    # Defaults go into session state before the widgets exist (GATE_KEYS are kept through it).
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
    epochs = job.snapshot_epochs
    if len(epochs) > 1:
        c3.select_slider("Weights at epoch", epochs, key="gv_epoch",
                         help="Replay the gates with the weights saved during training. No retraining.")
    layer = 0
    if f.config.num_layers > 1:
        layer = st.radio("Layer", list(range(f.config.num_layers)), horizontal=True, key="gv_layer")
    trace = job.trace(epoch, start, length)
    err = trace.max_error
    if err <= 1e-5:
        st.success(f"Exact: the recorded h matches PyTorch's own output to {err:.1e} (at most 1e-5).", icon=":material/verified:")
    else:
        st.error(f"NOT EXACT: recorded h differs from PyTorch's output by {err:.2e}.", icon=":material/error:")
    st.caption(f"t = 0 is position {start} of the series. The model reads the series after the "
               f"'{f.config.transform}' transform and {f.config.scale} scaling (the input row).")
    H = trace.block(layer=layer).shape[2]
    if not set(st.session_state.get("gv_units", [])) <= set(range(H)):
        del st.session_state["gv_units"]  # another model with fewer units
    st.session_state.setdefault("gv_units", [int(u) for u in np.argsort(-trace.get("h", layer=layer).std(axis=0))[:3]])
    scrubber(trace, kind, layer)
    if kind != "rnn":
        st.plotly_chart(figures.saturation_figure(trace, layer=layer), key="saturation")
        st.caption("Saturation: each dot is a unit. Dots along the axes act like switches (often fully off or "
                   "on); dots near the origin, like dimmers.")
    if kind == "lstm":
        st.plotly_chart(figures.half_life_figure(trace.get("f", layer=layer)), key="half_life")
        st.caption("How many steps until a unit's forget gate halves what its cell holds.")


def scrubber(trace, kind: str, layer: int) -> None:
    """The timestep scrubber and what hangs on it: a fragment, so moving it re-runs only this part."""
    playing = bool(st.session_state.get("gv_play", False))

    @st.fragment(run_every=0.6 if playing else None)
    def body():
        T, _, H = trace.block(layer=layer).shape
        if st.session_state.get("gv_t", 0) >= T:
            st.session_state["gv_t"] = T - 1
        if st.session_state.get("gv_unit", 0) >= H:
            st.session_state["gv_unit"] = 0
        if st.session_state.get("gv_play", False):
            st.session_state["gv_t"] = (st.session_state.get("gv_t", 0) + 1) % T
        c1, c2, c3 = st.columns([6, 2, 1.4])
        t = c1.slider("Timestep t", 0, T - 1, key="gv_t", help="Move through time; every plot marks this step.")
        unit = c2.number_input("Unit", 0, H - 1, key="gv_unit", help="Which memory cell the diagram shows.")
        c3.toggle("Play", key="gv_play", help="Step through time by itself.")
        if bool(st.session_state.get("gv_play")) != playing:
            st.rerun()  # the refresh rate changes with play/pause: rerun the page to apply it
        lo = max(0, min(t - 750, T - 1500))
        st.plotly_chart(figures.gate_heatmaps(trace, layer=layer, t=t, t_range=(lo, lo + 1500)), key="heatmaps")
        v = analysis.step_values(trace, int(unit), int(t), layer=layer)
        c1, c2 = st.columns([1, 1])
        c1.plotly_chart(figures.cell_diagram(kind, v, int(unit), int(t)), key="cell_diagram")
        with c2:
            st.markdown(f"**Unit {unit} at t = {t}**, with the numbers filled in:")
            st.latex(analysis.equations_latex(kind, v))
        units = st.multiselect("Units to follow", list(range(H)), key="gv_units",
                               help="Lines of every quantity for the units you pick.")
        if units:
            st.plotly_chart(figures.unit_lines(trace, units, layer=layer, t=t), key="unit_lines")

    body()


def downloads(job) -> None:
    """Download buttons; each file is built only when its button is clicked."""
    f, r = job.fitted, job.report
    trace = job.trace(*trace_selection(job))
    frame = lambda: pd.DataFrame({"t": np.arange(f.n_train, len(f.series)), "actual": r.actual,  # noqa: E731
                                  "recursive": r.test_predictions, "one_step": r.one_step, **r.baselines})
    c = st.columns(3)
    c[0].download_button("Forecast (CSV)", lambda: export.csv_bytes(frame()), "forecast.csv", "text/csv")
    c[1].download_button("Model (state_dict .pt)", lambda: export.state_dict_bytes(f.model), "model.pt")
    c[2].download_button("Config (JSON)", lambda: export.json_bytes(f.config.to_dict()), "config.json",
                         "application/json")
    st.caption("The gate trace of what the Gate dynamics view shows now (its window and epoch):")
    c = st.columns(3)
    c[0].download_button("Gate trace (tidy CSV)", lambda: export.csv_bytes(trace.to_frame()), "trace.csv", "text/csv")
    c[1].download_button("Gate trace (NPZ)", lambda: export.trace_npz(trace), "trace.npz")


def show_results(job, current_key) -> None:
    if job.error:
        what = "These weights could not be used" if isinstance(job, LoadedJob) else "Training failed"
        st.error(f"{what}: {plain(job.error)}")
        return
    f = job.fitted
    if job.key != current_key:
        st.warning("Settings changed since this model was trained: the results below are for the earlier "
                   "settings. Press **Train model** to update them.", icon=":material/warning:")
    res = f.result
    if res is None:
        st.caption(f"Uploaded weights: {f.model.arch.describe()}")
    elif res.stopped == "diverged":
        st.error(f"Training {res.message}. The results below use the last good weights.")
    elif res.stopped in ("user", "early", "time"):
        st.info(res.message.capitalize() + ".")
    if res is not None:
        st.caption(f"Trained {res.epochs_run} epochs in {res.seconds:.1f} s · final loss {res.losses[-1]:.2e}"
                   if res.losses else "No epoch completed.")
    # One view at a time: st.tabs would compute every tab on every run, for every student.
    view = st.segmented_control("View", VIEWS, default=VIEWS[0], key="view", label_visibility="collapsed") or VIEWS[0]
    if view == "Forecast":
        show_forecast(job)
    elif view == "Gate dynamics":
        gate_view(job)
    elif view == "Training":
        if res is None:
            st.info("These weights were uploaded, not trained here.")
        else:
            st.plotly_chart(figures.loss_curve(res.losses, res.val_losses), key="final_loss")
    else:
        downloads(job)


def main() -> None:
    for key in GATE_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    st.title("lstmviz: see inside an LSTM")
    try:
        limits()
    except LstmVizError as e:
        st.error(f"This server's limits are misconfigured: {e}. Fix the environment variable and restart.")
        return
    with st.sidebar:
        st.header("1 · Data")
        series, base, ctx = choose_source()
    reg = registry()
    job = reg.get(st.session_state.get("job_key"))
    if series is None:
        st.info("Choose or fix the data in the sidebar to begin.")
        if job is not None and job.done:  # nothing lost: the last results stay, marked as stale
            show_results(job, None)
        return
    with st.sidebar:
        st.header("2 · Model")
        source = st.radio("Model", MODEL_SOURCES, key="model_source", horizontal=True,
                          help="Train one here, or bring the weights of your own LSTM or GRU.")
        trainable = source == MODEL_SOURCES[0]
        config = choose_config(base, ctx, len(series), trainable)
        if not trainable:
            own = uploaded_model(series, config)
        else:
            problem = None
            try:
                config.check(len(series))
                limits().check_config(config)
            except LstmVizError as e:
                problem = str(e)
                st.error(problem)
            clicked = st.button("Train model", type="primary", disabled=problem is not None, key="train",
                                use_container_width=True, help="Train on everything but the test points.")
    st.plotly_chart(figures.series_preview(series, config.test), key="preview")
    if not trainable:
        if own is not None:
            show_results(own, own.key)
        return
    if clicked:
        st.session_state["job_key"] = reg.start(series, config, max_seconds=limits().train_seconds).key
    job = reg.get(st.session_state.get("job_key"))
    if job is None:
        st.info("Choose settings in the sidebar and press **Train model**.")
        return
    if not job.done:
        watch(job)
    show_results(job, (series.key, config))


main()
