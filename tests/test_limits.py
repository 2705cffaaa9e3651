"""Limits for a shared server: environment overrides, refusals with the limit named, wall time."""
import time

import pytest
from streamlit.testing.v1 import AppTest

from lstmviz.data import builtin
from lstmviz.errors import InputError
from lstmviz.forecast import ForecastConfig, fit
from lstmviz.limits import Limits
from tests.test_app import APP, TIMEOUT


def test_defaults_and_environment_overrides():
    assert Limits.from_env({}) == Limits()
    lim = Limits.from_env({"LSTMVIZ_MAX_HIDDEN": "16", "LSTMVIZ_MAX_TRAIN_SECONDS": "2.5", "LSTMVIZ_MAX_ROWS": " "})
    assert lim.hidden_size == 16 and lim.train_seconds == 2.5 and lim.rows == Limits().rows
    with pytest.raises(InputError, match="LSTMVIZ_MAX_EPOCHS='many' is not a number"):
        Limits.from_env({"LSTMVIZ_MAX_EPOCHS": "many"})
    with pytest.raises(InputError, match="must be above 0"):
        Limits.from_env({"LSTMVIZ_MAX_LAYERS": "0"})


def test_values_above_a_limit_are_refused_with_the_limit_named():
    lim = Limits(hidden_size=8, epochs=100)
    lim.check_config(ForecastConfig().replace(hidden_size=8).replace(epochs=100))
    with pytest.raises(InputError, match=r"32 hidden units is above this server's limit of 8 \(LSTMVIZ_MAX_HIDDEN\); "
                                         r"500 epochs is above this server's limit of 100"):
        lim.check_config(ForecastConfig().replace(hidden_size=32).replace(epochs=500))
    with pytest.raises(InputError, match="this server allows 5 characters"):
        Limits(text_chars=5).check_text("1, 2, 3")


def test_training_stops_at_the_wall_time_limit_and_keeps_its_model():
    series = builtin("sine", length=2000, period=50)
    start = time.perf_counter()
    f = fit(series, ForecastConfig().replace(window=50, test=50, transform="none", hidden_size=32).replace(epochs=100_000),
            max_seconds=0.5)
    assert time.perf_counter() - start < 20
    assert f.result.stopped == "time" and "allows 0.5 s per training run" in f.result.message
    assert 0 < f.result.epochs_run < 100_000 and f.result.snapshots[-1][0] == f.result.epochs_run


def test_the_page_caps_its_controls_and_text_at_the_limits(monkeypatch):
    monkeypatch.setenv("LSTMVIZ_MAX_HIDDEN", "8")
    monkeypatch.setenv("LSTMVIZ_MAX_EPOCHS", "100")
    monkeypatch.setenv("LSTMVIZ_MAX_TEXT_CHARS", "40")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    hidden = next(s for s in at.slider if s.label == "Hidden units")
    epochs = next(s for s in at.slider if s.label == "Epochs")
    assert hidden.max == 8 and hidden.value == 8 and epochs.max == 100 and epochs.value == 100
    at.radio(key="source").set_value("Type a sequence").run()
    assert len(at.text_area(key="typed").value) <= 40  # the widget itself stops at the limit
    assert not at.exception


def test_a_misconfigured_limit_is_an_error_on_the_page(monkeypatch):
    monkeypatch.setenv("LSTMVIZ_MAX_ROWS", "lots")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and any("LSTMVIZ_MAX_ROWS='lots'" in e.value for e in at.error)
