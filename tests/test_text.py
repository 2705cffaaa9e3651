"""Text mode: corpus checks, bits per character, features, the unit ranker, span selection, sampling, HTML."""
import hashlib
import html
import math
from html.parser import HTMLParser

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.errors import InputError
from lstmviz.limits import Limits
from lstmviz.record import Block, Trace
from lstmviz.text import (BUILTIN_TEXTS, CharModel, Corpus, TextConfig, Vocab, bpc, builtin_text, features, fit_text,
                          generate, matches, on_run, on_runs, rank_units, record_text, select_span, to_bits, to_nats,
                          top_units, unigram_bpc)
from lstmviz.textviz import colored_text_html, unit_text_figure, value_colors

torch.set_num_threads(1)

REPEAT = "the cat sat on the mat. the dog sat on the log. " * 24  # 1,176 characters
TINY = TextConfig().replace(hidden_size=24, seq_len=24, epochs=25, batch_size=8, lr=2e-2, lr_decay=0.3, seed=3)


@pytest.fixture(scope="module")
def tiny_fit():
    return fit_text(REPEAT, TINY)


# ---- vocabulary and corpus

@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_vocab_round_trip(text):
    vocab = Vocab.from_text(text)
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert len(vocab) == len(set(text)) and ids.max() < len(vocab)
    assert vocab.decode(ids) == text
    assert list(vocab.chars) == sorted(set(text))


def test_vocab_refuses_unknown_characters_and_bad_ids():
    vocab = Vocab.from_text("abc")
    with pytest.raises(InputError, match=r"not in the model's vocabulary: 'z', 'é'"):
        vocab.encode("abzcé")
    with pytest.raises(InputError, match="ids must be 0 to 2"):
        vocab.decode([0, 3])
    with pytest.raises(InputError, match="Vocab.from_text"):
        Vocab(("b", "a"))
    assert "b" in vocab and "z" not in vocab and vocab.unknown("xaxy") == ["x", "y"]


def test_corpus_normalises_newlines_and_byte_order_mark():
    c = Corpus.from_text("\ufeffline one\r\nline two\rline three" + "." * 40)
    assert c.text.startswith("line one\nline two\nline three") and "\r" not in c.text
    assert c.vocab.decode(c.encode()) == c.text
    u = Corpus.from_bytes(("\ufeff" + "h\u00e9llo w\u00f6rld\r\n" * 5).encode("utf-8"))
    assert u.text == "h\u00e9llo w\u00f6rld\n" * 5


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\t  ", "empty or only white space"),
    ("short", "5 characters; at least 32"),
    ("a" * 100, "only one distinct character \\('a'\\)"),
    ("ab" * 60 + "\x00", "binary"),
    ("".join(chr(0x4E00 + k) for k in range(300)), "300 distinct characters; at most 256"),
])
def test_corpus_refuses_bad_text(text, message):
    with pytest.raises(InputError, match=message):
        Corpus.from_text(text)


def test_corpus_length_limit_and_bad_bytes():
    with pytest.raises(InputError, match="1,001 characters; at most 1,000"):
        Corpus.from_text("ab" * 500 + "c", max_chars=1000)
    assert len(Corpus.from_text("ab" * 500, max_chars=1000)) == 1000
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 3 is 0xe9\)"):
        Corpus.from_bytes(b"caf\xe9 au lait, a long enough text to train on.")
    with pytest.raises(InputError, match="UTF-16"):
        Corpus.from_bytes("hello".encode("utf-16"))
    with pytest.raises(InputError, match="bytes, more than 10 characters"):
        Corpus.from_bytes(b"x" * 100, max_chars=10)


def test_fit_text_says_how_much_text_it_needs():
    with pytest.raises(InputError, match=r"sequence length 100 with 10% held out needs at least 223"):
        fit_text("abcdefghij" * 10, TextConfig())
    with pytest.raises(InputError, match="needs at least 223"):  # 222 - 22 held out = 200 < 2 * 100 + 1
        fit_text(("abcdefghij" * 23)[:222], TextConfig().replace(epochs=1))
    fit = fit_text(("abcdefghij" * 23)[:223], TextConfig().replace(epochs=1, hidden_size=4))
    assert len(fit.train_text) == 201 and len(fit.val_text) == 22 and fit.result.epochs_run == 1
    with pytest.raises(InputError, match="sequence length must be 2 to 2,000"):
        fit_text(REPEAT, TextConfig(seq_len=1))
    with pytest.raises(InputError, match="cell must be one of"):
        TextConfig().replace(cell="transformer").check()


def test_config_round_trip_and_limits():
    cfg = TextConfig().replace(hidden_size=32, epochs=3, cell="gru")
    assert TextConfig.from_dict(cfg.to_dict()) == cfg and hash(cfg) == hash(TextConfig.from_dict(cfg.to_dict()))
    assert cfg.train.epochs == 3 and cfg.train.seed == cfg.train.seed
    with pytest.raises(InputError, match="unknown setting"):
        cfg.replace(window=3)
    with pytest.raises(InputError, match="128 hidden units is above this server's limit of 64"):
        Limits(hidden_size=64).check_config(TextConfig().replace(hidden_size=128))


# ---- bits per character

def test_unigram_bpc_against_a_hand_computation():
    # counts a:2 b:1, alphabet {a, b}: p(a) = 3/5, p(b) = 2/5 (add-one)
    assert unigram_bpc("aab", "ab") == pytest.approx(-(math.log2(3 / 5) + math.log2(2 / 5)) / 2, abs=1e-12)
    # a character never seen in training gets 1 / (N + A), A counting it: 1 / (3 + 3)
    assert unigram_bpc("aab", "c") == pytest.approx(math.log2(6), abs=1e-12)
    with pytest.raises(InputError, match="empty"):
        unigram_bpc("aab", "")


def test_bits_and_nats():
    assert to_bits(math.log(2)) == pytest.approx(1.0)
    assert to_bits([math.log(4), 0.0]) == pytest.approx([2.0, 0.0])
    np.testing.assert_allclose(to_nats(to_bits(np.array([0.3, 2.5]))), [0.3, 2.5])
    assert to_nats(1.0) == pytest.approx(math.log(2))


def test_tiny_model_beats_the_unigram_baseline(tiny_fit):
    fit = tiny_fit
    assert isinstance(fit.model, CharModel) and fit.result.ok and fit.result.epochs_run == TINY.train.epochs
    assert fit.train_text + fit.val_text == REPEAT and len(fit.val_text) == round(len(REPEAT) * 0.1)
    assert fit.train_bpc == pytest.approx([v / math.log(2) for v in fit.result.losses])
    model_bits, baseline = bpc(fit, fit.val_text), unigram_bpc(fit.train_text, fit.val_text)
    assert baseline == pytest.approx(3.4, abs=0.2)
    assert model_bits < 1.5 < baseline  # a repetitive text is nearly predictable
    # bpc scores every character after the first: one long chunk from a zero state, by hand
    text = fit.val_text[:20]
    ids = torch.from_numpy(fit.vocab.encode(text))
    with torch.no_grad():
        nats = torch.nn.functional.cross_entropy(fit.model(ids[None, :-1])[0], ids[1:])
    assert bpc(fit, text) == pytest.approx(float(nats) / math.log(2), rel=1e-5)


def test_training_is_reproducible_by_seed(tiny_fit):
    cfg = TINY.replace(epochs=3)
    a, b = fit_text(REPEAT, cfg), fit_text(REPEAT, cfg)
    assert a.result.losses == b.result.losses
    assert fit_text(REPEAT, cfg.replace(seed=4)).result.losses != a.result.losses


# ---- features

def test_features_on_a_hand_made_string():
    text = 'a "b c" (d (e)) f'
    f = features(text)
    assert f["in_quotes"].tolist() == [0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert f["bracket_depth"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 0, 0, 0]
    assert f["in_brackets"].tolist() == [0] * 8 + [1] * 6 + [0] * 3
    assert f["is_space"].tolist() == [float(c == " ") for c in text]
    assert f["is_punctuation"].tolist() == [float(c in '"()') for c in text]
    g = features("ab1 C\nxy. Z\u201cq\u201d)")
    assert g["word_position"].tolist() == [1, 2, 3, 0, 1, 0, 1, 2, 0, 0, 1, 0, 1, 0, 0]
    assert g["line_position"].tolist() == [1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert g["is_upper"].tolist() == [float(c.isupper()) for c in "ab1 C\nxy. Z\u201cq\u201d)"]
    assert g["is_digit"].tolist() == [0, 0, 1] + [0] * 12
    assert g["is_newline"].tolist() == [0] * 5 + [1] + [0] * 9
    assert g["after_sentence_end"].tolist() == [0] * 8 + [1, 1, 0, 0, 0, 0, 0]
    assert g["in_quotes"].tolist() == [0] * 11 + [1, 1, 0, 0]  # typographic quotes open and close
    assert g["bracket_depth"].tolist() == [0] * 15  # a stray closer does not go below 0
    assert len(features("a\r\nb")["is_newline"]) == 3  # newlines normalised, as record_text does


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet='ab "()[]\n', max_size=80))
def test_feature_properties(text):
    f = features(text)
    assert all(len(v) == len(text) for v in f.values())
    parity = np.cumsum([c == '"' for c in text]) % 2 if text else np.zeros(0)
    np.testing.assert_array_equal(f["in_quotes"], parity)
    depth, expected = 0, []
    for c in text:
        depth = max(0, depth + (c in "([") - (c in ")]"))
        expected.append(depth)
    np.testing.assert_array_equal(f["bracket_depth"], expected)
    np.testing.assert_array_equal(f["in_brackets"], np.array(expected) > 0)


# ---- the unit ranker

def _trace(layers: list[np.ndarray]) -> Trace:
    """A trace holding the given (T, H) values as h of an RNN's layers."""
    blocks = [Block("rnn", 0, k, 0, "rnn", {"h": v[:, None, :]}, 0.0, v.nbytes) for k, v in enumerate(layers)]
    return Trace(blocks=blocks, inputs={})


def test_rank_units_recovers_a_planted_correlation():
    rng = np.random.default_rng(0)
    feats = features('say "hello there" (and (so) on) now "yes" ok (fine) ' * 4)
    T = len(feats["in_quotes"])
    low, high = rng.normal(size=(T, 6)), rng.normal(size=(T, 6))
    high[:, 4] = feats["in_quotes"] * 2 + 0.1 * rng.normal(size=T)  # layer 1, unit 4: the quote unit
    low[:, 2] = -feats["bracket_depth"] + 0.2 * rng.normal(size=T)  # layer 0, unit 2: minus the depth
    low[:, 5] = 7.0  # a constant unit correlates 0, never NaN
    ranked = rank_units(_trace([low, high]), {k: feats[k] for k in ("in_quotes", "bracket_depth")}, top=2)
    assert [(d["feature"], d["layer"], d["unit"]) for d in ranked[::2]] == [("in_quotes", 1, 4), ("bracket_depth", 0, 2)]
    assert ranked[0]["correlation"] == pytest.approx(np.corrcoef(high[:, 4], feats["in_quotes"])[0, 1], abs=1e-12)
    assert ranked[2]["correlation"] == pytest.approx(np.corrcoef(low[:, 2], feats["bracket_depth"])[0, 1], abs=1e-12)
    assert ranked[0]["correlation"] > 0.95 and ranked[2]["correlation"] < -0.9
    # second for quotes: the depth unit, since quotes and brackets never overlap in this text
    assert (ranked[1]["layer"], ranked[1]["unit"]) == (0, 2)
    assert ranked[1]["correlation"] == pytest.approx(np.corrcoef(low[:, 2], feats["in_quotes"])[0, 1], abs=1e-12)
    assert all(d["quantity"] == "h" for d in ranked) and len(ranked) == 4
    everything = rank_units(_trace([low]), {"q": feats["in_quotes"], "none": np.zeros(T)}, top=6)
    assert {d["feature"] for d in everything} == {"q"}  # a constant feature is left out
    assert [d["correlation"] for d in everything if d["unit"] == 5] == [0.0]
    with pytest.raises(InputError, match="same text"):
        rank_units(_trace([low]), {"q": np.zeros(T - 1)})


# ---- LSTMVis-style selection

def _on(T: int, H: int, runs: dict[int, list[tuple[int, int]]]) -> np.ndarray:
    v = np.full((T, H), -0.5)
    for unit, spans in runs.items():
        for s, e in spans:
            v[s:e, unit] = 0.9
    return v


def test_select_span_and_matches_on_known_answers():
    v = _on(12, 5, {0: [(3, 6)], 1: [(2, 7)], 2: [(3, 6), (8, 11)], 3: [(3, 5)], 4: [(0, 2), (10, 12)]})
    assert select_span(v, 3, 6, 0.5).tolist() == [0, 2]  # 1 is on around it, 3 drops out inside it
    assert select_span(v, 3, 6, 0.5, margin=0).tolist() == [0, 1, 2]
    assert select_span(v, 0, 2, 0.5).tolist() == [4]  # at the edge, only the step after counts
    assert matches(v, [2], 0.5) == [(3, 6), (8, 11)]
    assert matches(v, [0, 2], 0.5) == [(3, 6)]
    assert matches(v, [2], 0.5, exclude=(3, 6)) == [(8, 11)]
    assert matches(v, [2], 0.5, min_len=4) == []
    assert matches(v, [4], 0.5) == [(0, 2), (10, 12)]  # runs touching both ends
    with pytest.raises(InputError, match="no units selected"):
        matches(v, [], 0.5)
    with pytest.raises(InputError, match="span"):
        select_span(v, 6, 6, 0.5)
    with pytest.raises(InputError, match="unit ids must be 0 to 4"):
        matches(v, [5], 0.5)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=40))
def test_matches_are_the_maximal_runs(rows):
    on = np.array(rows)
    v = np.where(on, 1.0, 0.0)
    spans = matches(v, [0, 2], 0.5)
    both = on[:, 0] & on[:, 2]
    covered = np.zeros(len(on), dtype=bool)
    for s, e in spans:
        assert both[s:e].all() and (s == 0 or not both[s - 1]) and (e == len(on) or not both[e])
        covered[s:e] = True
    np.testing.assert_array_equal(covered, both)


# ---- recording and sampling

def test_record_text_and_features_line_up(tiny_fit):
    text = "the dog sat on the mat. the cat"
    trace = record_text(tiny_fit, text)
    assert trace.get("h", module="lstm").shape == (len(text), TINY.model.hidden_size)
    assert len(features(text)["is_space"]) == len(text)
    with pytest.raises(InputError, match=r"'\\n'"):  # no newline in the training text
        record_text(tiny_fit, "the\r\ncat")
    assert trace.max_error <= 1e-5
    np.testing.assert_array_equal(trace.input("lstm")[:, tiny_fit.vocab.chars.index("d")][:5], [0, 0, 0, 0, 1])
    assert record_text(tiny_fit, REPEAT, max_steps=50).get("c").shape == (50, TINY.model.hidden_size)


def test_generate_is_reproducible_and_follows_the_model(tiny_fit):
    a, trace = generate(tiny_fit, "the ", 60, temperature=1.0, seed=7)
    b, _ = generate(tiny_fit, "the ", 60, temperature=1.0, seed=7)
    c, _ = generate(tiny_fit, "the ", 60, temperature=1.5, seed=8)
    assert a == b and a != c and a.startswith("the ") and len(a) == 64
    assert trace.get("h").shape == (64, TINY.model.hidden_size)
    # nearly zero temperature: each character is the argmax of the full forward over the text so far
    greedy, trace = generate(tiny_fit, "the ", 40, temperature=1e-30, seed=0)
    ids = tiny_fit.vocab.encode(greedy)
    np.testing.assert_array_equal(trace.output[0, 3:-1].argmax(-1).numpy(), ids[4:])


def test_generate_with_a_gru():
    fit = fit_text(REPEAT, TINY.replace(cell="gru", epochs=2))
    text, trace = generate(fit, "the", 5, seed=1)
    assert len(text) == 8 and trace.kind() == "gru" and trace.get("z").shape == (8, TINY.model.hidden_size)
    assert generate(fit, "the", 5, seed=1)[0] == text


@pytest.mark.parametrize("kwargs, message", [
    (dict(temperature=0), "temperature must be a number above 0"),
    (dict(temperature=-1.0), "above 0"),
    (dict(temperature=float("nan")), "above 0"),
    (dict(temperature="hot"), "above 0"),
    (dict(prompt="the Q"), r"not in the model's vocabulary: 'Q'"),
    (dict(prompt=""), "prompt of at least one character"),
    (dict(length=0), "length must be at least 1"),
])
def test_generate_refuses_bad_settings(tiny_fit, kwargs, message):
    args = dict(prompt="the ", length=10, temperature=1.0) | kwargs
    with pytest.raises(InputError, match=message):
        generate(tiny_fit, **args)


def test_builtin_texts_are_fixed_and_balanced():
    depth = {}
    for name in BUILTIN_TEXTS:
        text = builtin_text(name)
        f = features(text)
        assert f["bracket_depth"][-1] == 0 and f["in_quotes"][-1] == 0
        assert text.count("(") == text.count(")") and text.count('"') % 2 == 0
        depth[name] = f["bracket_depth"].max()
    assert depth == {"stories": 1, "brackets": 6}
    stories = builtin_text("stories")
    assert 100_000 <= len(stories) < 101_000 and 25_000 < len(builtin_text("brackets")) < 31_000
    assert features(stories)["in_quotes"].mean() > 0.15 and max(map(len, stories.split("\n"))) <= 72
    assert hashlib.sha256(stories.encode()).hexdigest()[:12] == STORIES_SHA
    with pytest.raises(InputError, match="choose one of stories, brackets"):
        builtin_text("war_and_peace")


STORIES_SHA = "1889640cf9ca"  # the generator pinned: change it only on purpose


# ---- HTML and figure

class _Spans(HTMLParser):
    def __init__(self):
        super().__init__()
        self.spans, self.marks, self._in = [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and "title" in a:
            self._in = [a["title"], a["style"], ""]
            self.spans.append(self._in)
        self.marks += tag == "mark"

    def handle_endtag(self, tag):
        self._in = None if tag == "span" else self._in

    def handle_data(self, data):
        if self._in is not None:
            self._in[2] += data


def test_colored_text_html_escapes_and_has_one_span_per_character():
    text = '<script>alert("x")</script> & a\nb'
    values = np.linspace(-1, 2, len(text)).astype(np.float32)
    out = colored_text_html(text, values, highlight_spans=[(1, 7), (30, 33)], show_newlines=False)
    assert "<script" not in out and "<b" not in out and '>&lt;</span>' in out and '>&amp;</span>' in out
    p = _Spans()
    p.feed(out)
    assert len(p.spans) == len(text) and "".join(s[2] for s in p.spans) == text
    assert p.marks == 2
    for t, (title, style, ch) in enumerate(p.spans):
        assert title.startswith(f"t={t} ") and np.float32(title.rsplit(": ", 1)[1]) == values[t]  # exact
    assert p.spans[0][1].startswith("background:#") and "white: 0" in out
    newline = colored_text_html("a\nb", [0.0, 1.0, -1.0])
    assert "↵</span>\n<span" in newline and html.unescape("t=1 newline: 1.0") in newline


def test_value_colors_diverge_around_zero():
    colors, pos = value_colors([-2.0, 0.0, 1.0, 2.0, float("nan")], -2.0, 2.0)
    assert colors[:4] == ["#053061", "#f7f7f7", "#e58268", "#67001f"] and colors[4] == "#bdbdbd"
    assert pos.tolist() == [-1.0, 0.0, 0.5, 1.0, 0.0]
    with pytest.raises(InputError, match="vmin < vmax"):
        colored_text_html("ab", [0.0, 1.0], vmin=1.0, vmax=1.0)
    with pytest.raises(InputError, match="one number per character"):
        colored_text_html("abc", [0.0, 1.0])


def test_unit_text_figure():
    fig = unit_text_figure("ab c", np.array([[0.0, 1.0], [0.5, 0.2], [1.0, 0.1], [0.2, 0.3]]),
                           names=["unit 3", "unit 9"], highlight_spans=[(1, 3)])
    assert [d.name for d in fig.data] == ["unit 3", "unit 9"]
    np.testing.assert_allclose(fig.data[1].y, [1.0, 0.2, 0.1, 0.3])
    assert list(fig.data[0].customdata) == ["a", "b", "space", "c"]
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "·", "c"] and len(fig.layout.shapes) == 1


def test_on_run_is_the_longest_inner_run_and_select_span_finds_its_unit():
    v = np.array([0.9, 0.9, 0, 0.5, 0.6, 0.7, 0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0, 0.4, 0.9])
    assert on_run(v, 0.5) == (7, 14)  # not the run at either end
    assert on_run(v, 0.5, longest=5) == (3, 6)
    assert on_run(v, 0.95) is None and on_run(v, 0.5, shortest=8) is None
    assert on_run(np.array([0.1, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.1]), 0.5) == (1, 4)  # ties: the first
    both = np.stack([v, np.zeros_like(v)], 1)
    assert 0 in select_span(both, *on_run(v, 0.5), 0.5)



def test_on_runs_lists_every_inner_run_in_order_and_each_selects_its_unit():
    v = np.array([0.9, 0.9, 0, 0.5, 0.6, 0.7, 0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0, 0.4, 0.6, 0, 0.9])
    assert on_runs(v, 0.5) == [(3, 6), (7, 14), (16, 17)]  # the runs touching either end are left out
    assert on_runs(v, 0.5, shortest=2) == [(3, 6), (7, 14)]
    assert on_runs(v, 0.5, shortest=2, longest=5) == [(3, 6)]
    assert on_runs(v, 0.95) == []
    both = np.stack([v, np.zeros_like(v)], 1)
    assert all(0 in select_span(both, a, b, 0.5) for a, b in on_runs(v, 0.5))


def test_top_units_are_the_distinct_units_that_track_a_feature_strongest_first():
    text = 'say "hello there" (and (so) on) now "yes" ok (fine) ' * 4
    feats = features(text)
    T = len(text)
    rng = np.random.default_rng(3)
    h = rng.normal(size=(T, 40)) * 0.01
    h[:, 31] = feats["in_quotes"]  # r = 1 with in_quotes
    h[:, 7] = -feats["bracket_depth"] + 0.3 * rng.normal(size=T)  # negative and noisy: still ranks, after 31
    got = top_units(_trace([h]), text, k=4)
    assert got[:2] == [31, 7] and len(got) == len(set(got)) == 4
    assert top_units(_trace([h]), text, k=1) == [31]
    # it agrees with rank_units: the units of the strongest (feature, unit) pairs, by |r|
    best = sorted(rank_units(_trace([h]), feats, top=4), key=lambda d: -abs(d["correlation"]))
    assert got == list(dict.fromkeys(d["unit"] for d in best))[:4]
