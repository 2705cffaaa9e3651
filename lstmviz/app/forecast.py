"""The forecasting page: data and model in the sidebar, training, and the result views. Its parts:
forecast_data (the series), forecast_controls (the control table), forecast_views and forecast_gates."""
from __future__ import annotations

import streamlit as st

from lstmviz import figures
from lstmviz.data import Transform

from . import forecast_data, links
from . import lessons as lesson_ui
from .display import chart
from .forecast_controls import TABLE, apply_lesson_settings, choose_config, link_params
from .forecast_data import bundle_differences, choose_source, start_forecast
from .forecast_gates import GATE_MODE_SLUGS
from .forecast_gates import KEEP as GATE_KEEP
from .forecast_views import VIEW_SLUGS, show_results, shown_window
from .forecast_weights import fixed_window, read_weights, uploaded_job
from .nextstep import main_train_button, this_data, train_button
from .progress import watch
from .state import limits, registry, session_id

MODEL_SOURCES = ["Train here", "Upload weights"]
# the link parameters this page reads
LINKS = frozenset(TABLE.links) | forecast_data.LINKS | frozenset(links.VIEW) | {"model"}
# the gate view's widget keys, kept through runs that do not draw them
KEEP = GATE_KEEP


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
                          help="Train one here, or bring your own LSTM, GRU or RNN: PyTorch, Keras or ONNX.")
        if links.consume("model") == "upload":
            links.notice("this link was made with uploaded weights, which cannot travel in a link: upload them again")
        trainable = source == MODEL_SOURCES[0]
        weights = None if trainable else read_weights()
        window = fixed_window(weights)
        config = choose_config(base, ctx, len(series), trainable, lesson_ui.essential(), series=series,
                               fixed={"window": window} if window else None)
        if st.session_state.pop("bundle_check", False) and config != base:
            bundle_differences(base, config)
        link.update(link_params(config, trainable))
        if not trainable:
            link["model"] = "upload"
            own = uploaded_job(series, config, weights)
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
        st.session_state["job_key"] = start_forecast(series, config, owner=session_id()).key
    job = reg.get(st.session_state.get("job_key"))
    job = this_data(job, job is not None and job.key[0] == series.key)
    lesson_ui.around(lesson_slot, job, (series.key, config), link,
                     "Choose settings in the sidebar and press **Train model**." if step.ready else None, watch,
                     lambda job, key, link: show_results(job, key, link, step.ready))


def apply_lesson(les) -> None:
    """Set this page up for a forecasting lesson: its preset and changes, its view; the rest as the preset has it."""
    ss = st.session_state
    ss["model_source"] = MODEL_SOURCES[0]
    if les.series is not None:  # the CSV beside the lesson file: its settings keyed by the lesson, as a CSV's by its name
        ss["source"] = forecast_data.LESSON_SOURCE
        apply_lesson_settings(f"lesson:{les.id}", les.changes)
    else:
        ss["source"], ss[TABLE["series"].key] = forecast_data.SOURCES[0], les.preset
        apply_lesson_settings(les.preset, les.changes)
    for key in ("gv_start", "gv_t", "gv_unit", "gv_units", "gv_epoch", "gv_play"):
        ss.pop(key, None)
    ss["gv_mode"] = GATE_MODE_SLUGS["series" if les.view == "gates" and "start" not in les.focus else "window"]
    ss["view"] = VIEW_SLUGS[les.view]
