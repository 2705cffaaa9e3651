"""Page logic with streamlit.testing.v1.AppTest: no browser, the real script."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 120


def _new(**params):
    """The page as a link with these parameters opens it."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def _params(at) -> dict:
    """The address bar's parameters now."""
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _button(at, label_start):
    return next(b for b in at.button if b.label.startswith(label_start))


def _train(at):
    _button(at, "Train").click().run()
    assert not at.exception, at.exception
    return at


def _metrics(at):
    assert at.table, "no metrics table"
    return at.table[0].value


def _view(at, name):
    at.button_group(key="view").set_value(name).run()
    assert not at.exception, at.exception
    return at


def _set_quick(at, epochs=30):
    """Fewer epochs, so tests stay quick; the slider key carries the preset context."""
    slider = next(s for s in at.slider if s.label == "Epochs")
    slider.set_value(epochs).run()
    return at


def test_page_loads_without_exception():
    at = _new()
    assert not at.exception
    assert at.title[0].value.startswith("lstmviz")
    assert any(b.label.startswith("Train") for b in at.button)
    assert not at.error


def test_airline_preset_trains_and_gives_numeric_metrics():
    at = _new()
    _train(at)
    table = _metrics(at)
    assert table.loc[table.index[0], "RMSE"] > 0
    assert {"naive", "seasonal naive", "drift"} <= set(table.index)
    assert table.loc["seasonal naive", "RMSE"] == pytest.approx(50.7, abs=0.05)
    # the exactness badge
    _view(at, "Gate dynamics")
    assert any("Exact" in s.value for s in at.success)
    assert at.latex and any("c_t &= f_t" in x.value for x in at.latex)


def test_typed_path_works():
    at = _new()
    at.radio(key="source").set_value("Type a sequence").run()
    assert not at.exception and not at.error
    _set_quick(at)
    _train(at)
    assert _metrics(at).loc["naive", "RMSE"] > 0


def test_bad_typed_input_shows_error_and_no_exception():
    at = _new()
    at.radio(key="source").set_value("Type a sequence").run()
    at.text_area(key="typed").set_value("1, 2, three, 4").run()
    assert not at.exception
    assert any("item 3, 'three', is not a number" in e.value for e in at.error)


def test_too_short_typed_input_says_how_many_are_needed():
    at = _new()
    at.radio(key="source").set_value("Type a sequence").run()
    at.text_area(key="typed").set_value("1 2 3 4 5 6 7 8 9 10").run()
    assert not at.exception
    assert any("at least" in e.value and "needed" in e.value for e in at.error)
    assert _button(at, "Train").disabled


def test_changed_setting_marks_results_stale():
    at = _new()
    _set_quick(at)
    _train(at)
    assert not at.warning or not any("Settings changed" in w.value for w in at.warning)
    next(s for s in at.slider if s.label == "Hidden units").set_value(8).run()
    assert any("Settings changed" in w.value for w in at.warning)


def test_moving_the_timestep_slider_does_not_train_again():
    at = _new()
    _set_quick(at)
    _train(at)
    from lstmviz.app.state import registry

    started = registry().started
    _view(at, "Gate dynamics")
    at.slider(key="gv_t").set_value(5).run()
    at.slider(key="gv_t").set_value(9).run()
    at.number_input(key="gv_unit").set_value(3).run()
    assert not at.exception
    assert registry().started == started
    assert any("t = 9" in m.value for m in at.markdown)


def test_pressing_train_again_with_the_same_settings_reuses_the_model():
    from lstmviz.app.state import registry

    at = _new()
    _set_quick(at, 40)
    _train(at)
    started = registry().started
    _train(at)
    assert registry().started == started


def _upload(at, name, data: bytes):
    at.radio(key="source").set_value("Upload CSV").run()
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_csv_upload_with_semicolons_and_decimal_commas():
    rows = "".join(f"{2000 + y}-{m:02d}-01;{100 + y * 5 + 10 * (m % 12)},5\n" for y in range(6) for m in range(1, 13))
    at = _upload(at=_new(), name="sales.csv", data=("month;sales\n" + rows).encode())
    assert not at.error
    assert any("Time column: **month**" in c.value for c in at.caption)
    _set_quick(at)
    _train(at)
    table = _metrics(at)
    assert table.loc["seasonal naive", "RMSE"] >= 0


def test_csv_upload_with_missing_values_reports_the_count():
    values = [str(10 + (k % 7)) if k % 9 else "" for k in range(1, 81)]
    data = ("t,value\n" + "\n".join(f"{k},{v}" for k, v in enumerate(values))).encode()
    at = _upload(_new(), "gaps.csv", data)
    assert any("missing: **8**" in c.value for c in at.caption), [c.value for c in at.caption]
    _set_quick(at)
    _train(at)
    assert _metrics(at).loc["naive", "RMSE"] >= 0


def test_bad_csv_shows_error_and_page_keeps_working():
    at = _upload(_new(), "junk.csv", b"\x00\x01\x02binary")
    assert any("not a text file" in e.value for e in at.error)
    at.radio(key="source").set_value("Built-in series").run()
    assert not at.exception and not at.error


def test_switching_views_keeps_the_gate_selection_and_every_view_renders():
    at = _new()
    _set_quick(at)
    _train(at)
    _view(at, "Gate dynamics")
    at.slider(key="gv_start").set_value(40).run()
    at.slider(key="gv_t").set_value(4).run()
    for name in ("Training", "Downloads", "Forecast"):
        _view(at, name)
        assert not at.error
    _view(at, "Gate dynamics")
    assert at.slider(key="gv_start").value == 40 and at.slider(key="gv_t").value == 4
    assert any("position 40" in c.value for c in at.caption)
    assert not at.warning
