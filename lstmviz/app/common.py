"""Helpers shared by the page's parts: the shared registry, limits, safe text, charts."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lstmviz import figures

from . import links

from lstmviz.bundle import read_bundle
from lstmviz.data import load_csv
from lstmviz.errors import LstmVizError
from lstmviz.jobs import Registry
from lstmviz.limits import Limits


# The Cell control's help on every page. g and n are candidates, not gates: a gate multiplies.
CELL_HELP = ("LSTM: 3 gates (input i, forget f, output o), a candidate g and a cell state c. "
             "GRU: 2 gates (reset r, update z) and a candidate n. RNN: no gates.")


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


@st.cache_resource(max_entries=4, show_spinner="Reading the run bundle...")
def read_run_bundle(data: bytes, max_rows: int):
    """A parsed run bundle, shared read-only (not parsed again on every rerun)."""
    return read_bundle(data, max_rows)


def upload_bytes(up) -> bytes:
    """An uploaded file's bytes, or LstmVizError when it is above this server's upload limit."""
    lim = limits()
    if up.size > lim.upload_bytes:
        raise LstmVizError(f"the file is {up.size / 1e6:.1f} MB; this server allows {lim.upload_mb:g} MB")
    return up.getvalue()


def pick_view(key: str, slugs: dict[str, str], link: dict) -> str:
    """The result views as one segmented control (st.tabs would compute every tab on every run, for
    every student), starting from the link's `view` if it names one; the choice goes into the link."""
    raw = links.pending("view")
    if raw is not None and links.parse("view", raw, str, list(slugs)) is not None:
        st.session_state[key] = slugs[raw]
    views = list(slugs.values())
    view = st.segmented_control("View", views, default=views[0], key=key, label_visibility="collapsed") or views[0]
    link["view"] = next(k for k, v in slugs.items() if v == view)
    return view


@dataclass(frozen=True)
class Step:
    """The Train button this run: pressed (by the user, or by a lesson), and why it cannot be, if it cannot."""

    pressed: bool
    problem: str | None = None

    @property
    def ready(self) -> bool:
        return self.problem is None


class FirstScreen(NamedTuple):
    """The main area's first lines, on every page's first screen: `row` holds the Train button (the
    lessons menu sits beside it); `why` is the full-width line under it, for why it is disabled."""

    row: DeltaGenerator
    why: DeltaGenerator


def train_button(check: Callable[[], None], key: str, help: str, top: FirstScreen) -> Step:
    """The Train button in the sidebar (where this is called) and again in `top`, the first screen: both
    press the same thing; disabled, with the reason by each, when `check()` raises. Pressed also
    right after a lesson was started (it presses Train for the user)."""
    problem = None
    try:
        check()
    except LstmVizError as e:
        problem = str(e)
        st.error(plain(problem))
    clicked = st.button("Train model", type="primary", disabled=problem is not None, key=key,
                        use_container_width=True, help=help)
    clicked = main_train_button(top, key, problem, help) or clicked
    lesson = bool(st.session_state.pop("lesson_train", False))
    return Step(problem is None and (clicked or lesson), problem)


def main_train_button(top: FirstScreen, key: str, problem: str | None, help: str = "", waiting: bool = False) -> bool:
    """The main area's Train button (`key` + "_main"), with the reason right under it when it is
    disabled: an error, or a plain note while the page is `waiting` for data."""
    clicked = top.row.button("Train model", type="primary", disabled=problem is not None, key=f"{key}_main",
                             help=help)
    if problem is not None and waiting:  # the data is chosen in the sidebar, on the left
        top.why.info(plain(problem), icon=":material/arrow_back:")
    elif problem is not None:
        top.why.error(plain(problem), icon=":material/block:")
    return clicked


def trained_caption(res) -> None:
    """How training went, in one line."""
    st.caption(f"Trained {res.epochs_run} epochs in {res.seconds:.1f} s" + (f" · {res.message}" if res.message else ""))


def stale_warning(ready: bool = True) -> None:
    st.warning("Settings changed since this model was trained: the results below are for the earlier settings. "
               + ("Press **Train model** to update them." if ready else
                  "The new settings cannot train: the reason is under the Train button."),
               icon=":material/warning:")


def this_data(job, same: bool):
    """`job`, or None when it was trained on other data (`same` is False): its charts and errors are put
    away with a note, so the previous data's results are never read as this data's."""
    if job is None or same:
        return job
    st.caption("The last run was on other data: its results are put away, so they are not read as this "
               "data's. They come back if you return to that data.")
    return None


def job_result(job, key, ready: bool = True):
    """A finished job's result, after the page's warnings: None, with an error box, if training failed;
    a stale warning if the settings have changed since (the job's key is not the page's `key`)."""
    if job.error:
        st.error(f"Training failed: {plain(job.error)}")
        return None
    if job.key != key:
        stale_warning(ready)
    return job.result


def presenting() -> bool:
    return bool(st.session_state.get("present", False))


PRESENTER_FONT = 18  # px: the smallest type a projector shows across a classroom


def chart(fig, key: str, container=None, scale_fonts: bool = True) -> None:
    """st.plotly_chart, with projector-sized type in presenter mode: axes, titles, panel titles and
    colour bars. `scale_fonts=False` for a figure that sizes its own type to its drawing."""
    if presenting() and scale_fonts:
        fig.update_layout(font=dict(size=PRESENTER_FONT), title_font=dict(size=PRESENTER_FONT + 4))
        for note in fig.layout.annotations:
            if note.font.size is not None and note.font.size < PRESENTER_FONT:
                note.font.size = PRESENTER_FONT
        for trace in fig.data:
            if "colorbar" in trace:
                trace.colorbar.title.font.size = PRESENTER_FONT
    (container or st).plotly_chart(fig, key=key)


def int_slider(label: str, lo: int, hi: int, value: int, key: str, help: str, container=None) -> int:
    """A slider, or just its one possible value when the data is too short to offer a range."""
    where = container or st
    if hi <= lo:
        where.caption(f"{label}: {lo} (the series is too short to offer more)")
        return lo
    # A slider whose range changes is a new widget to Streamlit, which would fall back to the
    # default: carry the user's value over, clamped to the new range.
    st.session_state[key] = min(max(int(st.session_state.get(key, value)), lo), hi)
    return where.slider(label, lo, hi, key=key, help=help)


def keep(*keys: str) -> None:
    """Keep these widgets' values through runs that do not draw them (Streamlit drops those)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def wait_all(jobs: dict) -> None:
    """A progress bar per unfinished job (name -> job) until all are done; they train in the background."""
    running = [name for name, job in jobs.items() if not job.done]
    bars = {name: st.progress(0.0, text=f"{name.upper()}: starting") for name in running}
    while any(not jobs[name].done for name in running):
        for name in running:
            p = jobs[name].progress()
            bars[name].progress(min(p.epoch / max(p.epochs, 1), 1.0),
                                text=f"{name.upper()}: epoch {p.epoch} of {p.epochs}")
        time.sleep(0.3)
    for bar in bars.values():
        bar.empty()


def session_id() -> str | None:
    """This browser session's id (jobs remember who started them)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def watch(job, loss_title: str | None = None, scale: float = 1.0, state_key: str = "job_key") -> None:
    """Live loss curve, progress and a Stop button while the job runs; reruns the page when done.

    The bar and the chart are drawn at once, empty, so the layout does not jump as training runs.
    Jobs are shared: only the session that started one can stop it; the others can stop watching
    (`state_key` is where this session keeps the job's key), and it trains on for whoever else waits."""
    st.subheader("Training")
    if job.owner in (None, session_id()):
        st.button("Stop training", on_click=job.stop, key="stop", disabled=job.stop_requested)
    else:
        st.button("Stop watching", on_click=st.session_state.pop, args=(state_key, None), key="stop",
                  help="Someone else started this same training; it goes on for them. Press Train to watch again.")
    bar, plot = st.empty(), st.empty()
    title = {"title": loss_title} if loss_title else {}
    p = job.progress()
    bar.progress(0.0, text=f"epoch 0 of {p.epochs} · starting")
    chart(figures.loss_curve([], None, p.epochs, **title), "live_loss_0", plot)
    scaled = (lambda xs: [x * scale for x in xs]) if scale != 1.0 else (lambda xs: xs)  # noqa: E731
    drawn = 0
    while not job.wait(0.4):
        p = job.progress()
        eta = f", about {p.eta:.0f} s left" if p.eta is not None else ""
        bar.progress(min(p.epoch / max(p.epochs, 1), 1.0), text=f"epoch {p.epoch} of {p.epochs} · {p.elapsed:.1f} s{eta}")
        if p.epoch > drawn:  # redraw only on news; each drawing needs its own key (identical charts clash)
            drawn = p.epoch
            chart(figures.loss_curve(scaled(p.losses), scaled(p.val_losses), p.epochs, **title), f"live_loss_{drawn}",
                  plot)
    st.rerun()


def gates_side_by_side(traces: dict, key: str, input_names: list[str] | None = None,
                       rows: dict[str, list[int]] | None = None) -> None:
    """Each cell's gates on the same input, in matching views (LSTM: i f g o c h; GRU: r z n h; RNN: h);
    rows: cell -> the units to draw (default: all)."""
    if not traces:
        return
    st.markdown("**Their gates and states on the same input** (LSTM: gates i f o, candidate g, states c h; "
                "GRU: gates r z, candidate n, state h; RNN: h only):")
    for tab, (name, trace) in zip(st.tabs([name.upper() for name in traces]), traces.items()):
        with tab:
            scales = figures.PROJECTOR if presenting() else (figures.SEQUENTIAL, figures.DIVERGING)
            chart(figures.gate_heatmaps(trace, input_names=input_names, colorscales=scales,
                                        units=(rows or {}).get(name) or None), f"{key}_{name}")
