"""Training, forecasting, baselines and metrics; the airline quality bar."""
import math

import numpy as np
import pytest
import torch

from lstmviz.data import Series, builtin
from lstmviz.errors import InputError
from lstmviz.forecast import (ForecastConfig, baselines, default_config, evaluate, fit, metrics,
                              model_from_state_dict, one_step, prepare, preset)
from lstmviz.train import TrainConfig, TrainData, train

SMALL = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=5)


def test_metrics_against_hand_computed_values():
    m = metrics([1, 2, 4], [2, 2, 1])
    assert m["rmse"] == pytest.approx(math.sqrt((1 + 0 + 9) / 3))
    assert m["mae"] == pytest.approx(4 / 3)
    assert m["mape"] == pytest.approx((100 + 0 + 75) / 3)
    assert metrics([0, 0], [1, 1])["mape"] is None
    assert metrics([1, 0, 2], [1, 1, 2])["mape"] is None  # a 0 among them: no percentage of it
    assert metrics([1.0, -1.0, 5e-15], [1.1, -1.0, 0.0])["mape"] is None  # a sine wave crosses 0
    assert metrics([-2, -4], [-1, -4])["mape"] == pytest.approx(25.0)  # all negative is fine
    huge = metrics([0.0, 0.0], [3e300, 4e300])  # squares would overflow
    assert huge["rmse"] == pytest.approx(math.sqrt((9 + 16) / 2) * 1e300) and huge["mae"] == pytest.approx(3.5e300)
    assert metrics([0.0], [1e-200])["rmse"] == pytest.approx(1e-200)


def test_baselines_on_a_known_series():
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    b = baselines(y, 5, season=4)
    np.testing.assert_array_equal(b["naive"], [8] * 5)
    np.testing.assert_array_equal(b["seasonal_naive"], [5, 6, 7, 8, 5])
    np.testing.assert_allclose(b["drift"], [9, 10, 11, 12, 13])
    assert "seasonal_naive" not in baselines(y, 3, season=None)


def test_airline_seasonal_naive_matches_the_issue_figure():
    series, config = preset("airline")
    b = baselines(series.values[:-12], 12, 12)
    assert metrics(series.values[-12:], b["seasonal_naive"])["rmse"] == pytest.approx(50.7, abs=0.05)
    assert metrics(series.values[-12:], b["naive"])["rmse"] == pytest.approx(103, abs=0.5)


def test_training_is_reproducible_with_a_seed():
    series = builtin("trend_season", length=80)
    a, b = fit(series, SMALL), fit(series, SMALL)
    assert a.result.losses == b.result.losses
    assert np.array_equal(evaluate(a).test_predictions, evaluate(b).test_predictions)
    c = fit(series, SMALL.replace(seed=1))
    assert c.result.losses != a.result.losses


def test_loss_falls_and_snapshots_are_spread():
    series = builtin("sine", length=120, period=20)
    f = fit(series, SMALL.replace(epochs=40, lr=2e-2))
    assert f.result.losses[-1] < f.result.losses[0] / 2
    epochs = [e for e, _ in f.result.snapshots]
    assert epochs[0] == 0 and epochs[-1] == 40 and 10 <= len(epochs) <= 12
    assert epochs == sorted(epochs)
    first, last = f.result.snapshots[0][1], f.result.snapshots[-1][1]
    assert not torch.equal(first["head.weight"], last["head.weight"])


def test_callback_sees_every_epoch_and_can_stop():
    seen = []
    series = builtin("sine", length=100, period=20)
    f = fit(series, SMALL.replace(epochs=50, val=5), on_epoch=lambda e: seen.append(e) or e.epoch == 7)
    assert [e.epoch for e in seen] == list(range(1, 8))
    assert all(e.val_loss is not None and e.elapsed >= 0 for e in seen)
    assert f.result.stopped == "user" and f.result.epochs_run == 7 and f.result.snapshots[-1][0] == 7


def test_divergence_is_a_result_not_an_exception():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3, 1))
    X = torch.ones(8, 3, 1)
    y = torch.full((8, 1), 1e30)  # the squared error overflows float32 at once
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = train(model, TrainData(X, y), TrainConfig(epochs=5))
    assert result.stopped == "diverged" and not result.ok
    assert "diverged at epoch 1" in result.message and "lower the learning rate" in result.message
    for k, v in model.state_dict().items():  # weights back to the last finite state
        assert torch.equal(v, before[k])


def test_early_stopping_restores_the_best_weights():
    series = builtin("sine", length=200, period=25, noise=0.3, seed=1)
    f = fit(series, SMALL.replace(epochs=400, lr=5e-2, val=20, patience=5))
    assert f.result.stopped == "early" and f.result.epochs_run < 400


def test_config_errors_say_what_to_change():
    series = builtin("sine", length=30)
    with pytest.raises(InputError, match="at least 33 are needed"):
        fit(series, SMALL.replace(window=20, test=10, transform="diff"))
    with pytest.raises(InputError, match="learning rate"):
        TrainConfig(lr=-1).check()
    with pytest.raises(InputError, match="unknown setting"):
        SMALL.replace(colour="red")


def test_transform_is_fit_on_training_part_only():
    y = np.concatenate([np.linspace(1, 2, 40), np.full(6, 1000.0)])
    tf, _ = prepare(Series(y), SMALL)
    assert tf.a == pytest.approx(1.5) and tf.b == pytest.approx(0.5)


def test_one_step_uses_actual_history_and_back_transforms():
    series = builtin("trend_season", length=80)
    f = fit(series, SMALL.replace(transform="log_diff", epochs=3))
    pred = one_step(f)
    assert pred.shape == (6,) and np.isfinite(pred).all()
    # original units: near the data, not in the scaled [-1, 1] range
    assert np.abs(pred - series.values[-6:]).max() < 10


def test_report_has_forecast_beyond_the_data_and_all_metrics():
    series = builtin("trend_season", length=80)
    r = evaluate(fit(series, SMALL), horizon=9)
    assert r.forecast.shape == (9,) and r.test_predictions.shape == (6,)
    assert set(r.metrics) == {"lstm", "one_step", "naive", "seasonal_naive", "drift"}
    assert r.season == 12


def test_state_dict_roundtrip_gives_the_same_predictions():
    series = builtin("trend_season", length=80)
    f = fit(series, SMALL.replace(cell="gru", num_layers=2))
    model, cfg = model_from_state_dict(f.model.state_dict(), ForecastConfig())
    assert (cfg.model.cell, cfg.model.hidden_size, cfg.model.num_layers) == ("gru", 4, 2)
    x = torch.randn(3, 6, 1)
    with torch.no_grad():
        assert torch.equal(model(x), f.model(x))


def test_state_dict_with_wrong_keys_or_shapes_is_explained():
    with pytest.raises(InputError, match="keys like 'lstm.weight_ih_l0'"):
        model_from_state_dict({"w": torch.zeros(2)}, ForecastConfig())
    three_inputs = {"lstm.weight_ih_l0": torch.zeros(8, 3), "lstm.weight_hh_l0": torch.zeros(8, 2),
                    "head.weight": torch.zeros(1, 2), "head.bias": torch.zeros(1)}
    with pytest.raises(InputError, match="reads 3 features per step.*needs input_size 1"):
        model_from_state_dict(three_inputs, ForecastConfig())
    with pytest.raises(InputError, match="needs a Linear head with 1 output"):
        model_from_state_dict(torch.nn.LSTM(1, 4).state_dict(), ForecastConfig())


def test_airline_default_preset_median_rmse_at_most_25():
    """Issue 3's bar: seed 001's split, recursive 12 months, median over seeds 0-4."""
    series, config = preset("airline")
    rmses = [evaluate(fit(series, config.replace(seed=s))).metrics["lstm"]["rmse"] for s in range(5)]
    assert np.median(rmses) <= 25, rmses


def test_config_round_trips_through_the_json_download():
    import json

    config = ForecastConfig().replace(cell="gru", window=7).replace(epochs=33, lr=3e-3, seed=5)
    assert ForecastConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_full_batch_is_capped_so_long_series_stay_in_memory(monkeypatch):
    import lstmviz.train as tr

    monkeypatch.setattr(tr, "FULL_BATCH", 16)
    seen = []
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3, 1))
    forward = model.forward
    model.forward = lambda x: seen.append(len(x)) or forward(x)
    train(model, TrainData(torch.randn(40, 3, 1), torch.randn(40, 1)), TrainConfig(epochs=1))
    assert seen == [16, 16, 8]


def test_full_batch_is_capped_so_long_wide_runs_do_not_need_gigabytes():
    from torch import nn

    from lstmviz.train import ACTIVATION_FLOATS, _batch_cap

    model = nn.Sequential(nn.LSTM(1, 128, num_layers=4))
    cap = _batch_cap(model, torch.zeros(8192, 200, 1))
    assert cap * 200 * 12 * 128 * 4 <= ACTIVATION_FLOATS < (cap + 1) * 200 * 12 * 128 * 4
    assert _batch_cap(nn.Sequential(nn.GRU(1, 8)), torch.zeros(10, 12, 1)) > 8192  # small runs: no cap
