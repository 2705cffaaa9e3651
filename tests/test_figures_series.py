"""Series figures (lstmviz/figures/series.py): the preview and the forecast chart."""
from lstmviz import figures
from lstmviz.data import builtin
from lstmviz.forecast import ForecastConfig, evaluate, fit


def test_series_preview_outlines_the_gate_views_window():
    series = builtin("airline")
    shapes = figures.series_preview(series, 12, window=(100, 24)).to_dict()["layout"]["shapes"]
    (box,) = [s for s in shapes if s["layer"] == "above"]
    assert (box["x0"], box["x1"]) == ("1957-05-01 00:00:00", "1959-04-01 00:00:00")  # positions 100 and 123
    assert len(figures.series_preview(series, 12).to_dict()["layout"]["shapes"]) == 2


def test_forecast_figure_and_preview():
    series = builtin("trend_season", length=80)
    f = fit(series, ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=3))
    r = evaluate(f, horizon=4)
    fig = figures.forecast_figure(series, r, f.n_train)
    names = [d.name for d in fig.data]
    assert "test actual" in names and "recursive forecast (test)" in names and "forecast beyond the data" in names
    assert sum("baseline" in n for n in names) == 3
    beyond = fig.data[names.index("forecast beyond the data")]
    assert len(beyond.y) == 5
    pre = figures.series_preview(series, 6)
    assert len(pre.layout.shapes) == 2


def test_dates_reach_the_json_as_dates():
    series = builtin("airline")
    js = figures.series_preview(series, 12).to_json()
    assert "1960-01-01" in js and "1949-01-01" in js
