"""The gallery page: a pretrained model from assets/gallery opened with nothing to train, in the views of
the page it belongs to (a forecaster in the forecast views, a task model in the tasks views)."""
from __future__ import annotations

import streamlit as st

from lstmviz import gallery
from lstmviz import text as tx
from lstmviz.jobs import Job

from . import forecast, links, tasks, text
from . import lessons as lesson_ui
from .display import presenting
from .forecast_views import VIEW_SLUGS as FORECAST_VIEWS, show_results
from .words import plain

# the views' own link parameters, and which entry
LINKS = frozenset(forecast.LINKS | tasks.LINKS | {"view", "t", "unit"} | {"entry"})
KEEP = ()


@st.cache_resource(max_entries=8, show_spinner="Opening the pretrained model...")
def _open(name: str) -> tuple[dict | None, Job]:
    """(the entry's stored fields, a finished job holding its run): read once per server, shared by every
    session, like a trained job."""
    meta = {}

    def make():
        loaded = gallery.load_entry(name)
        meta.update(loaded.meta)
        return loaded.run

    return meta, Job.finished(("gallery", name), make)


def _caption(meta: dict, title: bool = True) -> str:
    """The entry's name (the sidebar's box cuts it short), that it is pretrained, by which recipe, and when."""
    took = f"{meta['train_seconds'] / 60:.1f} minutes" if meta["train_seconds"] >= 60 else f"{meta['train_seconds']:.0f} s"
    head = f"**{plain(meta['title'])}**, pretrained, not trained here" if title else "Pretrained, not trained here"
    return (f"{head}: {plain(meta['recipe'])}. Training took {took} on {meta['created']}; "
            f"`python -m lstmviz pretrain {meta['name']}` trains it again from scratch.")


def _text(meta: dict, job: Job, link: dict) -> None:
    """A character model in the text page's views, on the held-out excerpt stored with it (its training text
    is not stored: the views read that excerpt, and Compare cells, which would train, is left out)."""
    d = meta["data"]
    source = (f"Python {d['python']}'s standard library" if d["source"] == "code" else "the King James Bible")
    m = meta["metrics"]
    # Both scores are stored: the excerpt's, which the views below read, and all the held-out text's (read as
    # one stream, as it trained), so the page never passes the one off as the other.
    part = d["excerpt_chars"] < d["held_out_chars"]
    st.caption(f"Trained on {d['train_chars']:,} characters of {source}; shown here: "
               + (f"{d['excerpt_chars']:,} of the {d['held_out_chars']:,} held-out characters, which it never trained "
                  f"on. On all {d['held_out_chars']:,} it scores {m['bpc']:.3f} bits per character (unigram "
                  f"{m['unigram_bpc']:.3f})." if part else
                  f"its {d['held_out_chars']:,} held-out characters, which it never trained on."))
    text.results(job, job.key, link, feats=tx.code_features if d["source"] == "code" else tx.features, compare=False,
                 scored_on=f" (the {d['excerpt_chars']:,} characters shown)" if part else "")


def apply_lesson(les) -> None:
    """Open the lesson's entry in the view it names (lessons.start calls this; nothing trains)."""
    ss = st.session_state
    ss["gallery_entry"] = les.data["gallery"]
    if gallery.entry(les.data["gallery"]).kind == "task":
        ss["task_view"] = tasks.VIEW_SLUGS[les.view]
    else:
        ss["view"] = FORECAST_VIEWS[les.view]


def page(link: dict, top) -> None:
    names = gallery.names()
    raw = links.consume("entry")
    if raw is not None and links.parse("entry", raw, str, names) is not None:
        st.session_state["gallery_entry"] = raw
    with st.sidebar:
        st.header("Pretrained model")
        name = st.selectbox("Gallery", names, key="gallery_entry", format_func=lambda n: gallery.entry(n).title,
                            help="Models trained in advance by this project's recipes, for views that need more "
                                 "training than a lecture allows. Opening one trains nothing.")
    link["entry"] = name
    meta, job = _open(name)
    if job.error:
        st.error(plain(job.error))
        _open.clear()  # a missing file may be made meanwhile: try again next time
        return
    kind = gallery.entry(name).kind
    les = lesson_ui.current()
    if les is not None and les.kind == "gallery" and les.data["gallery"] == name:
        lesson_ui.apply_focus(job)  # before the views draw: it sets their unit, step and example
        lesson_ui.card(job, link)  # first: on a projector its claims must be on the first screen
    if presenting():  # the recipe in full would fill a projector's first screen
        st.info(f"**{plain(meta['title'])}**, pretrained, not trained here; `python -m lstmviz pretrain {name}` trains "
                "it again.",
                icon=":material/inventory_2:")
        with st.expander("The recipe"):
            st.markdown(_caption(meta, title=False))
    else:
        st.info(_caption(meta), icon=":material/inventory_2:")
    if kind == "forecast":
        show_results(job, job.key, link, compare=False)
    elif kind == "text":
        _text(meta, job, link)
    else:
        tasks.results(job, job.key, link, compare=False)
