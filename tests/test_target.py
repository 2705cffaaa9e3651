"""Residual targets: an output of 0 is the baseline's forecast, the gates stay exact, and the LSTM
chooser of the target never sees the test points."""
import numpy as np
import pytest
import torch

from lstmviz.choose_target import choose_target
from lstmviz.data import Series, Transform, builtin
from lstmviz.forecast import ForecastConfig, baselines, default_config, evaluate, fit, preset, resolve_all
from lstmviz.forecast_run import ForecastRun
from lstmviz.target import Target

SMALL = ForecastConfig().replace(window=12, test=12, hidden_size=4, season=12).replace(epochs=4)


def seasonal(n=96, seed=0):
    t = np.arange(n)
    return Series(100 + t + 20 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 2, n),
                  name="seasonal", season=12)


@pytest.mark.parametrize("kind", ["none", "log_diff", "seasonal_diff"])
def test_residual_targets_decode_back_to_the_values(kind):
    y = seasonal().values
    tf = Transform.fit(y[:60], kind, "minmax", 12)
    for residual, lag in (("naive", 1), ("seasonal_naive", 12)):
        g = Target.fit(tf, y[:60], residual, 12, start=12)
        r = g.values(tf, y)
        assert g.lag == lag and np.isnan(r[:lag]).all()
        assert np.abs(r[max(12, lag):60]).max() == pytest.approx(1.0)  # minmax: the training residuals span [-1, 1]
        t = np.arange(lag, len(y))
        np.testing.assert_allclose(tf.from_z(g.decode(tf, r[t], tf.to_z(y), t)), y[lag:], rtol=1e-12)


@pytest.mark.parametrize("residual, baseline", [("seasonal_naive", "seasonal_naive"), ("naive", "naive")])
def test_an_output_of_zero_forecasts_the_baseline_exactly(residual, baseline):
    series = seasonal()
    f = fit(series, SMALL.replace(residual=residual, transform="diff"))
    with torch.no_grad():  # a model whose output is always 0: the baseline, step by step
        f.model.head.weight.zero_()
        f.model.head.bias.zero_()
    r = evaluate(f, horizon=0)
    np.testing.assert_allclose(r.test_predictions, baselines(series.values[:84], 12, 12)[baseline], rtol=1e-12)
    np.testing.assert_allclose(r.one_step, series.values[84 - f.target.lag:96 - f.target.lag], rtol=1e-12)
    assert r.predicts == f"the deviation from {baseline.replace('_', ' ')}" and r.target.why == "set by hand"


def test_a_residual_model_is_a_stock_lstm_whose_gates_are_exact():
    series = seasonal()
    f = fit(series, SMALL.replace(residual="seasonal_naive"))
    run = ForecastRun(f, evaluate(f, horizon=0))
    assert isinstance(f.model.lstm, torch.nn.LSTM) and f.target.residual
    trace = run.trace(4, 24, 12)
    assert trace.max_error <= 1e-5
    s = f.encoded()[24:36]
    with torch.no_grad():  # the head on the recorded last h is the model's output: the residual it predicts
        out = f.model(torch.as_tensor(s, dtype=torch.float32)[None, :, None])[0, 0]
        head = f.model.head(torch.tensor(trace.get("h")[-1], dtype=torch.float32))[0]
    assert float(head) == pytest.approx(float(out), abs=1e-5)


def test_the_target_is_chosen_on_the_training_part_only():
    series = seasonal()
    config = SMALL.replace(residual="validate", transform="diff")
    wild = series.values.copy()
    wild[-12:] = wild[-12:] * 10 - 500
    a, b = fit(series, config), fit(Series(wild, season=12), config)
    ra, rb = evaluate(a, horizon=0), evaluate(b, horizon=0)
    assert ra.target.scores == rb.target.scores and ra.target.holdout == 12
    assert set(ra.target.scores) == {"none", "naive", "seasonal_naive"}
    assert a.config.residual == ra.target.chosen == min(ra.target.scores, key=ra.target.scores.get)
    np.testing.assert_array_equal(ra.test_predictions, rb.test_predictions)
    assert "test points took no part" in ra.target.why


def test_defaults_predict_the_deviation_from_the_seasonal_baseline_and_read_differences():
    seasonal_fit = fit(seasonal(), default_config(seasonal(), test=12).replace(epochs=2, hidden_size=4))
    r = evaluate(seasonal_fit, horizon=0)
    assert r.target.requested == "auto" and r.target.chosen == seasonal_fit.config.residual == "seasonal_naive"
    assert r.predicts == "the deviation from seasonal naive" and "season of 12" in r.target.why
    assert "none" not in r.transform.scores and seasonal_fit.transform.lag >= 1  # a residual model reads differences
    flat = Series(seasonal().values)  # no season known
    config, _, target = resolve_all(flat, default_config(flat, test=12))
    assert target.chosen == config.residual == "naive" and target.why == "the data has no season"
    assert preset("airline")[1].residual == "none"  # the tutorial's recipe predicts the next value


def test_the_chooser_scores_each_candidate_by_its_own_forecast():
    y = builtin("trend_season", length=120).values
    c = choose_target(y, "diff", "minmax", 12, 12, 12, SMALL.model, SMALL.train.replace(epochs=5))
    again = choose_target(y, "diff", "minmax", 12, 12, 12, SMALL.model, SMALL.train.replace(epochs=5))
    assert c == again  # seeded
    assert c.chosen == min(c.scores, key=c.scores.get) and c.holdout == 12
    no_season = choose_target(y, "diff", "minmax", None, 12, 12, SMALL.model, SMALL.train.replace(epochs=3))
    assert set(no_season.scores) == {"none", "naive"}
