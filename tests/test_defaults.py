"""Defaults that fit the data: a window spanning a season, a transform chosen without the test points."""
import numpy as np
import pytest

from lstmviz.data import Series
from lstmviz.defaults import CANDIDATES, choose_transform, default_window
from lstmviz.forecast import ForecastConfig, default_config, evaluate, fit, resolve


def weekly(n=300, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return Series(50 + 0.02 * t + 5 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 0.5, n), name="weekly", season=52)


def test_window_spans_a_season_within_the_limits():
    assert default_window(None, 200) == 12
    assert default_window(4, 200) == 12  # a short season: the usual 12 already spans three
    assert default_window(52, 300) == 52
    assert default_window(52, 90) == 30  # a third of the training part at most
    assert default_window(500, 10_000) == 200  # the page's slider stops at 200
    c = default_config(weekly(), test=20)
    assert c.window == 52 and c.window >= weekly().season and c.test == 20
    assert default_config(weekly(), test=20, season=26).window == 26  # a season given by hand counts


def test_auto_transform_ignores_the_test_points():
    s = weekly()
    config = default_config(s, test=20)
    wild = s.values.copy()
    wild[-20:] = np.linspace(1e4, -1e4, 20)  # nothing like the rest
    a, ca = resolve(s, config)
    b, cb = resolve(Series(wild, season=52), config)
    assert ca.chosen == cb.chosen == a.transform == b.transform
    assert ca.scores == cb.scores and ca.holdout == cb.holdout == 20
    assert set(ca.scores) <= set(CANDIDATES) and len(ca.scores) >= 3
    assert ca.chosen == min(ca.scores, key=ca.scores.get)


def test_auto_transform_follows_the_validation_scores():
    t = np.arange(120)
    growth = 100 * np.exp(0.03 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12))  # multiplicative: logs help
    c = choose_transform(growth, "auto", 12, "minmax", 12, 12)
    assert c.chosen == "log_diff" and c.scores["log_diff"] < c.scores["diff"] < c.scores["none"]
    negative = choose_transform(-growth, "auto", 12, "minmax", 12, 12)
    assert "log_diff" not in negative.scores and negative.chosen in negative.scores
    assert choose_transform(growth, "diff", 12, "minmax", 12, 12).chosen == "diff"  # by hand: as given
    short = choose_transform(growth[:12], "auto", 12, "minmax", 12, 4)
    assert short.chosen == "log_diff" and short.scores == {} and "too few" in short.why


def test_fitted_config_and_report_name_the_chosen_transform():
    s = weekly(160)
    f = fit(s, ForecastConfig().replace(window=12, test=12, transform="auto", hidden_size=4).replace(epochs=3))
    r = evaluate(f, horizon=0)
    assert f.config.transform == f.transform.kind == r.transform.chosen != "auto"
    assert r.transform.requested == "auto" and r.transform.to_dict()["validation_rmse"] == r.transform.scores


def test_default_transform_is_auto_and_never_takes_logs_of_non_positive_data():
    assert default_config(Series(np.arange(1.0, 60))).transform == "auto"
    for values in (np.arange(0.0, 60), -np.arange(1.0, 60)):
        config, choice = resolve(Series(values), default_config(Series(values)))
        assert choice.chosen != "log_diff" and config.transform == choice.chosen


def test_one_model_by_default_and_an_ensemble_on_request():
    assert default_config(Series(np.arange(1.0, 201))).members == 1
    assert default_config(Series(np.arange(1.0, 201))).replace(members=5).member_seeds == [0, 1, 2, 3, 4]


def test_defaults_carry_weight_decay_and_the_presets_keep_theirs():
    from lstmviz.defaults import WEIGHT_DECAY
    from lstmviz.forecast import preset

    config = default_config(Series(np.arange(1.0, 120)), test=10)
    assert config.train.weight_decay == WEIGHT_DECAY > 0
    assert ForecastConfig.from_dict(config.to_dict()) == config  # the JSON download keeps it
    assert preset("airline")[1].train.weight_decay == 0  # the tutorial's recipe is its own


def test_weight_decay_shrinks_the_default_fit():
    s = weekly(140)
    config = default_config(Series(s.values), test=12).replace(epochs=60, hidden_size=8)
    decayed, plain = fit(s, config), fit(s, config.replace(weight_decay=0.0))
    norm = lambda f: float(sum(p.detach().pow(2).sum() for p in f.model.parameters()))  # noqa: E731
    assert norm(decayed) < norm(plain)


def test_a_default_fit_never_sees_the_test_points():
    """Changing the test values changes neither the chosen transform, the training, nor the forecast of
    the test range: everything is decided on the training part and its validation end."""
    s = weekly(140)
    config = default_config(Series(s.values), test=12).replace(epochs=30, hidden_size=8, seed=3)
    wild = s.values.copy()
    wild[-12:] = wild[-12:] * 10 - 500
    a, b = fit(Series(s.values), config), fit(Series(wild), config)
    ra, rb = evaluate(a, horizon=0), evaluate(b, horizon=0)
    assert a.config.transform == b.config.transform and ra.transform.scores == rb.transform.scores
    assert a.result.losses == b.result.losses
    np.testing.assert_array_equal(ra.test_predictions, rb.test_predictions)
    assert ra.metrics["lstm"]["rmse"] != rb.metrics["lstm"]["rmse"]  # the actuals did change
    again = evaluate(fit(Series(s.values), config), horizon=0)  # seeded: the same numbers again
    np.testing.assert_array_equal(again.test_predictions, ra.test_predictions)
