"""Hostile and broken input (issue 7): every file or typed text ends as a clean InputError or a valid Series.

A clean error is an InputError whose message is one line and says what is wrong; a valid Series has
finite float64 values, at least one of them, and a time axis of the same length (or none).
Nothing else may escape: no pandas, Unicode or overflow errors, no tracebacks in the CLI.
"""
import csv
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lstmviz.data import Series, load_csv, parse_text
from lstmviz.errors import InputError
from lstmviz.export import csv_bytes
from lstmviz.forecast import ForecastConfig, fit

ROOT = Path(__file__).resolve().parent.parent


def one_line(e: Exception) -> str:
    msg = str(e)
    assert msg and len(msg.splitlines()) == 1 and msg == msg.strip(), repr(msg)
    return msg


def check_series(s: Series) -> None:
    assert isinstance(s, Series) and len(s) >= 1
    assert s.values.dtype == np.float64 and s.values.ndim == 1 and np.isfinite(s.values).all()
    assert s.time is None or len(s.time) == len(s)
    assert 0 <= s.missing


def xlsx_bytes() -> bytes:
    """A real (minimal) .xlsx: a zip of Office XML parts, as Excel writes it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Sheet1' sheetId='1'/></sheets></workbook>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row><c><v>1</v></c></row></sheetData>"
                                               "</worksheet>")
    data = buf.getvalue()
    assert data[:4] == b"PK\x03\x04"
    return data


def latin1_bytes(rows: int = 40) -> bytes:
    text = "année;température;remarque\n" + "".join(
        f"{2000 + k};{10 + k % 7},{k % 10};{'été' if k % 2 else 'hivér'}\n" for k in range(rows))
    return text.encode("latin-1")


def junk_without_nul(n: int = 4000) -> bytes:
    rng = random.Random(7)
    return bytes(rng.choice(range(1, 256)) for _ in range(n))


def ok(column, values, *, missing=0, time=None, columns=None, head=False):
    """load_csv(...).series(column) gives exactly `values` (or starts with them, if head)."""
    return ("ok", column, values, missing, time, columns, head)


def err(phrase):
    return ("error", phrase)


# name -> (bytes, expected outcome): ok(...) a valid Series, or err(phrase) an InputError whose one line has phrase
HOSTILE = {
    "empty": (b"", err("the file is empty")),
    "blank lines only": (b"  \n\t\n\r\n", err("the file is empty")),
    "header only": (b"date,value\n", err("has a header but no data rows")),
    "header only, no newline": (b"date,value", err("has a header but no data rows")),
    "binary junk with NULs": (bytes(range(256)) * 8, err("not a text file")),
    "binary junk without NULs": (junk_without_nul(), err("could not be decoded as text")),
    "xlsx renamed to .csv": (xlsx_bytes(), err("looks like an Excel or zip file")),
    "Latin-1 text, decimal commas": (latin1_bytes(), ok("température", [10.0, 11.1, 12.2], head=True,
                                                        time="année", columns=["température"])),
    "UTF-16 with BOM (Excel unicode text)": ("t\tv\n1\t5\n2\t6\n3\t7\n".encode("utf-16"), ok("v", [5, 6, 7],
                                                                                           time="t")),
    "ragged: a row with more fields": (b"a,b\n1,2\n3,4,5\n6,7\n", err("line 3 has 3 fields but the header has 2")),
    "ragged: a row with fewer fields": (b"a,b,c\n1,2,3\n4,5\n6,7,8\n",
                                        err("line 3 has 2 fields but the header has 3")),
    "ragged without header": (b"1,2\n3,4\n5\n", err("line 3 has 1 field but the first row has 2")),
    "trailing separator on data rows": (b"a,b\n1,2,\n3,4,\n5,6,\n", ok("b", [2, 4, 6], columns=["a", "b"])),
    "unclosed quote": (b'a,b\n1,2\n"3,4\n5,6\n', err("the row on line 3 has a quote (\") that is never closed")),
    "quoted field with a line break, misaligned": (b'a,b,c\n1,"x\ny",2,3\n4,5,6\n',
                                                   err("line 2: a quoted field runs on to line 3, so this row has 4")),
    "pandas and the csv module disagree": (b"\r;\xe2\x80\xa8", err("do not line up in 2 columns")),
    "text after a closing quote": (b'a,b\n1,2\n"3"x,4\n', err("line 3 has text right after a closing quote")),
    "unclosed quote, one column": (b'v\n1\n"2\n3\n', err("the row on line 3 has a quote (\") that is never closed")),
    "all-NaN column beside a good one": (b"a,b\n1,\n2,\n3,\n", ok("a", [1, 2, 3], columns=["a"])),
    "all-NaN column, nothing else": (b"t,v\n1,\n2,\n3,\n", err("(columns: 't', 'v'; empty: 'v'); the file needs "
                                                               "at least one column of numbers besides the time "
                                                               "column 't'")),
    "inf values": (b"v\n1\ninf\n3\n-inf\n5\n", ok("v", [1, 2, 3, 4, 5], missing=2)),
    "only inf values": (b"v\ninf\n-inf\nInfinity\n", err("no column holds numbers")),
    "1e300 values": (b"v\n1e300\n2e300\n-3e300\n", ok("v", [1e300, 2e300, -3e300])),
    "1e999 overflows to inf: missing": (b"v\n1\n1e999\n3\n", ok("v", [1, 2, 3], missing=1)),
    "gap between +-1.7e308": (b"v\n1.7e308\nnan\n-1.7e308\n", ok("v", [1.7e308, 0.0, -1.7e308], missing=1)),
    "text-only columns": (b"name,colour\nx,red\ny,blue\n", err("no column holds numbers (columns: 'name', 'colour')")),
    "one value": (b"value\n42\n", ok("value", [42])),
    "one value, no header": (b"42\n", ok("column 1", [42])),
    "only a time column (dates)": (b"date\n2020-01-01\n2020-01-02\n2020-01-03\n", err("holds times")),
    "only a time column (years)": (b"year\n2001\n2002\n2003\n", err("the only column, 'year', holds times")),
    "only separators": (b",,,\n , ,,\n,,,\n", err("no column holds numbers")),
    "separators that disagree": (b",,,\n;;;\n,,,\n", err("line 2 has 1 field but the first row has 4")),
    "huge field": (b"v\n" + b"9" * 200_000 + b"\n1\n", err("longer than 131,072 characters")),
    "mixed time zones": (b"date,v\n2020-01-01T00:00+01:00,1\n2020-01-02T00:00+05:00,2\n2020-01-03T00:00Z,3\n",
                         ok("v", [1, 2, 3], time="date")),
    "year column with inf": (b"year,v\n2000,1\ninf,2\n2002,3\n", ok("v", [1, 2, 3])),
    "CR-only line ends": (b"a,b\r1,2\r3,4\r", ok("b", [2, 4])),
    "HTML and script column names": (b"<script>alert(1)</script>,<b>x</b>\n1,2\n3,4\n",
                                     ok("<b>x</b>", [2, 4], columns=["<script>alert(1)</script>", "<b>x</b>"])),
    "formula column names": (b"=1+1,=cmd|' /C calc'!A0,@SUM(A1)\n1,2,3\n4,5,6\n",
                             ok("=cmd|' /C calc'!A0", [2, 5], columns=["=1+1", "=cmd|' /C calc'!A0", "@SUM(A1)"])),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_gives_the_expected_outcome(name):
    data, expected = HOSTILE[name]
    if expected[0] == "error":
        with pytest.raises(InputError) as info:
            table = load_csv(data)
            for column in table.numeric_columns:
                table.series(column)
        assert expected[1] in one_line(info.value)
        return
    _, column, values, missing, time, columns, head = expected
    table = load_csv(data)
    if columns is not None:
        assert table.numeric_columns == columns
    assert table.time_column == time
    assert table.time is None or len(table.time) == len(table.frame)
    for mode in ("interpolate", "drop"):
        for c in table.numeric_columns:
            check_series(table.series(c, mode))
    s = table.series(column)
    check_series(s)
    assert s.name == column and s.missing == missing
    np.testing.assert_allclose(s.values[:len(values)] if head else s.values, values, rtol=1e-12)


def test_mixed_time_zones_become_a_plain_datetime_axis():
    t = load_csv(HOSTILE["mixed time zones"][0])
    assert np.issubdtype(t.time.dtype, np.datetime64) and t.season == 7


def test_trailing_separators_do_not_shift_the_columns():
    """Before: pandas used the first column as the index, so 'a' held b's values and 'b' was empty."""
    t = load_csv(b"a,b\n1,2,\n3,4,\n")
    np.testing.assert_array_equal(t.series("a").values, [1, 3])
    np.testing.assert_array_equal(t.series("b").values, [2, 4])


def test_column_names_with_markup_are_plain_text_and_quoted_with_repr():
    data = b'<script>alert(1)</script>,"<img src=x onerror=alert(1)>","multi\nline",v\nx,a,b,1\ny,c,d,2\n'
    t = load_csv(data)
    assert list(t.frame.columns) == ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "multi\nline", "v"]
    assert t.numeric_columns == ["v"]
    for name in t.frame.columns[:3]:
        with pytest.raises(InputError) as info:
            t.series(name)
        assert one_line(info.value).startswith(f"column {name!r} is not numeric; numeric columns: 'v'")
    with pytest.raises(InputError, match=r"column '<b>nope</b>' is not numeric"):
        t.series("<b>nope</b>")


def test_formula_column_names_load_and_are_escaped_on_export():
    data = (b"=HYPERLINK(\"http://x\"),+1+2,-3,@SUM(A1),plain,note\n"
            b"1,2,3,4,5,=cmd|' /C calc'!A0\n6,7,8,9,10,ok\n")
    t = load_csv(data)
    assert t.numeric_columns == ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "plain"]
    np.testing.assert_array_equal(t.series("@SUM(A1)").values, [4, 9])
    out = csv_bytes(t.frame).decode("utf-8")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["'=HYPERLINK(\"http://x\")", "'+1+2", "'-3", "'@SUM(A1)", "plain", "note"]
    assert rows[1][-1] == "'=cmd|' /C calc'!A0" and rows[2][-1] == "ok"
    assert rows[1][:5] == ["1", "2", "3", "4", "5"]  # numbers pass unchanged
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def test_day_first_and_mixed_dates_are_read():
    """13/01 says the column is day first, so 12/01 is the 12th of January (before: 1 December)."""
    t = load_csv(b"date,v\n12/01/2020,1\n13/01/2020,2\n14/01/2020 06:00,3\n2020-01-15,4\n")
    assert [str(d)[:13] for d in t.time] == ["2020-01-12T00", "2020-01-13T00", "2020-01-14T06", "2020-01-15T00"]


def test_work_stays_bounded_for_wide_files_and_fake_dates():
    """Before: 20,000 text columns took a minute; 300 dates followed by a million other values, over a minute."""
    with pytest.raises(InputError, match="line 1 has 200,000 fields; the limit is 1,000 columns"):
        load_csv(("a," * 199_999 + "b\n" + "1," * 199_999 + "2\n").encode())
    rows = "".join((f"2020-01-{k % 28 + 1:02d}" if k < 300 else f"x{k}") + f",{k}\n" for k in range(30_000))
    t = load_csv(("date,v\n" + rows).encode())  # stops at the first block of 10,000 that is not dates
    assert t.time_column is None and t.numeric_columns == ["v"]


def test_nothing_in_the_file_name_or_path_escapes_as_another_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="is not a file"):
        load_csv(tmp_path)  # a directory
    with pytest.raises(InputError) as info:
        load_csv("bad\x00name.csv")
    one_line(info.value)


# --- typed sequences ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,phrase", [
    ("", "no numbers found"),
    (" ,;, \n\t;;", "no numbers found"),
    ("1, 2, nan, 4", "item 3, 'nan', is not a finite number"),
    ("1 1e999 3", "item 2, '1e999', is not a finite number"),
    ("1 -inf", "item 2, '-inf', is not a finite number"),
    ("1, 2\x003, 4", r"item 2, '2\x003', is not a number"),
    ("1, " + "9" * 100_000, "is not a finite number"),
    ("1, " + "x" * 100_000, "item 2, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...', is not a number"),
    ("1, \u202e2, 3", r"item 2, '\u202e2', is not a number"),
    ("1, 2\u200b, 3", r"item 2, '2\u200b', is not a number"),  # a zero-width space: not a separator
    ("1, 2\u2028x", "item 3, 'x', is not a number"),  # a line separator: a separator
    ("😀 1 2", "item 1, '😀', is not a number"),
    ("<script>alert(1)</script>", "item 1, '<script>alert(1)</script>', is not a number"),
    ("5", "1 values are too few"),
])
def test_parse_text_junk_is_a_clear_error(text, phrase):
    with pytest.raises(InputError) as info:
        parse_text(text)
    assert phrase in one_line(info.value)


def test_parse_text_huge_finite_values_are_a_valid_series():
    s = parse_text("1e300, -1.7976931348623157e308, 5e-324")
    check_series(s)
    assert s.values[1] == -1.7976931348623157e308


# --- later steps with absurd magnitudes ---------------------------------------------------------

def test_fit_on_1e300_values_trains_or_says_why():
    rows = "".join(f"{k},{(1 + k % 5) * 1e300 if k % 4 == 0 else k}\n" for k in range(40))
    s = load_csv(("t,v\n" + rows).encode()).series()
    fitted = fit(s, ForecastConfig().replace(epochs=2, transform="none"))
    assert fitted.result.epochs_run >= 1 and fitted.result.stopped in ("done", "diverged")
    assert all(np.isfinite(fitted.result.losses))  # scaled to [-1, 1] first: the net never sees 1e300


def test_fit_on_values_near_the_float_limit():
    v = np.where(np.arange(40) % 2 == 0, 1.7e308, -1.7e308)
    fitted = fit(Series(v), ForecastConfig().replace(epochs=2, transform="none"))  # spread 3.4e308: no overflow
    assert fitted.result.stopped == "done" and fitted.transform.b == pytest.approx(1.7e308)
    for scale in ("minmax", "standard"):
        with pytest.raises(InputError) as info:  # differences overflow to inf: a clear error, not divergence
            fit(Series(v), ForecastConfig().replace(epochs=2, transform="diff", scale=scale))
        assert "too large for the 'diff' transform" in one_line(info.value)


# --- the CLI: exit 2 and one stderr line, or exit 0 and JSON ------------------------------------

def run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "lstmviz", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


CLI_ERRORS = ["empty", "binary junk with NULs", "xlsx renamed to .csv", "ragged: a row with more fields",
              "all-NaN column, nothing else"]


@pytest.mark.parametrize("name", CLI_ERRORS)
def test_cli_hostile_file_exits_2_with_one_line(name, tmp_path):
    data, (kind, phrase) = HOSTILE[name]
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    p = run("forecast", path, "--epochs", "2")
    assert p.returncode == 2, p.stderr
    assert p.stdout == "" and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase in lines[0]


def test_cli_latin1_file_with_inf_and_markup_names_forecasts(tmp_path):
    rows = "".join(f"{2000 + k};{'inf' if k == 5 else f'{10 + k % 7},{k % 10}'};x\n" for k in range(40))
    path = tmp_path / "upload.csv"
    path.write_bytes(("année;<b>température</b>;=note\n" + rows).encode("latin-1"))
    p = run("forecast", path, "--epochs", "2", "--horizon", "3")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["series"] == {"name": "<b>température</b>", "length": 40, "missing": 1}
    assert len(out["forecast"]) == 3 and len(out["test_predictions"]) == 12


# --- fuzzing -----------------------------------------------------------------------------------

def check_any_outcome(data: bytes) -> None:
    """The only allowed outcomes: InputError (one line) or a Table whose every numeric column gives a valid
    Series (or a one-line InputError) with both ways of handling missing values."""
    try:
        table = load_csv(data)
    except InputError as e:
        event("load_csv: " + " ".join(one_line(e).split()[:3]))
        return
    event("load_csv: a table")
    assert table.numeric_columns and all(c in table.frame.columns for c in table.numeric_columns)
    assert table.time is None or len(table.time) == len(table.frame)
    for column in table.numeric_columns:
        for mode in ("interpolate", "drop"):
            try:
                s = table.series(column, mode)
            except InputError as e:
                event("series: " + " ".join(one_line(e).split()[2:5]))
                continue
            check_series(s)
            event("series: valid")


# LSTMVIZ_FUZZ_EXAMPLES=5000 for a longer hunt; 300 keeps this file well under a minute
FUZZ = settings(max_examples=int(os.environ.get("LSTMVIZ_FUZZ_EXAMPLES", 300)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes(data):
    check_any_outcome(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes_after_a_csv_start(data):
    check_any_outcome(b"date,value\n2020-01-01,1\n" + data)


NUMBER = st.one_of(
    st.integers(-10**25, 10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1e6, 1e6).map(lambda x: f"{x:.3f}".replace(".", ",")),  # decimal comma
    st.sampled_from(["1e300", "-1e300", "1e999", "-1e-999", "1.7976931348623157e308", "0", "-0", "+5", ".5", "5."]),
)
DATE = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.sampled_from(["2020-01-01T00:00+01:00", "2020-01-02T00:00-05:00", "2020-13-45", "0000-00-00",
                     "9999-12-31", "1677-09-21", "2262-04-12", "Jan 2020", "now", "today"]),
)
FIELD = st.one_of(
    NUMBER, NUMBER, DATE,
    st.just(""), st.just(" "),
    st.sampled_from(["nan", "NaN", "NA", "null", "inf", "-inf", "Infinity", "n/a", "-", "?", "TRUE", "false"]),
    st.text(st.characters(categories=["L"]), min_size=1, max_size=8),  # words
    st.sampled_from(['"', '""', '"a,b"', '"1;2"', "'", '"x"y', 'a"b', '"\n"', "<script>alert(1)</script>",
                     "=1+1", "@SUM(A1)", "\x00", "\ufeff", "\r", "\u2028", "\x1f"]),
    st.text(max_size=6),  # any unicode
)


@st.composite
def near_csv(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    width = draw(st.integers(1, 5))
    n_rows = draw(st.integers(0, 15))
    ragged = draw(st.booleans()) and draw(st.booleans())  # a quarter of the files have ragged rows
    rows = []
    if draw(st.booleans()):
        rows.append([draw(st.one_of(st.text(st.characters(categories=["L"]), max_size=6), FIELD))
                     for _ in range(width)])
    for _ in range(n_rows):
        k = draw(st.integers(1, 6)) if ragged else width
        rows.append([draw(FIELD) for _ in range(k)])
    text = end.join(sep.join(row) for row in rows) + draw(st.sampled_from(["", end]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(near_csv())
def test_fuzz_near_csv_text(data):
    check_any_outcome(data)


@FUZZ
@given(st.lists(st.floats(allow_subnormal=False), min_size=1, max_size=40).filter(lambda v: np.isfinite(v).any()))
def test_fuzz_extreme_values_are_filled_within_their_neighbours(values):
    v = np.array(values)
    table = load_csv(("v\n" + "".join(f"{x!r}\n" for x in values)).encode())
    finite = np.isfinite(v)
    filled, dropped = table.series("v"), table.series("v", missing="drop")
    check_series(filled)
    check_series(dropped)
    assert filled.missing == dropped.missing == int((~finite).sum()) and len(filled) == len(v)
    np.testing.assert_array_equal(dropped.values, v[finite])
    np.testing.assert_array_equal(filled.values[finite], v[finite])
    assert np.all((filled.values >= v[finite].min()) & (filled.values <= v[finite].max()))


@FUZZ
@given(st.lists(st.one_of(FIELD, st.sampled_from(["1", "2.5", "-3e4"])), max_size=30),
       st.lists(st.sampled_from([",", ";", " ", "\t", "\n", ", ", ";;", "\x00", "\u3000"]), min_size=1))
def test_fuzz_parse_text(tokens, seps):
    text = "".join(t + seps[k % len(seps)] for k, t in enumerate(tokens))
    try:
        s = parse_text(text)
    except InputError as e:
        one_line(e)
        return
    check_series(s)
    assert len(s) >= 2
