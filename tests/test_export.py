"""The forecast CSV: dates from the series' time axis, the test range and the forecast beyond the data."""
import io

import numpy as np
import pandas as pd

from lstmviz import export
from lstmviz.data import Series, builtin
from lstmviz.forecast import ForecastConfig, evaluate, fit


def _fitted(series, **changes):
    config = ForecastConfig().replace(epochs=10, hidden_size=4, **changes)
    f = fit(series, config)
    return f, evaluate(f)


def test_the_forecast_csv_has_dates_the_test_range_and_the_forecast_beyond():
    series = builtin("airline")  # monthly, 1949-01 to 1960-12
    f, r = _fitted(series)
    frame = pd.read_csv(io.BytesIO(export.csv_bytes(export.forecast_frame(series, r, f.n_train))))
    test, beyond = f.config.test, len(r.forecast)
    assert beyond == 12 and len(frame) == test + beyond
    assert frame["t"].tolist() == list(range(144 - test, 144 + beyond))
    dates = pd.to_datetime(frame["time"])
    assert dates.iloc[0] == pd.Timestamp(series.time[144 - test])
    assert dates.iloc[test - 1] == pd.Timestamp("1960-12-01")
    assert list(dates.iloc[test:]) == list(pd.date_range("1961-01-01", periods=12, freq="MS"))
    np.testing.assert_allclose(frame["actual"][:test], series.values[-test:])
    np.testing.assert_allclose(frame["recursive"][:test], r.test_predictions, rtol=1e-12)
    np.testing.assert_allclose(frame["one_step"][:test], r.one_step, rtol=1e-12)
    np.testing.assert_allclose(frame["seasonal_naive"][:test], r.baselines["seasonal_naive"], rtol=1e-12)
    np.testing.assert_allclose(frame["beyond"][test:], r.forecast, rtol=1e-12)
    # each forecast is empty where it does not reach
    assert frame["beyond"][:test].isna().all()
    assert frame[["actual", "recursive", "one_step", "naive"]][test:].isna().all().all()


def test_a_series_without_time_counts_positions_on():
    values = 10 + np.sin(np.arange(120) / 3)
    series = Series(values, "wave")
    f, r = _fitted(series, transform="none", window=12, test=20)
    frame = export.forecast_frame(series, r, f.n_train)
    assert "time" not in frame.columns
    assert frame["t"].tolist() == list(range(100, 132))
    np.testing.assert_array_equal(frame["beyond"][20:], r.forecast)


def test_x_beyond_keeps_the_spacing():
    daily = Series(np.arange(5.0), time=np.arange("2024-02-26", "2024-03-02", dtype="datetime64[D]"))
    assert daily.x_beyond(2).tolist() == np.array(["2024-03-02", "2024-03-03"], dtype="datetime64[D]").tolist()
    monthly = Series(np.arange(3.0), time=np.array(["2023-11-01", "2023-12-01", "2024-01-01"], dtype="datetime64[ns]"))
    assert monthly.x_beyond(2).astype("datetime64[D]").tolist() == np.array(
        ["2024-02-01", "2024-03-01"], dtype="datetime64[D]").tolist()
    assert Series(np.arange(4.0), time=np.array([0, 5, 10, 15])).x_beyond(3).tolist() == [20, 25, 30]
    assert Series(np.arange(4.0)).x_beyond(2).tolist() == [4, 5]
