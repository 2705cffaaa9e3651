"""The text page: the sidebar (the text, the model's controls from one table, Train), the training job,
and the result's views (drawn by text_views): a character-level model trained live in bits per
character, the text coloured by any unit, LSTMVis-style span selection with matches, and sampling."""
from __future__ import annotations

import hashlib
import math

import streamlit as st

from lstmviz import text as tx
from lstmviz.errors import LstmVizError
from lstmviz.jobs import Job

from .display import pick_view, plain_text
from .nextstep import job_result, main_train_button, this_data, train_button, trained_caption
from .progress import watch
from .state import limits, registry, session_id, upload_bytes
from .words import plain
from .controls import Control, Table
from .scrubber import keys as scrub_keys
from .text_views import compare_view, generate_view, text_view, training_view

SOURCES = {"stories": "Built-in: stories (~100 KB)", "brackets": "Built-in: nested brackets",
           "typed": "Type or paste", "upload": "Upload a .txt file"}
VIEWS = ["Text", "Generate", "Training", "Compare cells"]
VIEW_SLUGS = {"text": VIEWS[0], "generate": VIEWS[1], "training": VIEWS[2], "compare": VIEWS[3]}
SEQ_LENS = (25, 50, 100, 200)
LRS = (1e-3, 3e-3, 1e-2, 3e-2)
# The page's controls: link name, session key, label, and the TextConfig field whose declared range they take.
TABLE = Table(
    tx.TextConfig,
    Control("text", "text_source", "Text", kind=str, options=tuple(SOURCES), widget="radio", format=SOURCES.get),
    Control("cell", "tx:cell", "Cell", field="cell", kind=str, widget="selectbox", format=str.upper,
            help="A GRU often grows a clearer quote unit in a short run; an LSTM needs longer."),
    Control("hidden", "tx:hidden", "Hidden units", field="hidden_size"),
    # 100 at most: a slider past that is hard to aim, and 15 already take a few seconds
    Control("epochs", "tx:epochs", "Epochs", field="epochs", hi=100,
            help="Passes over the text; 15 take a few seconds on the built-in stories."),
    Control("seqlen", "tx:seq_len", "Characters per training sequence", field="seq_len", options=SEQ_LENS,
            widget="select_slider", help="How far back the gradient reaches (truncated backpropagation)."),
    Control("lr", "tx:lr", "Learning rate", field="lr", kind=float, options=LRS, snap=True, widget="select_slider",
            format=lambda v: f"{v:g}"),
    Control("seed", "tx:seed", "Seed", field="seed", widget="number"),
)
MODEL_CONTROLS = ("cell", "hidden", "epochs", "seqlen", "lr", "seed")
# the link parameters this page reads: its table's, the view (pick_view), and the scrubber's t and unit
LINKS = frozenset(TABLE.links | {"view", "t", "unit"})
# the Text and Generate views' settings, kept while another view is open (app.main)
KEEP = ("tx_len", "tx_start", "tx_unit", "tx_span", "tx_find", *(f"tx_thr_{q}" for q in "ifgocrznh"),
        "gen_prompt", "gen_len", "gen_temp", "gen_seed", "gen_unit", "gen_all_rows", *scrub_keys("tg_"))
BITS = 1 / math.log(2)
EXAMPLE = ('She said, "Look at the quotes (and the brackets)." He said, "I see them." '
           "Then they walked home (slowly) and said nothing. ") * 40


def _source(link: dict):
    """Sidebar: the text. Returns (text or None, a key for the data)."""
    row = TABLE["text"]
    row.from_link()
    # drawn here, not by the table: a vertical radio, as the four choices do not fit on one line
    source = st.radio(row.label, row.options, format_func=row.format, key=row.key)
    link["text"] = source
    lim = limits()
    try:
        if source in tx.BUILTIN_TEXTS:
            return tx.builtin_text(source), source
        if source == "typed":
            typed = st.text_area("Your text", EXAMPLE, height=160, key="text_typed", max_chars=lim.text_chars,
                                 help="A few thousand characters or more; the model learns to predict the next one.")
            corpus = tx.Corpus.from_text(typed, max_chars=lim.text_chars)
        else:
            up = st.file_uploader(".txt file", type=["txt", "md", "csv"], key="text_upload",
                                  help=f"UTF-8 text, up to {lim.text_chars:,} characters.")
            if up is None:
                st.info("Upload a UTF-8 text file.")
                return None, None
            corpus = tx.Corpus.from_bytes(upload_bytes(up), max_chars=lim.text_chars)
    except LstmVizError as e:
        st.error(f"{plain(e)}.")
        return None, None
    st.caption("Texts you type or upload cannot travel in a link.")
    return corpus.text, hashlib.sha1(corpus.text.encode()).hexdigest()[:16]


def _config(lim) -> tx.TextConfig:
    """Sidebar: the model's controls, each drawn from its row; this server's limits narrow two of them."""
    base = tx.TextConfig(max_chars=lim.text_chars)
    flat = base.flat()
    narrow = {"hidden": {"hi": lim.hidden_size}, "epochs": {"hi": min(TABLE["epochs"].hi, lim.epochs)}}
    values = {}
    for name in MODEL_CONTROLS:
        row = TABLE[name]
        values[name] = TABLE.draw(name, flat[row.field], **narrow.get(name, {}))
    return base.replace(**TABLE.changes(values))


def start_job(text: str, data_key: str, config: tx.TextConfig) -> Job:
    """The training job for (data, config), shared by every session that asks for it; its result is a TextRun."""
    def run(on_epoch, max_seconds) -> tx.TextRun:
        return tx.run_text(text, config, on_epoch=on_epoch, max_seconds=max_seconds)

    key = ("text", data_key, config)
    return registry().start_job(key, lambda: Job(key, run, config.train.epochs, limits().train_seconds),
                                session_id())


def page(link: dict, top) -> None:
    """The text page; the Train button shows again in `top`, on the first screen."""
    lim = limits()
    with st.sidebar:
        st.header("1 · Text")
        text, data_key = _source(link)
        if text is None:
            main_train_button(top, "text_train", "Choose the text, or fix it, in the sidebar first.", waiting=True)
            return
        st.header("2 · Model")
        config = _config(lim)
        link.update(TABLE.params(config))

        def check():
            config.check()
            lim.check_config(config)

        step = train_button(check, "text_train", "Learn to predict the next character; the last 10% of the text "
                                                 "is held out.", top)
    st.caption(f"{len(text):,} characters, {len(set(text))} distinct. The model reads one character at a time "
               "(one-hot) and predicts the next; the last 10% is held out.")
    key = ("text", data_key, config)
    if step.pressed:
        st.session_state["text_job"] = start_job(text, data_key, config).key
    job = registry().get(st.session_state.get("text_job"))
    job = this_data(job, job is not None and job.key[1] == data_key)
    if job is None:
        plain_text(text[:600] + ("..." if len(text) > 600 else ""))
        if step.ready:
            st.info("Press **Train model** to train on this text.")
        return
    if not job.done:
        watch(job, "Loss (bits per character)", scale=BITS, state_key="text_job")
    results(job, key, link, step.ready)


def results(job, key, link: dict, ready: bool = True, feats=tx.features, compare: bool = True,
            scored_on: str = "") -> None:
    """The run's views. `feats`: the features the Text view ranks units by (tx.code_features for source code);
    compare=False leaves out Compare cells, which trains (a pretrained model's text is only an excerpt);
    `scored_on`: which held-out characters the score is of, when not all of them (" (the 60,000 shown)")."""
    run: tx.TextRun | None = job_result(job, key, ready)
    if run is None:
        return
    fit, res = run.fit, run.fit.result
    verdict = "beats" if run.beats_unigram else "does not beat"
    st.markdown(f"Held-out{scored_on}: **{run.bpc:.3f} bits per character**; the unigram baseline (character frequencies "
                f"alone) scores **{run.unigram_bpc:.3f}**: the model {verdict} it.")
    trained_caption(res)
    text = fit.train_text + fit.val_text
    views = {"Text": lambda: text_view(job, fit, feats), "Generate": lambda: generate_view(job, fit, link),
             "Training": lambda: training_view(fit),
             "Compare cells": lambda: compare_view(fit, lambda config: start_job(text, job.key[1], config))}
    views[pick_view("text_view", VIEW_SLUGS, link, compare)]()
