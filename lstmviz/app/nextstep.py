"""The next step on every page's first screen: the Train buttons (in the sidebar and the main area) with
why they cannot be pressed, and whether the results shown are this data's and these settings'."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lstmviz.errors import LstmVizError

from .words import plain


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
