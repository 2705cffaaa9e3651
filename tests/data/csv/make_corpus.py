"""Writes the CSV corpus in this folder, in the shapes real tools write, and expected.json beside it.

Run from anywhere: python tests/data/csv/make_corpus.py. The files are committed; this script says how
each was made (pandas to_csv, the csv module's excel dialect, ...) so they can be made again.
expected.json comes from the values written here, never from the loader: one entry per check, with the
column to forecast, the time axis, the number of values and the first values.
"""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
EXPECTED: list[dict] = []


def values(n: int, level: float = 100.0, seed: int = 0, season: int = 12, digits: int = 2) -> list[float]:
    """A trend, a season and some noise, rounded as a spreadsheet shows them."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    v = level * (1 + 0.01 * k + 0.2 * np.sin(2 * np.pi * k / season)) + rng.normal(0, level * 0.02, n)
    return [round(float(x), digits) for x in v]


def months(n: int, start=date(2019, 1, 1)) -> list[date]:
    return [date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) for k in range(n)]


def days(n: int, start=date(2021, 1, 1), step: int = 1) -> list[date]:
    return [start + timedelta(days=step * k) for k in range(n)]


def expect(file: str, column: str, time_column: str | None, v: list[float], first_time: str | None, *,
           series: str | None = None, ids: list[str] | None = None, note: str | None = None,
           season: int | None = None) -> None:
    EXPECTED.append({"file": file, "column": column, "time_column": time_column, "count": len(v), "first": v[:3],
                     "first_time": first_time, "series": series, "ids": ids, "note": note, "season": season})


def write_rows(name: str, rows: list[list], *, encoding: str = "utf-8", **fmt) -> None:
    """Rows through the csv module (excel dialect unless told otherwise), as spreadsheets write them."""
    buf = io.StringIO(newline="")
    csv.writer(buf, **({"dialect": "excel"} | fmt)).writerows(rows)
    (HERE / name).write_bytes(buf.getvalue().encode(encoding))


def us(x: float) -> str:
    return f"{x:,.2f}"  # 1,230.50: Excel and Google Sheets with a number format


def eu(x: float) -> str:
    return f"{x:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")  # 1.230,50


# --- pandas ------------------------------------------------------------------------------------

def pandas_files() -> None:
    v = values(48, seed=1)
    pd.Series(v).to_csv(HERE / "pandas_series_default_index.csv")  # header ",0"
    expect("pandas_series_default_index.csv", "0", "index", v, "0")

    v = values(36, seed=2)
    idx = pd.date_range("2018-01-01", periods=36, freq="MS")
    pd.Series(v, index=idx).to_csv(HERE / "pandas_series_date_index.csv")  # ",0" then 2018-01-01,...
    expect("pandas_series_date_index.csv", "0", "index", v, "2018-01-01", season=12)

    pd.Series(v, name=0).to_csv(HERE / "pandas_series_named_0_no_index.csv", index=False)  # "0" then floats
    expect("pandas_series_named_0_no_index.csv", "0", None, v, None)

    v = values(30, level=20, seed=3)
    s = pd.Series(v, index=pd.date_range("2022-03-01", periods=30, freq="D", name="date"), name="sales")
    s.to_frame().assign(price=np.round(np.linspace(9.5, 12, 30), 2)).to_csv(HERE / "pandas_frame_named_index.csv")
    expect("pandas_frame_named_index.csv", "sales", "date", v, "2022-03-01", season=7)

    v = values(40, level=5, seed=4)
    frame = pd.DataFrame({"date": pd.date_range("2020-06-01", periods=40, freq="W-MON").strftime("%Y-%m-%d"),
                          "value": v})
    frame.to_csv(HERE / "pandas_frame_default_index.csv")  # ",date,value" then 0,2020-06-01,...
    expect("pandas_frame_default_index.csv", "value", "date", v, "2020-06-01", season=52)

    v = values(50, level=15, seed=5)
    pd.DataFrame({"temp": v}, index=pd.RangeIndex(50, name="obs")).to_csv(HERE / "pandas_named_int_index.csv")
    expect("pandas_named_int_index.csv", "temp", "obs", v, "0")

    v = values(24 * 7, level=300, seed=6, season=24)
    idx = pd.date_range("2023-05-01", periods=len(v), freq="h", name="timestamp")
    pd.DataFrame({"load_mw": v}, index=idx).to_csv(HERE / "pandas_hourly.csv")
    expect("pandas_hourly.csv", "load_mw", "timestamp", v, "2023-05-01T00:00", season=24)

    v = values(60, level=8, seed=7)
    pd.DataFrame({"ds": pd.date_range("2021-01-01", periods=60, freq="D"), "y": v}).to_csv(
        HERE / "pandas_tab.tsv", sep="\t", index=False)
    expect("pandas_tab.tsv", "y", "ds", v, "2021-01-01", season=7)

    # R's write.csv: quoted row names "1".."n" under an empty quoted header, strings quoted, numbers not
    v = values(25, level=60, seed=8)
    rows = [["", "year", "x"]] + [[str(k + 1), 1990 + k, x] for k, x in enumerate(v)]
    write_rows("r_write_csv.csv", rows, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    expect("r_write_csv.csv", "x", "year", v, "1990")


# --- Excel and Google Sheets ---------------------------------------------------------------------

def spreadsheet_files() -> None:
    v = [x * 10 for x in values(24, seed=11)]
    v = [round(x, 2) for x in v]
    rows = [["Month", "Revenue"]] + [[f"{d.month}/{d.day}/{d.year}", us(x)] for d, x in zip(months(24), v)]
    write_rows("excel_us_thousands_bom_crlf.csv", rows, encoding="utf-8-sig")  # Excel "CSV UTF-8"
    expect("excel_us_thousands_bom_crlf.csv", "Revenue", "Month", v, "2019-01-01", season=12)

    v = values(20, level=500, seed=12)
    rows = [["Date", "Units", ""]] + [[d.strftime("%m/%d/%Y"), x, ""] for d, x in zip(days(20, step=7), v)]
    rows += [["", "", ""], ["", "", ""]]  # rows of empty cells below the data
    write_rows("excel_trailing_empty_column.csv", rows)
    expect("excel_trailing_empty_column.csv", "Units", "Date", v, "2021-01-01", season=52)

    v = values(12, level=1000, seed=13)
    rows = [["Month", "Sales"]] + [[d.strftime("%b %Y"), us(x)] for d, x in zip(months(12, date(2022, 1, 1)), v)]
    rows.append(["Total", us(round(sum(v), 2))])
    write_rows("excel_totals_row.csv", rows)
    expect("excel_totals_row.csv", "Sales", "Month", v, "2022-01-01", note="Total", season=12)

    v = values(45, level=30, seed=14, season=7)  # UK Excel: dd/mm/yyyy, and day 13 comes early
    rows = [["Date", "Visitors"]] + [[d.strftime("%d/%m/%Y"), x] for d, x in zip(days(45, date(2021, 3, 1)), v)]
    write_rows("excel_uk_ddmm_daily.csv", rows)
    expect("excel_uk_ddmm_daily.csv", "Visitors", "Date", v, "2021-03-01", season=7)

    v = values(30, level=75, seed=15)  # day first, monthly: every day is 01, only the order of the data tells
    rows = [["Date", "Rainfall"]] + [[d.strftime("%d/%m/%Y"), x] for d, x in zip(months(30, date(2019, 7, 1)), v)]
    write_rows("excel_ddmm_monthly_ambiguous.csv", rows)
    expect("excel_ddmm_monthly_ambiguous.csv", "Rainfall", "Date", v, "2019-07-01", season=12)

    v = values(26, level=12, seed=16)  # US weekly: month first, days run past 12 within the first weeks
    rows = [["Week", "Cases"]] + [[d.strftime("%m/%d/%Y"), x] for d, x in zip(days(26, date(2020, 2, 3), 7), v)]
    write_rows("excel_us_mmdd_weekly.csv", rows)
    expect("excel_us_mmdd_weekly.csv", "Cases", "Week", v, "2020-02-03", season=52)

    v = values(18, level=40, seed=17)
    rows = [["period", "amount"]] + [[d.isoformat(), f"{x}"] for d, x in zip(months(18), v)]
    write_rows("quoted_numbers.csv", rows, quoting=csv.QUOTE_ALL)
    expect("quoted_numbers.csv", "amount", "period", v, "2019-01-01", season=12)

    v = [round(x * 20, 2) for x in values(36, seed=18)]  # currency format: "$1,234.50"
    rows = [["Month", "Spend"]] + [[d.strftime("%Y-%m"), f"${us(x)}"] for d, x in zip(months(36), v)]
    write_rows("excel_currency.csv", rows)
    expect("excel_currency.csv", "Spend", "Month", v, "2019-01-01", season=12)

    # Google Sheets "Download > CSV": no BOM, CRLF, formatted numbers quoted, several series side by side
    n = 40
    north, south, east = values(n, 2000, 21), values(n, 1500, 22), values(n, 900, 23)
    rows = [["Date", "North", "South", "East"]] + [
        [d.strftime("%-m/%-d/%Y"), us(a), us(b), us(c)] for d, a, b, c in zip(days(n), north, south, east)]
    write_rows("gsheets_wide_thousands.csv", rows)
    expect("gsheets_wide_thousands.csv", "North", "Date", north, "2021-01-01", season=7)
    expect("gsheets_wide_thousands.csv", "East", "Date", east, "2021-01-01", season=7)

    v = values(16, level=1e4, seed=24)  # a Sheets total at the bottom, in a row of its own
    rows = [["Quarter", "Orders"]] + [[f"{d.year}-{d.month:02d}-01", us(x)] for d, x in
                                      zip([months(48)[k] for k in range(0, 48, 3)], v)]
    rows.append(["Grand Total", us(round(sum(v), 2))])
    write_rows("gsheets_grand_total.csv", rows)
    expect("gsheets_grand_total.csv", "Orders", "Quarter", v, "2019-01-01", note="Grand Total", season=4)


# --- European exports ----------------------------------------------------------------------------

def european_files() -> None:
    v = [round(x * 15, 2) for x in values(24, seed=31)]
    rows = [["Datum", "Umsatz", "Kunden"]] + [[d.strftime("%d.%m.%Y"), eu(x), k]
                                              for k, (d, x) in enumerate(zip(months(24), v))]
    write_rows("euro_de_semicolon_thousands.csv", rows, delimiter=";", encoding="utf-8-sig")
    expect("euro_de_semicolon_thousands.csv", "Umsatz", "Datum", v, "2019-01-01", season=12)

    v = values(35, level=20, seed=32)
    rows = [["date", "temperature"]] + [[d.isoformat(), f"{x:.2f}".replace(".", ",")] for d, x in zip(days(35), v)]
    write_rows("euro_decimal_comma.csv", rows, delimiter=";")
    expect("euro_decimal_comma.csv", "temperature", "date", v, "2021-01-01", season=7)

    v = [round(x * 12, 2) for x in values(30, seed=33)]  # French Excel: cp1252, no-break space groups digits
    rows = [["Période", "Chiffre d'affaires"]] + [
        [d.strftime("%d/%m/%Y"), f"{x:,.2f}".replace(",", "\xa0").replace(".", ",")]
        for d, x in zip(days(30, date(2022, 1, 1)), v)]
    write_rows("euro_fr_cp1252_nbsp.csv", rows, delimiter=";", encoding="cp1252")
    expect("euro_fr_cp1252_nbsp.csv", "Chiffre d'affaires", "Période", v, "2022-01-01", season=7)

    v = values(28, level=3, seed=34)
    rows = [["Tag", "Wert"]] + [[d.strftime("%d.%m.%Y"), f"{x:.2f}".replace(".", ",")] for d, x in zip(days(28), v)]
    write_rows("euro_tab_decimal_comma.tsv", rows, delimiter="\t")
    expect("euro_tab_decimal_comma.tsv", "Wert", "Tag", v, "2021-01-01", season=7)

    v = [round(x * 30, 2) for x in values(12, seed=35)]
    rows = [["Monat", "Umsatz"]] + [[d.strftime("%m.%Y"), eu(x)] for d, x in zip(months(12, date(2023, 1, 1)), v)]
    rows.append(["Summe", eu(round(sum(v), 2))])
    write_rows("euro_totals_summe.csv", rows, delimiter=";")
    expect("euro_totals_summe.csv", "Umsatz", "Monat", v, "2023-01-01", note="Summe", season=12)


# --- timestamps ----------------------------------------------------------------------------------

def timestamp_files() -> None:
    v = values(72, level=50, seed=41, season=24)
    tz = timezone(timedelta(hours=1))
    t0 = datetime(2021, 3, 1, tzinfo=tz)
    rows = [["time", "demand"]] + [[(t0 + timedelta(hours=k)).isoformat(), x] for k, x in enumerate(v)]
    write_rows("iso_offset_hourly.csv", rows, lineterminator="\n")
    expect("iso_offset_hourly.csv", "demand", "time", v, "2021-03-01T00:00", season=24)

    v = values(48, level=7, seed=42, season=24)
    t0 = datetime(2022, 10, 30, tzinfo=timezone.utc)
    rows = [["timestamp", "speed"]] + [[(t0 + timedelta(hours=k)).strftime("%Y-%m-%dT%H:%M:%SZ"), x]
                                       for k, x in enumerate(v)]
    write_rows("iso_utc_z.csv", rows, lineterminator="\n")
    expect("iso_utc_z.csv", "speed", "timestamp", v, "2022-10-30T00:00", season=24)

    v = values(96, level=21, seed=43, season=24)
    t0 = int(datetime(2023, 1, 1, tzinfo=timezone.utc).timestamp())
    pd.DataFrame({"timestamp": [t0 + 3600 * k for k in range(96)], "temp_c": v}).to_csv(
        HERE / "unix_epoch_seconds.csv", index=False)
    expect("unix_epoch_seconds.csv", "temp_c", "timestamp", v, "2023-01-01T00:00", season=24)

    v = values(40, level=2, seed=44)
    pd.DataFrame({"time_ms": [(t0 + 86_400 * k) * 1000 for k in range(40)], "rate": v}).to_csv(
        HERE / "unix_epoch_millis.csv", index=False)
    expect("unix_epoch_millis.csv", "rate", "time_ms", v, "2023-01-01", season=7)


# --- long and wide -------------------------------------------------------------------------------

def long_and_wide_files() -> None:
    n = 30
    per = {"store_a": values(n, 100, 51), "store_b": values(n, 250, 52), "store_c": values(n, 40, 53)}
    frame = pd.concat([pd.DataFrame({"id": k, "date": pd.date_range("2022-01-01", periods=n, freq="D"),
                                     "value": v}) for k, v in per.items()])
    frame.to_csv(HERE / "kaggle_long.csv", index=False, date_format="%Y-%m-%d")
    ids = list(per)
    expect("kaggle_long.csv", "value", "date", per["store_a"], "2022-01-01", ids=ids, season=7)
    expect("kaggle_long.csv", "value", "date", per["store_c"], "2022-01-01", series="store_c", ids=ids, season=7)

    n = 48  # Nixtla's shape: unique_id, ds, y; hourly; the rows of each series interleaved by time
    per = {"H1": values(n, 10, 54, 24), "H2": values(n, 20, 55, 24)}
    frame = pd.concat([pd.DataFrame({"unique_id": k, "ds": pd.date_range("2024-02-01", periods=n, freq="h"),
                                     "y": v}) for k, v in per.items()]).sort_values(["ds", "unique_id"], kind="stable")
    frame.to_csv(HERE / "nixtla_long_hourly.csv", index=False)
    expect("nixtla_long_hourly.csv", "y", "ds", per["H1"], "2024-02-01T00:00", ids=list(per), season=24)
    expect("nixtla_long_hourly.csv", "y", "ds", per["H2"], "2024-02-01T00:00", series="H2", ids=list(per),
           season=24)

    n = 60
    wide = {"date": [d.isoformat() for d in days(n)], "paris": values(n, 12, 56, 7),
            "berlin": values(n, 9, 57, 7), "madrid": values(n, 18, 58, 7)}
    pd.DataFrame(wide).to_csv(HERE / "wide_daily.csv", index=False)
    expect("wide_daily.csv", "paris", "date", wide["paris"], "2021-01-01", season=7)
    expect("wide_daily.csv", "madrid", "date", wide["madrid"], "2021-01-01", season=7)

    v = values(40, level=200, seed=59)
    pd.DataFrame({"year": range(1980, 2020), "count": v}).to_csv(HERE / "annual_years.csv", index=False)
    expect("annual_years.csv", "count", "year", v, "1980")

    v = values(30, level=10, seed=60)
    v_missing = list(v)
    cells = [("" if k in (4, 11) else ("NA" if k == 20 else x)) for k, x in enumerate(v)]
    pd.DataFrame({"day": [d.isoformat() for d in days(30)], "level": cells}).to_csv(
        HERE / "missing_values.csv", index=False)
    expect("missing_values.csv", "level", "day", v_missing[:4], "2021-01-01", season=7)
    EXPECTED[-1].update(count=30, missing=3)


def main() -> None:
    for old in HERE.glob("*.csv"):
        old.unlink()
    for old in HERE.glob("*.tsv"):
        old.unlink()
    pandas_files()
    spreadsheet_files()
    european_files()
    timestamp_files()
    long_and_wide_files()
    (HERE / "expected.json").write_text(json.dumps(EXPECTED, indent=1) + "\n")
    files = {e["file"] for e in EXPECTED}
    print(f"{len(files)} files, {len(EXPECTED)} checks")


if __name__ == "__main__":
    main()
