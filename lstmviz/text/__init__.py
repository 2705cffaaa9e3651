"""Character-level language models on text: everything the text page shows, without Streamlit.

    corpus.py    Corpus, Vocab: a checked, newline-normalised text and its characters
    builtin.py   builtin_text: the generated "stories" and "brackets" texts
    model.py     CharModel, TextConfig, fit_text -> TextFit, run_text -> TextRun; bits per character
    units.py     features of a text (of Python source too), the units that track them, LSTMVis-style spans
    recipes.py   the gallery's character models: Python source from the standard library, and prose
    generate.py  sampling with a temperature, and the trace of the model reading the sample
    html.py      the text coloured by a unit's value

Shapes: a text of T characters becomes ids (T,) int64; recorded values are (T, H), axis 0 is time;
features are (T,), aligned with them. `from lstmviz.text import fit_text, features, ...` reaches them all.
"""
from .builtin import BUILTIN_TEXTS, builtin_text
from .corpus import MAX_CHARS, MAX_VOCAB, MIN_CHARS, Corpus, Vocab
from .generate import generate
from .html import colored_text_html, value_colors, value_range
from .model import (MAX_STEPS, CharModel, TextConfig, TextFit, TextRun, bpc, build_model, fit_text, record_text,
                    run_text, to_bits, to_nats, unigram_bpc)
from .units import CODE_FEATURES, FEATURES, code_features, features, matches, on_run, on_runs, rank_units, select_span, top_units

__all__ = ["Vocab", "Corpus", "CharModel", "TextConfig", "TextFit", "TextRun", "BUILTIN_TEXTS", "builtin_text",
           "fit_text", "run_text", "bpc", "unigram_bpc", "to_bits", "to_nats", "record_text", "features",
           "FEATURES", "code_features", "CODE_FEATURES", "rank_units", "top_units", "on_run", "on_runs", "select_span", "matches", "generate",
           "build_model", "colored_text_html", "value_colors", "value_range", "MAX_CHARS", "MIN_CHARS", "MAX_VOCAB",
           "MAX_STEPS"]
