"""The forecasting part of the page: data and model controls, training, and the result views."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from lstmviz import export, figures
from lstmviz.bundle import is_bundle, make_bundle
from lstmviz.modelfile.state_dict import load_state_dict
from lstmviz.data import BUILTINS, SCALERS, TRANSFORMS, Transform, builtin, parse_text
from lstmviz.errors import LstmVizError
from lstmviz.defaults import AUTO
from lstmviz.forecast import MAX_MEMBERS, ForecastConfig, default_config, model_from_state_dict, preset
from lstmviz.jobs import loaded_job
from lstmviz.models import count_parameters

from . import datasource
from . import lessons as lesson_ui
from . import links
from .common import (CELL_HELP, chart, gates_side_by_side, int_slider, limits, main_train_button, pick_view, plain,
                     presenting, read_csv, read_run_bundle, registry, session_id, stale_warning, this_data,
                     train_button, upload_bytes, wait_all, watch)
from .scrubber import keys as scrub_keys
from .scrubber import scrubber

SOURCES = ["Built-in series", "Type a sequence", "Upload CSV"]
SOURCE_SLUGS = {"builtin": SOURCES[0], "typed": SOURCES[1], "csv": SOURCES[2]}
MODEL_SOURCES = ["Train here", "Upload weights"]
VIEWS = ["Forecast", "Gate dynamics", "Compare cells", "Training", "Downloads"]
VIEW_SLUGS = {"forecast": VIEWS[0], "gates": VIEWS[1], "compare": VIEWS[2], "training": VIEWS[3], "downloads": VIEWS[4]}
GATE_MODES = ["One input window", "The whole series"]
GATE_MODE_SLUGS = {"window": GATE_MODES[0], "series": GATE_MODES[1]}
# The gate view's widgets: kept across runs that show another view (Streamlit drops the state of
# widgets that a run does not draw).
# the link parameters this page reads
LINKS = frozenset(links.CONFIG) | frozenset(links.VIEW) | {"src", "series", "len", "period", "noise", "nseed", "typed", "model"}
# the gate view's widget keys, kept through runs that do not draw them
KEEP = ("gv_mode", "gv_start", "gv_epoch", "gv_layer", *scrub_keys("gv_"))
BUILTIN_NAMES = {"airline": "Airline passengers (monthly, 1949-1960)", "sine": "Sine wave",
                 "trend_season": "Trend + seasonality + noise", "random_walk": "Random walk"}
EXAMPLE_TEXT = ("112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,\n"
                "115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,\n"
                "145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166")
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
BATCHES = [0, 16, 32, 64, 128]
CLIPS = [0.0, 0.5, 1.0, 5.0]
TRANSFORM_OPTIONS = [AUTO, *TRANSFORMS]


# --- input --------------------------------------------------------------------------------------

def _link_source() -> None:
    """The link's data settings into the widgets' state (first run of a session only)."""
    src = links.pending("src")
    if src in ("csv", "bundle"):
        links.notice("this link was made from an uploaded file, which cannot travel in a link: upload the same "
                     "CSV, or the run bundle from its Downloads view")
        src = "csv"
    if src is not None and links.parse("src", src, str, list(SOURCE_SLUGS)) is not None:
        st.session_state["source"] = SOURCE_SLUGS[src]
    links.take("series", "builtin", options=list(BUILTINS), kind=str)
    links.take("len", "sine_length", lo=100, hi=20_000)
    links.take("period", "sine_period", lo=4, hi=1000)
    links.take("noise", "sine_noise", lo=0.0, hi=2.0, kind=float)
    links.take("nseed", "sine_seed", lo=0, hi=10_000)
    typed = links.pending("typed")
    if typed is not None:
        st.session_state["typed"] = typed[:limits().text_chars]


def choose_source(link: dict):
    """Sidebar: where the series comes from. Returns (series or None, base config, context key).
    Fills `link` with the data part of this run's link."""
    _link_source()
    source = st.radio("Data", SOURCES, key="source", help="A built-in example, numbers you type, or your own CSV.")
    if source == SOURCES[0]:
        name = st.selectbox("Series", list(BUILTINS), format_func=BUILTIN_NAMES.get, key="builtin")
        series, config = preset(name)
        link.update(src="builtin", series=name)
        if name == "sine":
            c1, c2 = st.columns(2)
            length = c1.number_input("Length", 100, 20_000, 400, 50, key="sine_length", help="How many values to generate.")
            period = c2.number_input("Period", 4, 1000, 50, key="sine_period", help="Steps per full wave.")
            noise = c1.number_input("Noise", 0.0, 2.0, 0.0, 0.05, key="sine_noise",
                                    help="Standard deviation of added noise.")
            seed = c2.number_input("Noise seed", 0, 10_000, 0, key="sine_seed")
            series = builtin("sine", length=int(length), period=float(period), noise=float(noise), seed=int(seed))
            link.update(len=str(int(length)), period=str(int(period)), noise=repr(float(noise)), nseed=str(int(seed)))
        if series.note:
            st.caption(series.note)
        return series, config, name
    if source == SOURCES[1]:
        text = st.text_area("Numbers", EXAMPLE_TEXT, height=150, key="typed", max_chars=limits().text_chars,
                            help="Separate values with commas, spaces, semicolons or new lines.")
        link["src"] = "typed"
        if len(text) <= links.MAX_VALUE_CHARS:
            link["typed"] = text
        else:
            st.caption("These numbers are too long to travel in a link: share the run bundle (Downloads) instead.")
        try:
            limits().check_text(text)
            series = parse_text(text)
            return series, default_config(series), "typed"
        except LstmVizError as e:
            st.error(f"{plain(e)}. Fix the numbers above.")
            return None, None, "typed"
    link["src"] = "csv"
    up = st.file_uploader("CSV file or run bundle", type=["csv", "txt", "tsv", "json"], key="upload",
                          help="Comma, semicolon or tab separated; a header row is optional. Or a run bundle "
                               "(.json) downloaded from lstmviz, which brings its data, settings and view back.")
    if up is None:
        st.info("Upload a CSV with at least one numeric column, or a run bundle (.json).")
        return None, None, "csv"
    try:
        lim = limits()
        data = upload_bytes(up)
        if is_bundle(data):
            return _bundle(data, up.name, lim)
        series = datasource.pick_series(read_csv(data, lim.rows, lim.upload_bytes))
    except LstmVizError as e:
        st.error(plain(f"{up.name}: {e}"))
        return None, None, "csv"
    return series, default_config(series), f"csv:{up.name}"


def _bundle_differences(wanted: ForecastConfig, got: ForecastConfig) -> None:
    """Notices for bundle settings this page's controls could not take (another server's limits, say)."""
    a = wanted.flat()
    b = got.flat()
    for name in sorted(k for k in a if k != "train" and a[k] != b[k]):
        links.notice(f"the bundle's {name} {a[name]} is not offered here; using {b[name]}: the numbers will differ")


def _bundle(data: bytes, name: str, lim):
    """A run bundle: its series and config become the base, its view is restored once."""
    series, config, view = read_run_bundle(data, lim.rows)
    digest = hashlib.sha1(data).hexdigest()[:12]
    if st.session_state.get("bundle_applied") != digest:
        st.session_state["bundle_applied"] = digest
        st.session_state["bundle_check"] = True  # once: say so if a control cannot take the bundle's value
        st.session_state.setdefault("link", {}).update({k: str(v) for k, v in view.items() if k in links.VIEW})
    st.caption(f"Run bundle **{plain(name)}**: {len(series):,} values of **{plain(series.name)}** with their "
               "settings. Press **Train model** to reproduce the run.")
    return series, config, f"bundle:{digest}"


PRESENTER_CONTROLS = ("cell", "hidden", "epochs", "seed")


def choose_config(base: ForecastConfig, ctx: str, n: int, trainable: bool = True,
                  essential: tuple[str, ...] | None = None, series=None) -> ForecastConfig:
    """Sidebar: model and training controls, defaulting to the preset. Keys carry the context,
    so switching series brings back that series' defaults. Uploaded weights bring their own
    architecture, so then only the data controls show. In presenter mode only the `essential`
    controls (a lesson's, or a few basics) stay in view; the rest fold into "More settings"."""
    k = lambda name: f"{ctx}:{name}"  # noqa: E731
    tr = base.train
    lim = limits()
    _link_config(k, n, lim)
    switched = _safe_transform(k, base, series) if series is not None else None
    main, more = st.container(), (st.expander("More settings") if presenting() else st.container())
    essential = essential or PRESENTER_CONTROLS
    box = lambda name: main if not presenting() or name in essential else more  # noqa: E731
    arch = {}
    if trainable:
        arch["cell"] = box("cell").selectbox(
            "Cell", ["lstm", "gru", "rnn"], ["lstm", "gru", "rnn"].index(base.model.cell), key=k("cell"),
            format_func=str.upper, help=CELL_HELP)
        arch["num_layers"] = int(box("layers").number_input(
            "Layers", 1, lim.layers, min(base.model.num_layers, lim.layers), key=k("layers"),
            help="Stacked recurrent layers; each reads the hidden states of the one below."))
        arch["hidden_size"] = box("hidden").slider(
            "Hidden units", 1, lim.hidden_size, min(base.model.hidden_size, lim.hidden_size), key=k("hidden"),
            help="How many memory cells each layer has: more can hold more patterns, but train slower.")
    window = int_slider("Window", 2, min(200, n // 2), base.window, k("window"),
                        "How many past values the model reads to predict the next one.", box("window"))
    test = int_slider("Test points", 1, n // 3, base.test, k("test"),
                      "The last values are held out; the model never trains on them.", box("test"))
    transform = box("transform").selectbox(
        "Transform", TRANSFORM_OPTIONS, TRANSFORM_OPTIONS.index(base.transform), key=k("transform"),
        help="log tames growing swings; differencing removes trend; the model predicts the transformed series. "
             "auto tries each on the end of the training part (never the test points) and keeps the best.")
    if switched and transform not in ("log", "log_diff"):
        box("transform").caption(f"Not every value is above 0, so the transform is now '{transform}', not "
                                 f"'{switched}' (logs need positive values).")
    scale = box("scale").selectbox("Scaling", SCALERS, SCALERS.index(base.scale), key=k("scale"),
                                   help="minmax maps the training part to [-1, 1]; standard to mean 0, sd 1.")
    config = base.replace(window=int(window), test=int(test), transform=transform, scale=scale, **arch)
    if not trainable:
        return config
    epochs = box("epochs").slider("Epochs", 10, max(10, lim.epochs), min(tr.epochs, lim.epochs), 10, key=k("epochs"),
                                  help="Passes over the training windows; more lowers the loss, up to a point.")
    lr = box("lr").select_slider("Learning rate", LRS, min(LRS, key=lambda v: abs(v - tr.lr)), key=k("lr"),
                                 format_func=lambda v: f"{v:g}",
                                 help="Step size of Adam: too high diverges, too low crawls.")
    batch = box("batch").selectbox(
        "Batch size", BATCHES, BATCHES.index(tr.batch_size) if tr.batch_size in BATCHES else 0, key=k("batch"),
        format_func=lambda b: "full" if b == 0 else str(b),
        help="Windows per update: 'full' uses all of them at once (smooth, fast on a CPU).")
    clip = box("clip").selectbox("Gradient clip", CLIPS, CLIPS.index(tr.clip) if tr.clip in CLIPS else 2,
                                 key=k("clip"), format_func=lambda c: "off" if c == 0 else f"{c:g}",
                                 help="Caps the gradient's length, so one bad step cannot blow the weights up.")
    seed = box("seed").number_input("Seed", 0, 1_000_000, tr.seed, key=k("seed"),
                                    help="Starting weights and shuffling: the same seed gives the same numbers.")
    members = box("members").slider(
        "Models averaged", 1, MAX_MEMBERS, min(base.members, MAX_MEMBERS), key=k("members"),
        help="Train this many models from different seeds at once and forecast with their median: one "
             "unlucky start then matters less. The gate view shows the first of them.")
    return config.replace(epochs=int(epochs), lr=float(lr), batch_size=int(batch), clip=float(clip), seed=int(seed),
                          members=int(members))


def _safe_transform(k, base: ForecastConfig, series) -> str | None:
    """New data with a value at or below 0 cannot keep a log transform chosen for earlier data: it goes
    back to the data's default (diff) before Train. Returns the transform it replaced for this data, if
    any. Chosen again by hand, log stays, and the Train button says why it cannot train."""
    ss = st.session_state
    if ss.get(k("transform_for")) != series.key:
        ss[k("transform_for")] = series.key
        ss.pop(k("transform_from"), None)
        old = ss.get(k("transform"))
        if old in ("log", "log_diff") and not np.all(series.values > 0):
            ss[k("transform")] = base.transform if base.transform not in ("log", "log_diff") else "diff"
            ss[k("transform_from")] = old
    return ss.get(k("transform_from"))


def _link_config(k, n: int, lim) -> None:
    """The link's model and training settings into the controls' state, clamped to their ranges."""
    links.take("cell", k("cell"), options=["lstm", "gru", "rnn"], kind=str)
    links.take("layers", k("layers"), lo=1, hi=lim.layers)
    links.take("hidden", k("hidden"), lo=1, hi=lim.hidden_size)
    links.take("window", k("window"), lo=2, hi=max(2, min(200, n // 2)))
    links.take("test", k("test"), lo=1, hi=max(1, n // 3))
    links.take("transform", k("transform"), options=TRANSFORM_OPTIONS, kind=str)
    links.take("scale", k("scale"), options=list(SCALERS), kind=str)
    links.take("epochs", k("epochs"), lo=10, hi=max(10, lim.epochs), step=10)
    links.take("lr", k("lr"), options=LRS, kind=float, snap=True)
    links.take("batch", k("batch"), options=BATCHES)
    links.take("clip", k("clip"), options=CLIPS, kind=float)
    links.take("seed", k("seed"), lo=0, hi=1_000_000)
    links.take("members", k("members"), lo=1, hi=MAX_MEMBERS)


def uploaded_model(series, config: ForecastConfig):
    """Sidebar: a state_dict upload -> a finished job private to this session, or None (errors shown)."""
    up = st.file_uploader("Weights: a state_dict (.pt)", type=["pt", "pth"], key="weights",
                          help="Saved with torch.save(model.state_dict(), path) from any model built on "
                               "nn.LSTM or nn.GRU. Loaded with weights_only=True: nothing in the file can run.")
    if up is None:
        st.info("Upload weights to see their gates on this data.")
        return None
    try:
        lim = limits()
        data = upload_bytes(up)
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
        job = loaded_job(series, config, model, label=key[2])
        st.session_state["own_job"] = job
    return job


# --- training -------------------------------------------------------------------------------

# --- results --------------------------------------------------------------------------------

def show_forecast(job) -> None:
    f, r = job.fitted, job.report
    chart(figures.forecast_figure(f.series, r, f.n_train), "forecast")
    rows = [("LSTM" if f.config.model.cell == "lstm" else f.config.model.cell.upper()) + " (recursive)", "one-step",
            *[k.replace("_", " ") for k in r.baselines]]
    keys = ["lstm", "one_step", *r.baselines]
    table = pd.DataFrame([[r.metrics[k]["rmse"], r.metrics[k]["mae"], r.metrics[k]["mape"]] for k in keys],
                         index=rows, columns=["RMSE", "MAE", "MAPE %"])
    st.table(table.style.format("{:.2f}", na_rep="n/a"))
    st.caption(f"On the last {len(r.actual)} points. The recursive forecast feeds its own predictions back "
               "from the end of training, as the airline tutorial does; one-step predictions see the real history.")
    st.caption(forecast_provenance(r))
    if r.beats_seasonal_naive is False:
        st.warning("The model does **not** beat the seasonal naive baseline (repeat last season). "
                   "Try the log_diff transform, a different window, or more epochs.")
    elif r.metrics["lstm"]["rmse"] > r.metrics[r.best_baseline]["rmse"]:
        st.warning(f"The model does not beat the {r.best_baseline.replace('_', ' ')} baseline. "
                   "Try another transform or more epochs.")


def forecast_provenance(r) -> str:
    """How many models the forecast is the median of, and which transform, chosen how: from the run."""
    seeds = r.member_seeds
    who = (f"The median of **{r.members} models** trained at once from seeds {seeds[0]}-{seeds[-1]}"
           if r.members > 1 else f"**One model** (seed {seeds[0]})")
    c = r.transform
    name = f"**{plain(c.chosen)}**"
    if c.requested == AUTO and c.scores:
        scores = " · ".join(f"{plain(k)} {v:,.3g}" for k, v in sorted(c.scores.items(), key=lambda kv: kv[1]))
        how = f"transform {name}, chosen automatically: {plain(c.why)}; validation RMSE {scores}"
    elif c.requested == AUTO:
        how = f"transform {name}: {plain(c.why)}"
    else:
        how = f"transform {name}, set by hand"
    return f"{who}; {how}."


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


def shown_window(job, series) -> tuple[int, int] | None:
    """(start, length) of the input the gate view (and Compare cells) runs the model on, while one of
    them is open on this series: the preview outlines it."""
    if job is None or not job.done or job.error or job.fitted is None or job.fitted.series.key != series.key:
        return None
    view = st.session_state.get("view") or VIEW_SLUGS.get(links.peek("view") or "")
    if view not in (VIEWS[1], VIEWS[2]):
        return None
    _, start, length = trace_selection(job)
    return start, length


def _link_gates(job) -> None:
    """The link's gate-view settings, clamped to this model and series (t and unit: in the scrubber)."""
    f = job.fitted
    mode = links.pending("on")
    if mode is not None and links.parse("on", mode, str, list(GATE_MODE_SLUGS)) is not None:
        st.session_state["gv_mode"] = GATE_MODE_SLUGS[mode]
    links.take("start", "gv_start", lo=f.transform.lag, hi=len(f.series) - f.config.window)
    links.take("epoch", "gv_epoch", options=job.snapshot_epochs, snap=True)
    links.take("layer", "gv_layer", lo=0, hi=f.config.model.num_layers - 1)


def gate_view(job, link: dict):
    """The gate dynamics view."""
    f = job.fitted
    kind, w = f.config.model.cell, f.config.window
    s = f.encoded()
    lag = f.transform.lag
    _link_gates(job)
    epoch, start, length = trace_selection(job)
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
    epochs = job.snapshot_epochs
    if len(epochs) > 1:
        c3.select_slider("Weights at epoch", epochs, key="gv_epoch",
                         help="Replay the gates with the weights saved during training. No retraining.")
    layer = 0
    if f.config.model.num_layers > 1:
        layer = st.radio("Layer", list(range(f.config.model.num_layers)), horizontal=True, key="gv_layer")
    trace = job.trace(epoch, start, length)
    err = trace.max_error
    if err <= 1e-5:
        st.success(f"Exact: the recorded h matches PyTorch's own output to {err:.1e} (at most 1e-5).", icon=":material/verified:")
    else:
        st.error(f"NOT EXACT: recorded h differs from PyTorch's output by {err:.2e}.", icon=":material/error:")
    st.caption(f"t = 0 is position {start} of the series. The model reads the series after the "
               f"'{f.config.transform}' transform and {f.config.scale} scaling (the input row)."
               + (f" These are the gates of {f.member_label}; the forecast is the median of all {len(f.members)}."
                  if len(f.members) > 1 else ""))
    H = trace.block(layer=layer).shape[2]
    if not set(st.session_state.get("gv_units", [])) <= set(range(H)):
        del st.session_state["gv_units"]  # another model with fewer units
    st.session_state.setdefault("gv_units", [int(u) for u in np.argsort(-trace.get("h", layer=layer).std(axis=0))[:3]])
    times = f.series.time[start:start + length] if f.series.time is not None else None
    scrubber(trace, kind, layer, link, times=times)
    if kind != "rnn":
        chart(figures.saturation_figure(trace, layer=layer), "saturation")
        st.caption("Saturation: each dot is a unit. Dots along the axes act like switches (often fully off or "
                   "on); dots near the origin, like dimmers.")
    if kind == "lstm":
        chart(figures.half_life_figure(trace.get("f", layer=layer)), "half_life")
        st.caption("How many steps until a unit's forget gate halves what its cell holds.")


def downloads(job, link: dict) -> None:
    """Download buttons; each file is built only when its button is clicked.

    on_click="ignore": a click that reran the page would void the other buttons' deferred files, so
    quick clicks on several buttons lost downloads."""
    f, r = job.fitted, job.report
    _gate_link(link)
    view = {k: link[k] for k in links.VIEW if k in link}
    st.download_button("Run bundle (data + settings, JSON)", lambda: make_bundle(f.series, f.config, view),
                       "lstmviz-run.json", "application/json", type="primary", on_click="ignore",
                       help="Upload it under Data > Upload CSV (here or on another lstmviz) to restore this run.")
    st.caption("A run bundle holds the data, every setting and the view: upload it under **Data > Upload CSV** to "
               "restore the run anywhere. Links (the address bar) carry settings but not uploaded files.")
    trace = job.trace(*trace_selection(job))
    c = st.columns(3)
    c[0].download_button("Forecast (CSV)", lambda: export.csv_bytes(export.forecast_frame(f.series, r, f.n_train)),
                         "forecast.csv", "text/csv", on_click="ignore",
                         help="The test range (actual, forecasts, baselines) and the forecast beyond the data, "
                              "by date when the series has them.")
    c[1].download_button("Model (state_dict .pt)", lambda: export.state_dict_bytes(f.model), "model.pt",
                         on_click="ignore")
    c[2].download_button("Config (JSON)", lambda: export.json_bytes(f.config.to_dict()), "config.json",
                         "application/json", on_click="ignore")
    st.caption("The gate trace of what the Gate dynamics view shows now (its window and epoch):")
    c = st.columns(3)
    c[0].download_button("Gate trace (tidy CSV)", lambda: export.csv_bytes(trace.to_frame()), "trace.csv", "text/csv",
                         on_click="ignore")
    c[1].download_button("Gate trace (NPZ)", lambda: export.trace_npz(trace), "trace.npz", on_click="ignore")


def compare_view(job) -> None:
    """LSTM, GRU and RNN trained on the same data, settings and seed, side by side."""
    f = job.fitted
    if f.result is None:
        st.info("Uploaded weights have nothing to compare with: train here to compare cells.")
        return
    reg = registry()
    asked = job.key[1]  # the settings as asked (transform 'auto', say): the key Cell in the sidebar gives
    jobs = {cell: reg.start(f.series, asked.replace(cell=cell), max_seconds=limits().train_seconds)
            if cell != f.config.model.cell else job for cell in ("lstm", "gru", "rnn")}
    wait_all(jobs)
    rows, curves = [], {}
    for cell, j in jobs.items():
        if j.error or j.fitted is None:
            st.error(f"{cell.upper()}: {plain(j.error)}")
            continue
        res, m = j.fitted.result, j.report.metrics
        curves[cell.upper()] = res.losses
        params = count_parameters(j.fitted.model)
        rows.append([cell.upper(), m["lstm"]["rmse"], m["one_step"]["rmse"], params, res.epochs_run, res.seconds,
                     res.losses[-1] if res.losses else float("nan")])
    table = pd.DataFrame(rows, columns=["cell", "RMSE (recursive)", "RMSE (one-step)", "parameters", "epochs",
                                        "train seconds", "final loss"]).set_index("cell")
    best = job.report.metrics[job.report.best_baseline]["rmse"]
    st.table(table.style.format({"RMSE (recursive)": "{:.2f}", "RMSE (one-step)": "{:.2f}", "parameters": "{:,}",
                                 "train seconds": "{:.1f}", "final loss": "{:.2e}"}))
    st.caption(f"Same data, window, transform, epochs, learning rate and seed ({f.config.train.seed}); only the cell "
               f"differs. Best baseline ({job.report.best_baseline.replace('_', ' ')}): RMSE {best:.2f}. "
               "Per unit, an LSTM has 3 gates and a candidate, a GRU 2 gates and a candidate, a plain RNN "
               "neither: compare them in "
               "**Gate dynamics** by switching Cell in the sidebar (the models are already trained).")
    chart(figures.loss_curves(curves), "compare_loss")
    epoch, start, length = trace_selection(job)
    traces = {c: j.trace(j.snapshot_epochs[-1], start, length) for c, j in jobs.items() if j.fitted is not None}
    gates_side_by_side(traces, "compare_gates")
    st.caption(f"Each model's final weights on the gate view's input (from position {start}, {length} steps).")


def show_results(job, current_key, link: dict, ready: bool = True) -> None:
    if job.error:
        what = "Training failed" if job.trained else "These weights could not be used"
        st.error(f"{what}: {plain(job.error)}")
        return
    f = job.fitted
    if job.key != current_key:
        stale_warning(ready)
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
    view = pick_view("view", VIEW_SLUGS, link)
    if view == "Forecast":
        show_forecast(job)
    elif view == "Gate dynamics":
        gate_view(job, link)
    elif view == "Compare cells":
        compare_view(job)
    elif view == "Training":
        if res is None:
            st.info("These weights were uploaded, not trained here.")
        else:
            chart(figures.loss_curve(res.losses, res.val_losses), "final_loss")
    else:
        downloads(job, link)
    _gate_link(link)


def _gate_link(link: dict) -> None:
    """The gate view's selection into the link, whichever view shows: it travels with the run."""
    ss = st.session_state
    if ss.get("gv_mode") in GATE_MODES:
        link["on"] = next(k for k, v in GATE_MODE_SLUGS.items() if v == ss["gv_mode"])
    for name, key in (("start", "gv_start"), ("epoch", "gv_epoch"), ("layer", "gv_layer"), ("t", "gv_t"),
                      ("unit", "gv_unit")):
        if key in ss and not (name == "start" and link.get("on") == "series"):
            link[name] = str(int(ss[key]))




def page(link: dict, top) -> None:
    """The forecasting page: sidebar controls, training, results. Fills `link` with this run's settings;
    the Train button shows again in `top`, on the first screen."""
    with st.sidebar:
        st.header("1 · Data")
        series, base, ctx = choose_source(link)
    reg = registry()
    if series is None:  # the last results are not this data's: they stay away until it comes back
        main_train_button(top, "train", "Choose the data, or fix it, in the sidebar first.", waiting=True)
        this_data(reg.get(st.session_state.get("job_key")), False)
        return
    with st.sidebar:
        st.header("2 · Model")
        source = st.radio("Model", MODEL_SOURCES, key="model_source", horizontal=True,
                          help="Train one here, or bring the weights of your own LSTM or GRU.")
        if links.pending("model") == "upload":
            links.notice("this link was made with uploaded weights, which cannot travel in a link: upload them again")
        trainable = source == MODEL_SOURCES[0]
        config = choose_config(base, ctx, len(series), trainable, lesson_ui.essential(), series=series)
        if st.session_state.pop("bundle_check", False) and config != base:
            _bundle_differences(base, config)
        link.update(links.config_params(config, trainable))
        if not trainable:
            link["model"] = "upload"
            own = uploaded_model(series, config)
            if st.session_state.get("weights") is None:  # nothing uploaded yet (a bad file has its error)
                top.why.info("Upload the weights in the sidebar (2 · Model) to see their gates on this data.",
                             icon=":material/arrow_back:")
        else:
            def check():
                config.check(len(series))
                limits().check_config(config)
                Transform(config.transform).to_z(series.values)  # logs need every value above 0

            step = train_button(check, "train", "Train on everything but the test points.", top)
    lesson_slot = st.container()
    shown = reg.get(st.session_state.get("job_key")) if trainable else own
    chart(figures.series_preview(series, config.test, shown_window(shown, series)), "preview")
    if not trainable:
        if own is not None:
            show_results(own, own.key, link)
        return
    if step.pressed:
        st.session_state["job_key"] = reg.start(series, config, max_seconds=limits().train_seconds,
                                                owner=session_id()).key
    job = reg.get(st.session_state.get("job_key"))
    job = this_data(job, job is not None and job.key[0] == series.key)
    lesson_ui.around(lesson_slot, job, (series.key, config), link,
                     "Choose settings in the sidebar and press **Train model**." if step.ready else None, watch,
                     lambda job, key, link: show_results(job, key, link, step.ready))


def apply_lesson(les) -> None:
    """Set this page up for a forecasting lesson: its preset and changes, its view; the rest as the preset has it."""
    ss = st.session_state
    ss["source"], ss["builtin"], ss["model_source"] = "Built-in series", les.preset, "Train here"
    for key in [k for k in ss if isinstance(k, str) and k.startswith(f"{les.preset}:")]:
        del ss[key]  # back to the preset's settings
    for name, value in les.changes.items():
        ss[f"{les.preset}:{name}"] = value
    for key in ("gv_start", "gv_t", "gv_unit", "gv_units", "gv_epoch", "gv_play"):
        ss.pop(key, None)
    ss["gv_mode"] = "The whole series" if les.view == "gates" else "One input window"
    ss["view"] = {"forecast": "Forecast", "gates": "Gate dynamics", "compare": "Compare cells"}[les.view]
