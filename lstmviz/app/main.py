"""The page: the mode chooser, presenter mode and the lessons around the four pages (forecast, tasks, text,
gallery). app.py calls main() on every script run."""
from __future__ import annotations

import streamlit as st
import torch

from lstmviz.errors import LstmVizError
from lstmviz.data import ASSETS

from . import forecast, gallery, lessons, links, tasks, text
from .display import presenting
from .nextstep import FirstScreen
from .state import keep_widgets, limits, start_engine

# Bigger type for a projector; the sidebar's controls stay readable but out of the way.
PRESENTER_CSS = """<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"], label { font-size: 1.05em !important; }
h1 { font-size: 2.6rem !important; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.15em; }
/* every pixel of a projector for the content: Streamlit's padding is in rem, which the type above inflates */
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 2rem 1rem 4rem 1rem; }
</style>"""


EXPLORE = {"forecast": "Forecast a series", "tasks": "Sequence tasks", "text": "Text", "gallery": "Gallery"}
PAGES = {"forecast": forecast, "tasks": tasks, "text": text, "gallery": gallery}


def main() -> None:
    # A local icon: a ":material/...:" favicon is fetched from fonts.gstatic.com, which a classroom
    # server without internet cannot reach.
    st.set_page_config(page_title="lstmviz: see inside an LSTM", page_icon=str(ASSETS / "icon.svg"), layout="wide")
    # Many sessions share two cores; tiny recurrent nets train no faster on two threads than on one.
    torch.set_num_threads(1)
    keep_widgets(*(key for page in PAGES.values() for key in page.KEEP))
    links.read_link(set().union(*(page.LINKS for page in PAGES.values())))
    present = links.flag(links.consume("present"))
    if present is not None:
        st.session_state["present"] = present
    st.title("lstmviz: see inside an LSTM")
    try:
        limits()
    except LstmVizError as e:
        st.error(f"This server's limits are misconfigured: {e}. Fix the environment variable and restart.")
        return
    with st.sidebar:
        st.toggle("Presenter mode", key="present",
                  help="Big type, projector-proof colours, only the controls that matter. In a link: ?present=1")
        lessons.picker(PAGES)
    if presenting():
        st.html(PRESENTER_CSS)
    notices = st.container()
    # The next step on the first screen (a projector shows no more): the page's Train button, the lessons.
    row = st.container(horizontal=True, vertical_alignment="center")
    step = FirstScreen(row.container(), st.container())
    with row:
        lessons.picker(PAGES, main=True)
    raw = links.consume("explore")
    if raw is not None and links.parse("explore", raw, str, list(EXPLORE)) is not None:
        st.session_state["explore"] = EXPLORE[raw]
    with st.sidebar:
        mode = st.radio("Explore", list(EXPLORE.values()), key="explore", horizontal=True,
                        help="Forecast a time series; train on sequence tasks whose mechanism is known; "
                             "train a character model on text; or open a pretrained model from the gallery.")
    slug = next(k for k, v in EXPLORE.items() if v == mode)
    links.drop_other_modes(PAGES[slug].LINKS)
    link: dict[str, str] = {"explore": slug}
    PAGES[slug].page(link, step)
    if presenting():
        link["present"] = "1"
    links.write_link(link)
    with notices:
        links.show_notices()
    # The engine's workers start only now, with the first page drawn: started earlier, the worker processes'
    # imports (torch, seconds each) compete for the cores the first page needs.
    start_engine()
