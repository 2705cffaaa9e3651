"""Features of a text, the unit ranker, and LSTMVis-style span selection, on hand-made answers."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.errors import InputError
from lstmviz.record import Block, Trace
from lstmviz.text.units import features, matches, on_run, on_runs, rank_units, select_span, top_units


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


def _marks(values) -> str:
    """A feature as one digit per character (clipped at 9), to compare with a hand-written line."""
    return "".join(str(min(int(v), 9)) for v in values)


def test_code_features_read_python_strings_comments_brackets_and_indentation():
    from lstmviz.text.units import code_features
    text = 'def f(a, "("):\n    x = "a\\"b" # c (\n    s = """q\n  "r" """\n'
    f = code_features(text)
    # the opening quote is in its string, the closing one is not; \" does not close; a ( in a string is no bracket
    assert _marks(f["in_string"]) == "00000000011000000000000111110000000000000000111111111110000"
    assert _marks(f["in_comment"]) == "00000000000000000000000000000011111000000000000000000000000"
    assert _marks(f["bracket_depth"]) == "00000111111100000000000000000000000000000000000000000000000"
    assert _marks(f["indent"]) == "00000000000000012344444444444444444012344444444401222222220"
    assert _marks(f["line_indent"]) == "00000000000000044444444444444444444444444444444442222222222"
    assert f["line_position"].tolist() == features(text)["line_position"].tolist()


@pytest.mark.parametrize("text, in_string", [
    ("x = 'it''s'", "00001110110"),  # two strings side by side
    ("s = '''a'b''' + 1", "00001111110000000"),  # a lone ' does not close a triple-quoted string
    ("s = 'a\\\\' + '('", "000011110000110"),  # an escaped backslash, then the quote closes
    ("s = 'open\nx = (", "000011111000000"),  # a one-line string left open ends at its newline
    ("r = '# no comment'", "000011111111111110"),  # a # in a string starts no comment
])
def test_code_features_string_edge_cases(text, in_string):
    from lstmviz.text.units import code_features
    f = code_features(text)
    assert _marks(f["in_string"]) == in_string
    assert f["in_comment"].sum() == 0
    assert f["bracket_depth"].max() == (1 if text.endswith("(") and "\n" in text else 0)


def test_code_features_bracket_depth_nests_and_never_goes_below_zero():
    from lstmviz.text.units import code_features
    assert _marks(code_features(")a[b{c(d)}]e")["bracket_depth"]) == "001122332100"
    assert all(len(v) == 0 for v in code_features("").values())


def _tokenize_reference(text: str) -> tuple[np.ndarray, np.ndarray]:
    """in_string and bracket depth of Python source from the standard tokenize module (an independent
    reader): a string from its opening quote (after any prefix) up to, not including, its closing quote(s)."""
    import io
    import tokenize
    starts = np.cumsum([0] + [len(line) for line in text.splitlines(keepends=True)])
    at = lambda pos: int(starts[pos[0] - 1] + pos[1])  # noqa: E731
    in_str, depth = np.zeros(len(text), bool), np.zeros(len(text), np.int64)
    d, last, fstring = 0, 0, []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        name = tokenize.tok_name[tok.type]
        if name == "FSTRING_START":  # Python 3.12 splits f-strings; the feature reads one f-string as one string
            fstring.append(tok)
        elif name == "FSTRING_END" and fstring:
            opening = fstring.pop()
            if not fstring:
                quote = opening.string.lstrip("rRbBuUfF")
                in_str[at(opening.start) + len(opening.string) - len(quote):at(tok.end) - len(tok.string)] = True
        elif tok.type == tokenize.STRING and not fstring:
            body = tok.string.lstrip("rRbBuUfF")
            quote = 3 if body[:3] in ('"""', "'''") else 1
            in_str[at(tok.end) - len(body):at(tok.end) - quote] = True
        elif tok.type == tokenize.OP and tok.string in "()[]{}" and not fstring:
            depth[last:at(tok.start)] = d
            d, last = (d + 1 if tok.string in "([{" else max(0, d - 1)), at(tok.start)
    depth[last:] = d
    return in_str, depth


@pytest.mark.parametrize("module", ["textwrap", "json.decoder", "dataclasses", "string"])
def test_code_features_agree_with_the_tokenize_module_on_standard_library_source(module):
    import importlib
    import inspect
    from lstmviz.text.units import code_features
    text = inspect.getsource(importlib.import_module(module))
    in_str, depth = _tokenize_reference(text)
    f = code_features(text)
    assert in_str.sum() > 1000 and depth.max() >= 2  # docstrings, strings and nested brackets are read
    np.testing.assert_array_equal(f["in_string"], in_str.astype(np.float64))
    np.testing.assert_array_equal(f["bracket_depth"], depth.astype(np.float64))
