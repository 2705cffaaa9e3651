"""What the forecasting page runs on: the series (built-in, typed, an uploaded CSV or run bundle) with
its base config, and the shared training job for (series, config). Uploaded weights: forecast_weights.py."""
from __future__ import annotations

import hashlib

import streamlit as st

from lstmviz.bundle import is_bundle
from lstmviz.data import BUILTINS, builtin, parse_text
from lstmviz.errors import LstmVizError
from lstmviz.forecast import ForecastConfig, default_config, preset
from lstmviz.forecast_run import ForecastRun, forecast_job, run_key
from lstmviz.jobs import Job

from . import datasource, links
from . import lessons as lesson_ui
from .forecast_controls import SINE, SINE_CONTROLS, TABLE
from .state import limits, read_csv, read_run_bundle, registry, upload_bytes
from .words import plain

SOURCES = ["Built-in series", "Type a sequence", "Upload CSV"]
LESSON_SOURCE = "The lesson's CSV"  # offered while a lesson that brings its own CSV is on
SOURCE_SLUGS = {"builtin": SOURCES[0], "typed": SOURCES[1], "csv": SOURCES[2]}
EXAMPLE_TEXT = ("112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,\n"
                "115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,\n"
                "145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166")
LINKS = frozenset({"src", "typed", "series", *SINE_CONTROLS})  # the link names the data part reads


def _link_source() -> None:
    """The link's data settings into the widgets' state (first run of a session only)."""
    src = links.consume("src")
    if src in ("csv", "bundle"):
        links.notice("this link was made from an uploaded file, which cannot travel in a link: upload the same "
                     "CSV, or the run bundle from its Downloads view")
        src = "csv"
    if src is not None and links.parse("src", src, str, list(SOURCE_SLUGS)) is not None:
        st.session_state["source"] = SOURCE_SLUGS[src]
    for name in ("series", *SINE_CONTROLS):
        TABLE.from_link(name)
    typed = links.consume("typed")
    if typed is not None:
        st.session_state["typed"] = typed[:limits().text_chars]


def choose_source(link: dict):
    """Sidebar: where the series comes from. Returns (series or None, base config, context key).
    Fills `link` with the data part of this run's link."""
    _link_source()
    les = lesson_ui.current()
    own = les if les is not None and les.series is not None else None
    if st.session_state.get("source") == LESSON_SOURCE and own is None:
        st.session_state["source"] = SOURCES[0]
    source = st.radio("Data", SOURCES + ([LESSON_SOURCE] if own else []), key="source",
                      help="A built-in example, numbers you type, or your own CSV.")
    if source == LESSON_SOURCE:
        link["src"] = "lesson"
        st.caption(f"**{plain(own.data['csv'])}**, beside the lesson file: {len(own.series):,} values of "
                   f"**{plain(own.series.name)}**.")
        return own.series, default_config(own.series), f"lesson:{own.id}"
    if source == SOURCES[0]:
        return _builtin(link)
    if source == SOURCES[1]:
        return _typed(link)
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


def _builtin(link: dict):
    name = TABLE.draw("series", next(iter(BUILTINS)))
    series, config = preset(name)
    link.update(src="builtin", series=name)
    if name == "sine":
        c1, c2 = st.columns(2)
        values = {row: TABLE.draw(row, SINE[param], box)
                  for row, param, box in zip(SINE_CONTROLS, ("length", "period", "noise", "seed"), (c1, c2, c1, c2))}
        series = builtin("sine", length=int(values["len"]), period=float(values["period"]),
                         noise=float(values["noise"]), seed=int(values["nseed"]))
        link.update({row: TABLE[row].param(value) for row, value in values.items()})
    if series.note:
        st.caption(series.note)
    return series, config, name


def _typed(link: dict):
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


def bundle_differences(wanted: ForecastConfig, got: ForecastConfig) -> None:
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


def start_forecast(series, config: ForecastConfig, owner: str | None = None) -> Job[ForecastRun]:
    """The shared training job for (series, config): the one already running or done, or a new one."""
    return registry().start_job(run_key(series, config),
                                lambda: forecast_job(series, config, max_seconds=limits().train_seconds), owner)
