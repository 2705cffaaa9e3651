"""The Gallery page with AppTest: a link opens an entry with nothing trained, says it is pretrained and by
which recipe, and shows the forecast views' numbers of the stored model."""
import pytest

from lstmviz import gallery, tasks
from lstmviz.app.state import registry

from tests.test_app import _new, _params


def test_a_link_opens_a_pretrained_forecaster_without_training():
    started = registry().started
    at = _new(explore="gallery", entry="sine", view="training")
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="gallery_entry").value == "sine"
    note = at.info[0].value
    # the entry's whole name first: the sidebar's box cuts long titles short
    assert note.startswith(f"**{gallery.entry('sine').title}**, pretrained, not trained here") and "pretrain sine" in note
    assert gallery.entry("sine").recipe in note
    at.selectbox(key="gallery_entry").set_value("airline").run()
    at.button_group(key="view").set_value("Forecast").run()
    assert not at.exception and not at.error
    table = at.table[0].value
    rmse = gallery.load("airline").report.metrics["lstm"]["rmse"]
    assert float(table.iloc[0, 0]) == pytest.approx(rmse, abs=0.005)  # the stored model's own forecast
    assert registry().started == started  # nothing was trained
    assert _params(at)["entry"] == "airline" and _params(at)["explore"] == "gallery"


def test_a_pretrained_forecaster_offers_no_compare_cells_and_a_link_naming_it_opens_the_forecast():
    at = _new(explore="gallery", entry="sine", view="compare")  # it once raised: the job held no config
    assert not at.exception and not at.error
    assert at.button_group(key="view").options == ["Forecast", "Gate dynamics", "Training", "Downloads"]
    assert at.button_group(key="view").value == "Forecast"


def test_a_pretrained_task_model_offers_no_compare_cells_which_would_train_plain_runs():
    started = registry().started
    at = _new(explore="gallery", entry="anbn", view="compare")  # an old link naming it opens Results
    assert not at.error, [e.value for e in at.error]
    assert at.button_group(key="task_view").options == ["Results", "Gate dynamics", "Unit finder"]
    assert at.button_group(key="task_view").value == "Results"
    # the baseline says which class it answers: training's commonest, the rarer one held out (< 50%)
    run = gallery.load("anbn")
    fit, common = run.fit, tasks.commonest_class(run.fit.train)
    name = fit.train.classes[common]
    table = at.table[0].value
    assert list(table.index)[1] == f"baseline: always '{name}' (the commonest class in training)"
    assert float(table.iloc[1, 0].rstrip("%")) / 100 == pytest.approx((fit.test.y == common).mean(), abs=5e-4)
    share = tasks.always_share(run.report.longer, common)
    assert 0.4 < share < 0.6  # the longer strings' own share, measured, not assumed
    assert (f"Trained on n = 1 to 10; on n = 11 to 100 (longer strings) it scores 100.0%, against {share:.1%} for "
            f"always answering '{name}'.") in [c.value for c in at.caption]
    at.session_state["task_view"] = "Compare cells"  # chosen on the tasks page before, in this session
    at.run()
    assert not at.exception and not at.error
    assert at.button_group(key="task_view").value == "Results"
    assert registry().started == started  # nothing was trained


def test_a_second_click_on_the_view_in_view_keeps_it():
    """A segmented control empties on a second click on its choice; the page keeps that view (it once fell back
    to the first view, Forecast, and wrote view=forecast into the link)."""
    at = _new(explore="gallery", entry="sine", view="training")
    assert at.button_group(key="view").value == "Training"
    at.button_group(key="view").set_value(None).run()
    assert not at.exception and not at.error
    assert at.button_group(key="view").value == "Training"
    assert _params(at)["view"] == "training"


def test_the_sine_forecasters_table_reads_and_its_advice_fits_a_wave():
    """A sine wave crosses 0: no MAPE (it came out as 1e12 %), errors of 0.0035 not shown as 0.00, and no
    advice to take logs of negative values."""
    from lstmviz.app.words import number
    at = _new(explore="gallery", entry="sine", view="forecast")
    assert not at.exception and not at.error
    table = at.table[0].value
    assert table["MAPE %"].isna().all()
    rmse = gallery.load("sine").report.metrics["lstm"]["rmse"]
    assert 0 < rmse < 0.01 and number(rmse) == f"{rmse:.3g}" != "0.00"
    assert number(16.456) == "16.46" and number(None) == "n/a" and number(1234.5) == "1,234.50"
    advice = " ".join(w.value for w in at.warning)
    assert "does **not** beat the seasonal naive" in advice and "log_diff" not in advice
