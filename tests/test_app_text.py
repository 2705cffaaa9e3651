"""The text page with AppTest: train a character model, every view renders, bad text says why."""
import base64
import json

import numpy as np

from lstmviz import analysis
from lstmviz.app import text as text_page
from lstmviz.text import TextConfig
from tests.elements import plain_texts
from tests.test_app import _new


def _text(**params):
    return _new(explore="text", **params)


def test_a_char_model_trains_beats_unigram_and_every_view_renders():
    at = _text(epochs="3", hidden="32")
    at.button(key="text_train").click().run()
    assert not at.exception, at.exception
    verdict = next(m.value for m in at.markdown if m.value.startswith("Held-out"))
    assert "bits per character" in verdict and "the model beats it" in verdict
    # the LSTMVis selection: a span, its units, and the coloured text with a title per character
    span = at.slider(key="tx_span").value  # starts where the unit in view fires: some unit is found
    assert any(m.value.startswith("**") and "unit(s)** on across the span" in m.value for m in at.markdown), span
    at.select_slider(key="tx_len").set_value(2000).run()
    at.slider(key="tx_span").set_value((1500, 1900)).run()
    at.select_slider(key="tx_len").set_value(300).run()  # the selection stays inside the shorter excerpt
    assert not at.exception, at.exception
    assert max(at.slider(key="tx_span").value) <= 300
    at.slider(key="tx_span").set_value((5, 9)).run()
    assert not at.exception
    at.button_group(key="text_view").set_value("Generate").run()
    at.button_group(key="text_view").set_value("Text").run()
    assert at.slider(key="tx_span").value == (5, 9)  # kept while another view was open
    for view in ("Generate", "Training", "Compare cells", "Text"):
        at.button_group(key="text_view").set_value(view).run()
        assert not at.exception, (view, at.exception)
        assert not at.error, (view, [e.value for e in at.error])
    at.button_group(key="text_view").set_value("Generate").run()
    at.slider(key="gen_temp").set_value(0.3).run()
    assert not at.exception
    assert at.query_params["view"] in ("generate", ["generate"])


def test_every_model_control_is_one_row_whose_range_is_the_configs():
    table = text_page.TABLE
    assert text_page.LINKS == table.links | {"view", "t", "unit"}
    for name in text_page.MODEL_CONTROLS:
        row, bounds = table[name], TextConfig.bounds(table[name].field)
        assert row.lo == bounds["lo"], name
        assert row.hi == (100 if name == "epochs" else bounds["hi"]), name  # epochs: the page's own cap
    assert table["cell"].options == TextConfig.bounds("cell")["choices"] == ("lstm", "gru", "rnn")
    assert table["hidden"].hi == 1024 and table["seed"].hi == 1_000_000
    assert all(table["seqlen"].lo <= n <= table["seqlen"].hi for n in table["seqlen"].options)


def test_a_link_is_read_through_the_table_clamped_with_notices_and_written_back():
    at = _text(text="brackets", cell="transformer", hidden="5000", epochs="0", seqlen="30", lr="0.005", seed="7")
    notes = " ".join(w.value for w in at.warning)
    assert "cell=`'transformer'` is not one of lstm, gru, rnn" in notes
    assert "hidden=`'5000'` is outside 1 to 128; using 128" in notes  # this server's limit narrows the row
    assert "epochs=`'0'` is outside 1 to 100; using 1" in notes
    assert "seqlen=`'30'` is not one of 25, 50, 100, 200" in notes
    assert "lr=`'0.005'` is not offered; using the nearest, 0.003" in notes
    assert at.radio(key="text_source").value == "brackets" and at.selectbox(key="tx:cell").value == "lstm"
    assert (at.slider(key="tx:hidden").value, at.slider(key="tx:epochs").value) == (128, 1)
    assert (at.select_slider(key="tx:seq_len").value, at.select_slider(key="tx:lr").value) == (100, 0.003)
    assert at.number_input(key="tx:seed").value == 7
    written = {k: at.query_params[k] for k in ("text", "cell", "hidden", "epochs", "seqlen", "lr", "seed")}
    assert {k: v[0] if isinstance(v, list) else v for k, v in written.items()} == {
        "text": "brackets", "cell": "lstm", "hidden": "128", "epochs": "1", "seqlen": "100", "lr": "0.003", "seed": "7"}


def test_text_that_cannot_train_says_why():
    at = _text(text="typed")
    at.text_area(key="text_typed").set_value("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").run()
    assert not at.exception
    assert any("only one distinct character" in e.value for e in at.error)
    at.text_area(key="text_typed").set_value("too short").run()
    assert any("at least" in e.value for e in at.error)


def test_an_upload_that_is_not_utf8_says_why():
    at = _text(text="upload")
    at.file_uploader(key="text_upload").set_value(("x.txt", b"\xff\xfe" + "hi there".encode("utf-16-le"),
                                                   "text/plain")).run()
    assert not at.exception
    assert any("UTF-16" in e.value for e in at.error)


def _heatmap_rows(at) -> list[list]:
    """The y labels of every heatmap drawn on the page."""
    rows = []
    for chart in at.get("plotly_chart"):
        for d in json.loads(chart.proto.spec)["data"]:
            if d.get("type") == "heatmap":
                y = d["y"]  # unit ids as text, or every unit's position as a typed array
                rows.append(y if isinstance(y, list) else np.frombuffer(base64.b64decode(y["bdata"]), y["dtype"]))
    return rows


def test_spans_are_found_by_text_or_by_where_the_unit_fires_and_generate_has_one_unit_control():
    at = _text(epochs="3", hidden="32")
    at.button(key="text_train").click().run()
    assert not at.exception, at.exception
    # the ranked units: r first (a narrow button cuts the end of its label), weak ones said to be weak
    ranked = [b.label for b in at.button if b.key and b.key.startswith("tx_rank_")]
    assert ranked
    for label in ranked:
        r = float(label.split(" · r ")[1].split()[0].rstrip(":"))
        assert (" weak: " in label) == (abs(r) < analysis.WEAK), label
    # find text: the span is where it occurs, the excerpt moving to it if need be
    at.text_input(key="tx_find").input('"').run()
    first = (at.slider(key="tx_start").value, at.slider(key="tx_span").value)
    assert plain_texts(at)[0] == '"' and first[1][1] - first[1][0] == 1
    at.button(key="tx_find_next").click().run()
    second = (at.slider(key="tx_start").value, at.slider(key="tx_span").value)
    assert plain_texts(at)[0] == '"' and second[0] + second[1][0] > first[0] + first[1][0]  # further on
    at.text_input(key="tx_find").input("Chapter").run()
    assert plain_texts(at)[0] == "CHAPTER"  # not in the text as typed: in any case
    at.text_input(key="tx_find").input("qqqzzz").run()
    assert any("is not in the text" in i.value for i in at.info)
    # the unit's firing places: choosing one selects it, and the unit is among those on across it
    unit = at.number_input(key="tx_unit").value
    places = at.selectbox(key="tx_run")
    assert places.label.startswith(f"Jump to where unit {unit} is on (")
    if places.options:
        a, b = (int(v) for v in places.options[0].split(":")[0].split("–"))
        at.selectbox(key="tx_run").set_value(0).run()
        assert at.slider(key="tx_span").value == (a, b) and at.selectbox(key="tx_run").value is None
        found = next(m.value for m in at.markdown if "on across the span" in m.value)
        assert str(unit) in found.split(":")[1].split(".")[0].replace(" ", "").split(",")
    # Generate: one Unit control colours the text and drives the diagram; the heatmaps show the top units
    at.button_group(key="text_view").set_value("Generate").run()
    assert not at.exception, at.exception
    assert [n.label for n in at.number_input].count("Unit") == 1
    rows = _heatmap_rows(at)
    unit = at.number_input(key="gen_unit").value
    assert rows and all(r == rows[0] for r in rows) and str(unit) in rows[0] and 1 < len(rows[0]) <= 9
    assert any(c.value.endswith(f"for units {', '.join(rows[0])}.") for c in at.caption)
    assert any(m.value.startswith(f"**Unit {unit} at t = ") for m in at.markdown)  # the diagram follows it
    at.number_input(key="gen_unit").set_value(31).run()
    assert "31" in _heatmap_rows(at)[0]
    assert any(m.value.startswith("**Unit 31 at t = ") for m in at.markdown)
    at.toggle(key="gen_all_rows").set_value(True).run()
    assert list(_heatmap_rows(at)[0]) == list(range(32))


def test_the_text_view_opens_on_the_best_ranked_unit_that_is_on_somewhere():
    """A unit with r < 0 (low on spaces) can stay below the threshold everywhere: the view skips it for the next
    ranked unit that fires, so its "jump to where it is on" list has places; with none, the best-ranked."""
    from lstmviz.app.text_views import first_unit_on
    values = np.zeros((40, 3))
    values[:, 0] = -0.8  # the best match, by going low: never on
    values[10:14, 2] = 0.9  # on once
    values[20:22, 1] = 0.9  # on once, but ranked after unit 2
    ranked = [{"unit": 0, "correlation": -0.9}, {"unit": 2, "correlation": 0.7}, {"unit": 1, "correlation": 0.6}]
    assert first_unit_on(ranked, values, 0.3) == 2
    assert first_unit_on(ranked, values, 0.95) == 0  # nobody is on: the best-ranked, and the list says so
