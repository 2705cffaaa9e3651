"""The text page with AppTest: train a character model, every view renders, bad text says why."""
from streamlit.testing.v1 import AppTest

from tests.test_app import APP, TIMEOUT


def _text(**params):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"explore": "text", **params})
    at.run()
    assert not at.exception, at.exception
    return at


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
