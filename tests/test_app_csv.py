"""The page's CSV branch with AppTest: the preview shows what was read, long-format files get a Series box."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CORPUS = ROOT / "tests" / "data" / "csv"


def upload(name: str, short: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.radio(key="source").set_value("Upload CSV").run()
    at.file_uploader(key="upload").set_value((name, (CORPUS / name).read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    # a file this short may only be too short to train on with the defaults, and the page says so
    assert all(short and "too few" in e.value for e in at.error), [e.value for e in at.error]
    return at


def captions(at) -> str:
    return " | ".join(c.value for c in at.caption)


def test_pandas_series_with_a_date_index_previews_its_values_and_dates():
    at = upload("pandas_series_date_index.csv")
    assert at.selectbox(key="csv_column").value == "0" and at.selectbox(key="csv_column").options == ["0"]
    text = captions(at)
    assert "Time column: **index** (2018-01-01 to 2020-12-01) · 36 values · missing: **0** · season 12" in text
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["index", "0"] and preview.iloc[0].tolist() == ["2018-01-01", 100.38]


def test_long_format_file_offers_its_series_and_previews_the_chosen_one():
    at = upload("kaggle_long.csv")
    box = at.selectbox(key="csv_series")
    assert box.options == ["store_a", "store_b", "store_c"] and box.value == "store_a"
    assert "3 series in **id** · 30 values" in captions(at)
    box.set_value("store_c").run()
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["date", "value", "id"]
    assert preview["id"].tolist() == ["store_c"] * 6 and preview["value"].iloc[0] == 40.08


def test_european_totals_row_is_dropped_and_said():
    at = upload("euro_totals_summe.csv", short=True)
    text = captions(at)
    assert "Time column: **Monat** (2023-01-01 to 2023-12-01) · 12 values" in text
    assert "Dropped the last row, 'Summe': a totals row, not a data point." in text
