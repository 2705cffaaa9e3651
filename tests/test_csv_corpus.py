"""The CSV corpus (tests/data/csv, written by make_corpus.py with pandas and the csv module): every file
gives the expected column, time axis, count and first values, through load_csv and through the CLI."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lstmviz.__main__ import main
from lstmviz.data import load_csv
from lstmviz.errors import InputError
from lstmviz.timecol import to_number

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "csv"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
CASES = {f"{e['file']}:{e['series'] or e['column']}": e for e in EXPECTED}


def test_the_corpus_is_there():
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".tsv")}
    assert files == {e["file"] for e in EXPECTED} and len(files) >= 25


def check_time(time, expected: str | None):
    if expected is None:
        assert time is None
    elif np.issubdtype(np.asarray(time).dtype, np.datetime64):
        assert str(time[0]).startswith(expected), (time[0], expected)
        assert not np.isnat(time).any()
    else:
        assert str(time[0]) == expected


def is_default(e: dict) -> bool:
    """The first check of a file is of the column and series it offers first."""
    return next(x for x in EXPECTED if x["file"] == e["file"]) is e


@pytest.mark.parametrize("name", list(CASES))
def test_load_csv_reads_the_corpus_file(name):
    e = CASES[name]
    table = load_csv(CORPUS / e["file"])
    assert table.time_column == e["time_column"]
    if is_default(e):
        assert table.default_column == e["column"] and e["series"] is None
    assert table.index_column not in table.numeric_columns
    assert list(table.ids) == (e["ids"] or [])
    s = table.series(e["column"], series_id=e["series"])
    assert s.name == e["column"] and len(s) == e["count"] and s.season == e["season"]
    np.testing.assert_allclose(s.values[:len(e["first"])], e["first"], rtol=1e-12)
    assert s.missing == e.get("missing", 0)
    check_time(s.time, e["first_time"])
    if e["note"]:
        assert any(e["note"] in n for n in table.notes) and e["note"] in s.note
    else:
        assert not any("totals" in n for n in table.notes)


@pytest.mark.parametrize("name", list(CASES))
def test_cli_inspect_reads_the_corpus_file(name, capsys):
    e = CASES[name]
    argv = ["forecast", str(CORPUS / e["file"]), "--inspect"]
    if e["series"]:
        argv += ["--series", e["series"]]
    if not is_default(e):
        argv += ["--column", e["column"]]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)["data"]
    assert out["column"] == e["column"] and out["time_column"] == e["time_column"]
    assert out["length"] == e["count"] and out["season"] == e["season"]
    np.testing.assert_allclose(out["first_values"][:len(e["first"])], e["first"], rtol=1e-12)
    if e["first_time"] is not None:
        assert str(out["first_time"]).startswith(e["first_time"])
    assert out["ids"] == (e["ids"] or []) and out["series_id"] == (e["series"] or (e["ids"] or [None])[0])


def run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "lstmviz", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize("name", ["kaggle_long.csv:store_c", "euro_fr_cp1252_nbsp.csv:Chiffre d'affaires"])
def test_cli_trains_on_corpus_files(name):
    """Two files end to end in a subprocess: a long-format series by id, a French Excel export."""
    e = CASES[name]
    p = run("forecast", CORPUS / e["file"], "--epochs", "2", "--horizon", "3",
            *(["--series", e["series"]] if e["series"] else []))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["data"]["column"] == e["column"] and out["data"]["series_id"] == e["series"]
    assert out["series"]["length"] == e["count"] and len(out["forecast"]) == 3
    np.testing.assert_allclose(out["data"]["first_values"][:3], e["first"], rtol=1e-12)
    np.testing.assert_allclose(out["test_actual"][-1], load_csv(CORPUS / e["file"]).series(
        e["column"], series_id=e["series"]).values[-1], rtol=1e-12)


@pytest.mark.parametrize("args,phrase", [
    (["kaggle_long.csv", "--series", "store_z"],
     "no series 'store_z' in column 'id'; the series are: 'store_a', 'store_b', 'store_c'"),
    (["wide_daily.csv", "--series", "paris"], "this file holds one series (no id column was found)"),
])
def test_cli_bad_series_id_exits_2_naming_the_ids(args, phrase, capsys):
    assert main(["forecast", str(CORPUS / args[0]), *args[1:], "--epochs", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("error: ") and phrase in err


# --- the rules behind the corpus, one by one ---------------------------------------------------------

@pytest.mark.parametrize("cells,decimal,numbers", [
    (["1,230.5", "$1,230.50", "-12,345,678", "1 230.5", "7"], ".", [1230.5, 1230.5, -12345678, 1230.5, 7]),
    (["1.230,5", "1\xa0230,5", "1\u202f230,5", "€ 2,5", "-0,25", "7"], ",", [1230.5, 1230.5, 1230.5, 2.5, -0.25, 7]),
    (["1.5", "01.2023", "1,23,4", "12,34.5"], ",", [np.nan] * 4),  # with a decimal comma, a dot is not one
    (["1,23", "1,2345", "12,34.5"], ".", [np.nan] * 3),  # not thousands groups: not numbers
])
def test_to_number_reads_thousands_separators_in_both_styles(cells, decimal, numbers):
    np.testing.assert_array_equal(to_number(pd.Series(cells, dtype=object), decimal).to_numpy(), numbers)


@pytest.mark.parametrize("text,column,values", [
    (b",0\n0,1.5\n1,2.5\n2,3.5\n", "0", [1.5, 2.5, 3.5]),  # pandas Series.to_csv(): the 0 is a header
    (b"0\n1.5\n2.25\n3.0\n", "0", [1.5, 2.25, 3.0]),  # to_csv(index=False): the same
    (b"0\n1\n2\n3\n", "column 1", [0, 1, 2, 3]),  # whole numbers under a 0: data, not a header
    (b"1,2\n3,4\n5,6\n", "column 1", [1, 3, 5]),
])
def test_a_header_of_pandas_labels_is_a_header(text, column, values):
    t = load_csv(text)
    assert t.default_column == column
    np.testing.assert_array_equal(t.series().values, values)


def test_an_index_column_is_never_the_default_and_the_date_column_is_the_time():
    t = load_csv(b",date,value\n0,2020-01-01,5\n1,2020-01-02,6\n2,2020-01-03,7\n")
    assert t.index_column == "index" and t.time_column == "date" and t.numeric_columns == ["value"]


@pytest.mark.parametrize("dates,first", [
    (["01/02/2020", "01/03/2020", "01/04/2020"], "2020-01-02"),  # a tie: month first, as pandas
    (["01.02.2020", "01.03.2020", "01.04.2020"], "2020-02-01"),  # a tie with dots: day first
    (["01/11/2020", "01/12/2020", "01/01/2021", "01/02/2021"], "2020-11-01"),  # in order only as dd/mm
    (["11/01/2020", "12/01/2020", "01/01/2021", "02/01/2021"], "2020-11-01"),  # in order only as mm/dd
])
def test_day_or_month_first_is_read_from_the_order_of_the_dates(dates, first):
    t = load_csv(("d,v\n" + "".join(f"{d},{k}\n" for k, d in enumerate(dates))).encode())
    assert str(t.time[0]).startswith(first)


def test_a_totals_row_is_dropped_only_at_the_bottom():
    t = load_csv(b"item,v\nTotal cost,1\nb,2\nc,3\nTotal,6\n")
    np.testing.assert_array_equal(t.series().values, [1, 2, 3])
    assert t.notes == ("dropped the last row, 'Total': a totals row, not a data point.",)


def test_newest_first_rows_are_put_in_time_order():
    t = load_csv(b"date,v\n2020-01-03,3\n2020-01-02,2\n2020-01-01,1\n")
    np.testing.assert_array_equal(t.series().values, [1, 2, 3])
    assert str(t.time[0]).startswith("2020-01-01") and "latest to the earliest" in t.notes[0]


def test_long_format_rows_and_preview():
    t = load_csv(CORPUS / "nixtla_long_hourly.csv")
    assert t.id_column == "unique_id" and t.numeric_columns == ["y"]
    p = t.preview("y", "H2", n=3)
    assert list(p.columns[:2]) == ["ds", "y"] and list(p["unique_id"]) == ["H2"] * 3
    with pytest.raises(InputError, match="no series 'H9' in column 'unique_id'; the series are: 'H1', 'H2'"):
        t.series(series_id="H9")


def test_empty_rows_below_a_spreadsheet_are_skipped_but_a_last_nan_is_a_missing_value():
    t = load_csv(CORPUS / "excel_trailing_empty_column.csv")
    assert list(t.frame.columns) == ["Date", "Units"] and t.notes == ("skipped 2 empty rows at the end.",)
    s = load_csv(b"v\n1.5\n2.5\nnan\n").series()
    assert s.missing == 1 and len(s) == 3  # one column: 'nan' is a value the file wrote, not an empty row
