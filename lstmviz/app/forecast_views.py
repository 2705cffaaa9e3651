"""The forecasting page's results: the view picker and its views (Forecast, Compare cells, Training,
Downloads; Gate dynamics is in forecast_gates.py). Views only draw: none of them trains this run's model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lstmviz import export, figures
from lstmviz.bundle import make_bundle
from lstmviz.choose_target import VALIDATE
from lstmviz.defaults import AUTO
from lstmviz.models import count_parameters

from . import links
from .compare import cells_table, gates_side_by_side
from .display import chart, pick_view
from .forecast_data import start_forecast
from .forecast_gates import gate_link, gate_view, trace_selection
from .nextstep import stale_warning
from .words import number, plain

VIEWS = ["Forecast", "Gate dynamics", "Compare cells", "Training", "Downloads"]
VIEW_SLUGS = {"forecast": VIEWS[0], "gates": VIEWS[1], "compare": VIEWS[2], "training": VIEWS[3], "downloads": VIEWS[4]}


def show_results(job, current_key, link: dict, ready: bool = True, compare: bool = True) -> None:
    """How the run went, then the view the user picked; compare=False leaves out Compare cells (a gallery
    model: its job holds no config to train the other cells from)."""
    if job.error:
        what = "Training failed" if job.trained else "These weights could not be used"
        st.error(f"{what}: {plain(job.error)}")
        return
    run = job.result
    f = run.fitted
    if job.key != current_key:
        stale_warning(ready)
    res = f.result
    if res is None:
        st.caption(f"Uploaded weights: {plain(f.model.description)}")
    elif res.stopped == "diverged":
        st.error(f"Training {res.message}. The results below use the last good weights.")
    elif res.stopped in ("user", "early", "time"):
        st.info(res.message.capitalize() + ".")
    if res is not None:
        st.caption(f"Trained {res.epochs_run} epochs in {res.seconds:.1f} s · final loss {number(res.losses[-1])}"
                   if res.losses else "No epoch completed.")
    view = pick_view("view", VIEW_SLUGS, link, compare)
    if view == "Forecast":
        show_forecast(run)
    elif view == "Gate dynamics":
        gate_view(run, link)
    elif view == "Compare cells":
        compare_view(job)
    elif view == "Training":
        if res is None:
            st.info("These weights were uploaded, not trained here.")
        else:
            chart(figures.loss_curve(res.losses, res.val_losses), "final_loss")
    else:
        downloads(run, link)
    gate_link(link)


def shown_window(job, series) -> tuple[int, int] | None:
    """(start, length) of the input the gate view (and Compare cells) runs the model on, while one of
    them is open on this series: the preview outlines it."""
    if job is None or job.result is None or job.result.fitted.series.key != series.key:  # running or failed
        return None
    view = st.session_state.get("view") or VIEW_SLUGS.get(links.value("view") or "")
    if view not in (VIEWS[1], VIEWS[2]):
        return None
    _, start, length = trace_selection(job.result)
    return start, length


def show_forecast(run) -> None:
    f, r = run.fitted, run.report
    chart(figures.forecast_figure(f.series, r, f.n_train), "forecast")
    rows = [("LSTM" if f.config.model.cell == "lstm" else f.config.model.cell.upper()) + " (recursive)", "one-step",
            *[k.replace("_", " ") for k in r.baselines]]
    keys = ["lstm", "one_step", *r.baselines]
    table = pd.DataFrame([[r.metrics[k]["rmse"], r.metrics[k]["mae"], r.metrics[k]["mape"]] for k in keys],
                         index=rows, columns=["RMSE", "MAE", "MAPE %"])
    st.table(table.style.format(number))
    st.caption(f"On the last {len(r.actual)} points. The recursive forecast feeds its own predictions back "
               "from the end of training, as the airline tutorial does; one-step predictions see the real history.")
    st.caption(forecast_provenance(r, trained=f.result is not None))
    if r.beats_seasonal_naive is False:
        # log_diff needs positive data (a sine wave has none to offer)
        positive = bool(np.all(f.series.values > 0))
        other = "the log_diff transform" if positive and f.config.transform != "log_diff" else "another transform"
        st.warning("The model does **not** beat the seasonal naive baseline (repeat last season). "
                   f"Try {other}, a different window, or more epochs.")
    elif r.metrics["lstm"]["rmse"] > r.metrics[r.best_baseline]["rmse"]:
        st.warning(f"The model does not beat the {r.best_baseline.replace('_', ' ')} baseline. "
                   "Try another transform or more epochs.")


def forecast_provenance(r, trained: bool = True) -> str:
    """How many models the forecast is the median of (or that it is uploaded weights), and which
    transform, chosen how: from the run."""
    seeds = r.member_seeds
    who = (f"The median of **{r.members} models** trained at once from seeds {seeds[0]}-{seeds[-1]}"
           if r.members > 1 else f"**One model** (seed {seeds[0]})" if trained else
           "**The uploaded model** (its weights, not trained here)")
    c = r.transform
    name = f"**{plain(c.chosen)}**"
    if c.requested == AUTO and c.scores:
        scores = " · ".join(f"{plain(k)} {v:,.3g}" for k, v in sorted(c.scores.items(), key=lambda kv: kv[1]))
        how = f"transform {name}, chosen automatically: {plain(c.why)}; validation RMSE {scores}"
    elif c.requested == AUTO:
        how = f"transform {name}: {plain(c.why)}"
    else:
        how = f"transform {name}, set by hand"
    return f"{who}; {how}; {_target_words(r)}."


def _target_words(r) -> str:
    """What the model predicts (the next value, or its deviation from a baseline), chosen how."""
    t = r.target
    what = f"the model predicts **{r.predicts}**"
    if t is None or t.requested not in (AUTO, VALIDATE):
        return what + (", set by hand" if t is not None and t.chosen != "none" else "")
    if not t.scores:
        return f"{what}, since {plain(t.why)}" if t.requested == AUTO else f"{what}: {plain(t.why)}"
    scores = " · ".join(f"{k.replace('_', ' ')} {v:,.3g}" for k, v in sorted(t.scores.items(), key=lambda kv: kv[1]))
    return f"{what}, chosen automatically: {plain(t.why)}; validation RMSE {scores}"


def _compare_row(job):
    """A cell's row in Compare cells: its errors, size and training, and its loss curve."""
    run = job.result
    if run is None:
        return None
    res, m = run.fitted.result, run.report.metrics
    return ([m["lstm"]["rmse"], m["one_step"]["rmse"], count_parameters(run.fitted.model), res.epochs_run,
             res.seconds, res.losses[-1] if res.losses else float("nan")], res.losses)


def compare_view(job) -> None:
    """LSTM, GRU and RNN trained on the same data, settings and seed, side by side."""
    run = job.result
    f, r = run.fitted, run.report
    if f.result is None:
        st.info("Uploaded weights have nothing to compare with: train here to compare cells.")
        return
    asked = job.key[1]  # the settings as asked (transform 'auto', say): the key Cell in the sidebar gives
    jobs = {cell: start_forecast(f.series, asked.replace(cell=cell))
            if cell != f.config.model.cell else job for cell in ("lstm", "gru", "rnn")}
    best = r.metrics[r.best_baseline]["rmse"]
    note = (f"Same data, window, transform, epochs, learning rate and seed ({f.config.train.seed}); only the cell "
            f"differs. Best baseline ({r.best_baseline.replace('_', ' ')}): RMSE {number(best)}. "
            "Per unit, an LSTM has 3 gates and a candidate, a GRU 2 gates and a candidate, a plain RNN "
            "neither: compare them in "
            "**Gate dynamics** by switching Cell in the sidebar (the models are already trained).")
    cells_table(jobs, _compare_row, ["RMSE (recursive)", "RMSE (one-step)", "parameters", "epochs", "train seconds",
                                     "final loss"], "compare_loss",
                formats={"RMSE (recursive)": number, "RMSE (one-step)": number, "parameters": "{:,}",
                         "train seconds": "{:.1f}", "final loss": number}, note=note)
    epoch, start, length = trace_selection(run)
    done = {c: j.result for c, j in jobs.items() if j.result is not None}  # a failed cell has its error line
    traces = {c: d.trace(d.snapshot_epochs[-1], start, length) for c, d in done.items()}
    gates_side_by_side(traces, "compare_gates")
    st.caption(f"Each model's final weights on the gate view's input (from position {start}, {length} steps).")


def downloads(run, link: dict) -> None:
    """Download buttons; each file is built only when its button is clicked.

    on_click="ignore": a click that reran the page would void the other buttons' deferred files, so
    quick clicks on several buttons lost downloads."""
    f, r = run.fitted, run.report
    gate_link(link)
    view = {k: link[k] for k in links.VIEW if k in link}
    st.download_button("Run bundle (data + settings, JSON)", lambda: make_bundle(f.series, f.config, view),
                       "lstmviz-run.json", "application/json", type="primary", on_click="ignore",
                       help="Upload it under Data > Upload CSV (here or on another lstmviz) to restore this run.")
    st.caption("A run bundle holds the data, every setting and the view: upload it under **Data > Upload CSV** to "
               "restore the run anywhere. Links (the address bar) carry settings but not uploaded files.")
    trace = run.trace(*trace_selection(run))
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
