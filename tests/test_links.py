"""Links and run bundles: the page's settings round-trip through st.query_params and bundle files."""
import json

import numpy as np
import pytest

from lstmviz.bundle import make_bundle, read_bundle
from lstmviz.errors import InputError
from lstmviz.forecast import preset
from tests.test_app import _metrics, _params, _train, _view
from tests.test_app import _new as _open


def _fresh_registry():
    """The shared registry as a new server would have it, so a second session trains again."""
    from lstmviz.app.state import registry

    registry.clear()


def test_a_link_sets_every_control():
    at = _open(src="builtin", series="sine", len="300", period="30", hidden="9", epochs="40", seed="7",
               lr="0.003", batch="32", clip="0.5", transform="none", window="20", test="30", cell="gru")
    assert at.selectbox(key="builtin").value == "sine"
    assert at.number_input(key="sine_length").value == 300 and at.number_input(key="sine_period").value == 30
    assert at.slider(key="sine:hidden").value == 9 and at.slider(key="sine:epochs").value == 40
    assert at.number_input(key="sine:seed").value == 7 and at.select_slider(key="sine:lr").value == 0.003
    assert at.selectbox(key="sine:batch").value == 32 and at.selectbox(key="sine:clip").value == 0.5
    assert at.selectbox(key="sine:cell").value == "gru" and at.slider(key="sine:window").value == 20
    assert not at.warning


def test_the_address_bar_follows_the_controls():
    at = _open()
    at.slider(key="airline:hidden").set_value(12).run()
    at.number_input(key="airline:seed").set_value(5).run()
    p = _params(at)
    assert p["src"] == "builtin" and p["series"] == "airline"
    assert p["hidden"] == "12" and p["seed"] == "5" and p["transform"] == "auto" and p["members"] == "1"


def test_a_copied_link_reproduces_the_run_in_a_new_session():
    _fresh_registry()
    a = _open(series="airline", epochs="60", hidden="10", seed="3")
    _train(a)
    _view(a, "Gate dynamics")
    a.slider(key="gv_start").set_value(50).run()
    a.slider(key="gv_t").set_value(6).run()
    _view(a, "Forecast")
    first, link = _metrics(a), _params(a)
    assert link["view"] == "forecast" and link["start"] == "50" and link["t"] == "6"

    _fresh_registry()  # another server: the model must be trained again from the link alone
    from lstmviz.app.state import registry

    b = _open(**link)
    _train(b)
    assert registry().started == 1
    again = _metrics(b)
    assert again.round(2).equals(first.round(2)), (first, again)  # the same numbers, to the printed digit
    _view(b, "Gate dynamics")
    assert b.slider(key="gv_start").value == 50 and b.slider(key="gv_t").value == 6


@pytest.mark.parametrize("params, says", [
    ({"hidden": "abc"}, "hidden=`'abc'` is not a number"),
    ({"hidden": "100000"}, "hidden=`'100000'` is outside 1 to 128; using 128"),
    ({"window": "-4"}, "using 2"),
    ({"seed": "1e400"}, "not a whole number"),
    ({"lr": "0.02"}, "using the nearest, 0.03"),
    ({"cell": "<script>alert(1)</script>"}, "is not one of lstm, gru, rnn"),
    ({"series": "../../etc/passwd"}, "is not one of airline"),
    ({"batch": "7"}, "is not one of 0, 16, 32, 64, 128"),
    ({"nonsense": "1"}, "unknown setting `'nonsense'` ignored"),
    ({"src": "csv"}, "cannot travel in a link"),
    ({"typed": "x" * 5000}, "too long"),
    ({"present": "maybe"}, "is not 1 or 0"),
    ({"view": "admin"}, None),  # only read once results exist; harmless until then
    ({"t": "NaN", "epochs": "inf"}, "is not a number"),
    ({"window": "1" * 3990 + "x"}, "is not a number"),  # refused before the pattern runs: no backtracking
    ({"window": "https://evil.example"}, "window=`'https://evil.example'`"),  # a code span: no link
])
def test_a_bad_link_is_ignored_with_a_notice_never_a_crash(params, says):
    at = _open(**params)
    assert not at.exception
    assert not at.error
    text = " ".join(w.value for w in at.warning)
    if says:
        assert "From the link" in text and says in text, text
    if "src" in params:  # the link asked for an upload: the page waits for the file
        assert at.radio(key="source").value == "Upload CSV" and at.file_uploader(key="upload")
    else:
        assert any(b.label.startswith("Train") for b in at.button)


def test_a_bad_view_in_a_link_is_ignored_once_results_exist():
    at = _open(epochs="20", view="admin", on="everything", layer="9", t="-5", unit="1e9", epoch="7")
    _train(at)
    assert not at.exception
    assert at.button_group(key="view").value == "Forecast"
    text = " ".join(w.value for w in at.warning)
    assert "view=`'admin'` is not one of" in text


def test_presenter_mode_from_the_link_folds_away_the_extra_controls():
    at = _open(present="1")
    assert at.toggle(key="present").value is True
    labels = {e.label for e in at.expander}
    assert "More settings" in labels
    assert _params(at)["present"] == "1"
    plain = _open()
    assert "More settings" not in {e.label for e in plain.expander} and "present" not in _params(plain)


# --- bundles --------------------------------------------------------------------------------

def test_a_bundle_round_trips_series_config_and_view():
    series, config = preset("airline")
    config = config.replace(seed=4, hidden_size=7)
    s2, c2, view = read_bundle(make_bundle(series, config, {"view": "gates", "t": "3"}))
    assert np.array_equal(s2.values, series.values) and s2.key == series.key and c2 == config
    assert np.array_equal(s2.time, series.time) and s2.season == 12
    assert view == {"view": "gates", "t": "3"}


@pytest.mark.parametrize("doc, says", [
    (b"\xff\xfe", "not a readable run bundle"),
    (b"[1, 2]", "not a run bundle"),
    (b'{"format": "lstmviz-run", "version": 99}', "version 99"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1]}}', "2 to"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, "x", 3]}}', "must all be numbers"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 1e999, 3]}}', "finite"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2, 3], "time": [1]}}', "as long as"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2, 3]}, "config": {"evil": 1}}',
     "unknown setting"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2, 3]}, "config": {}}', "too few"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2, 3]}, "config": {"window": "big"}}',
     "window must be a whole number"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2, 3]}, "config": {"transform": 5}}',
     "config is not valid"),
    (b"[" * 100_000, "not a readable run bundle"),
])
def test_a_bad_bundle_says_what_is_wrong(doc, says):
    with pytest.raises(InputError, match=says):
        read_bundle(doc)


def test_a_bundle_uploaded_on_the_page_restores_the_run():
    _fresh_registry()
    a = _open(epochs="40", seed="2")
    _train(a)
    first = _metrics(a)
    series, config = preset("airline")
    bundle = make_bundle(series, config.replace(epochs=40, seed=2), {"view": "gates", "t": "4"})
    _fresh_registry()
    b = _open()
    b.radio(key="source").set_value("Upload CSV").run()
    b.file_uploader(key="upload").set_value(("run.json", bundle, "application/json")).run()
    assert not b.exception and not b.error
    assert any("Run bundle" in c.value for c in b.caption)
    _train(b)
    assert b.button_group(key="view").value == "Gate dynamics" and b.slider(key="gv_t").value == 4
    _view(b, "Forecast")
    assert _metrics(b).round(2).equals(first.round(2))


def test_a_bad_bundle_on_the_page_shows_an_error():
    at = _open()
    at.radio(key="source").set_value("Upload CSV").run()
    bad = json.dumps({"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2]}}).encode()
    at.file_uploader(key="upload").set_value(("run.json", bad, "application/json")).run()
    assert not at.exception
    assert any("run.json" in e.value and "config" in e.value for e in at.error)


@pytest.mark.parametrize("doc, says", [
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, ' + b"9" * 400 + b', 3]}}', "finite"),
    (b'{"format": "lstmviz-run", "version": 1, "series": {"values": [1, 2, 3], "time": [1, ' + b"9" * 400
     + b', 3]}}', "all ISO dates or all numbers"),
])
def test_a_bundle_with_huge_integers_is_refused_not_crashed(doc, says):
    with pytest.raises(InputError, match=says):
        read_bundle(doc)


def _doc(**config):
    series, base = preset("airline")
    d = json.loads(make_bundle(series, base))
    d["config"].update(config)
    return json.dumps(d).encode()


@pytest.mark.parametrize("config, says", [
    ({"hidden_size": 24.5}, "hidden_size must be a whole number"),
    ({"train": {"seed": 10**7}}, "seed must be 0 to 1,000,000"),
    ({"train": {"seed": -1}}, "seed must be 0 to 1,000,000"),
])
def test_a_bundle_config_of_the_wrong_kind_is_refused(config, says):
    with pytest.raises(InputError, match=says):
        read_bundle(_doc(**config))


def test_a_bundle_too_big_for_its_rows_is_refused_before_parsing():
    with pytest.raises(InputError, match="too big"):
        read_bundle(b"{" + b" " * 2_000_000 + b"}", max_rows=10)


def test_long_view_values_in_a_bundle_are_dropped():
    series, config = preset("airline")
    _, _, view = read_bundle(make_bundle(series, config, {"t": "1" * 1_000_000, "unit": "3"}))
    assert view == {"unit": "3"}


def test_a_bundle_value_this_server_cannot_offer_is_named_in_a_notice():
    series, config = preset("airline")
    bundle = make_bundle(series, config.replace(lr=5e-3, batch_size=8))
    at = _open()
    at.radio(key="source").set_value("Upload CSV").run()
    at.file_uploader(key="upload").set_value(("run.json", bundle, "application/json")).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "the bundle's lr 0.005 is not offered here; using 0.003" in text
    assert "the bundle's batch_size 8 is not offered here" in text


def test_settings_for_another_page_do_not_leak_into_this_one():
    at = _open(explore="tasks", window="20", epochs="250", batch="0", src="csv")
    text = " ".join(w.value for w in at.warning)
    assert "window does not apply to this page" in text and "src does not apply" in text
    assert at.slider(key="task:adding:epochs").value == 250  # epochs is a tasks setting too: taken, clamped
    assert at.selectbox(key="task:adding:batch").value == 0


def test_the_gate_selection_of_a_task_example_travels_in_the_link():
    at = _open(explore="tasks", task="parity", tlength="6", n="1000", epochs="5", hidden="8", view="gates", t="3",
               unit="2")
    at.button(key="task_train").click().run()
    assert at.slider(key="tk_t").value == 3 and at.number_input(key="tk_unit").value == 2
    p = _params(at)
    assert p["t"] == "3" and p["unit"] == "2" and p["view"] == "gates"


def test_window_survives_a_change_in_the_length_of_the_data():
    at = _open(src="typed")
    at.slider(key="typed:window").set_value(5).run()
    at.text_area(key="typed").set_value(", ".join(str(v) for v in range(1, 200))).run()
    assert not at.exception
    assert at.slider(key="typed:window").value == 5
