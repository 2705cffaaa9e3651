"""Typed text, CSV parsing, built-in series, transforms and windows."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.data import Series, Transform, builtin, guess_season, load_csv, parse_text, windows
from lstmviz.errors import InputError


# --- typed ------------------------------------------------------------------------------------

def test_parse_text_accepts_every_separator_and_number_form():
    s = parse_text("1, 2;3\t4\n-5.5  +6e2,\r\n 7E-1")
    np.testing.assert_array_equal(s.values, [1, 2, 3, 4, -5.5, 600, 0.7])


def test_parse_text_names_the_bad_item():
    with pytest.raises(InputError, match=r"item 3, 'three', is not a number"):
        parse_text("1, 2, three, 4")


def test_parse_text_refuses_non_finite_and_too_few():
    with pytest.raises(InputError, match="item 2, 'inf', is not a finite"):
        parse_text("1 inf 3")
    with pytest.raises(InputError, match="2 values are too few: at least 15 are needed"):
        parse_text("1 2", min_length=15)
    with pytest.raises(InputError, match="no numbers"):
        parse_text("  ,;  ")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=2, max_size=40),
       st.sampled_from([",", ";", " ", "\t", "\n", ", "]))
def test_parse_text_roundtrips_any_finite_numbers(values, sep):
    s = parse_text(sep.join(repr(v) for v in values))
    np.testing.assert_array_equal(s.values, values)


# --- CSV -------------------------------------------------------------------------------------

def test_airline_csv_detects_monthly_time_and_season():
    t = load_csv("assets/airline_passengers.csv")
    assert t.time_column == "month" and t.numeric_columns == ["passengers"] and t.season == 12
    s = t.series()
    assert len(s) == 144 and s.values[0] == 112 and s.values[-1] == 432
    assert str(s.time[0])[:7] == "1949-01"


def test_semicolon_decimal_comma_bom_and_missing_values():
    text = "\ufeffdate;sales;price\n2020-01-01;1,5;10\n2020-01-02;;11\n2020-01-03;3,5;n/a\n2020-01-04;4,0;13\n"
    t = load_csv(text.encode("utf-8"))
    assert t.time_column == "date" and t.numeric_columns == ["sales", "price"]
    s = t.series("sales")
    np.testing.assert_allclose(s.values, [1.5, 2.5, 3.5, 4.0])  # interpolated
    assert s.missing == 1
    dropped = t.series("price", missing="drop")
    np.testing.assert_allclose(dropped.values, [10, 11, 13])
    assert dropped.missing == 1 and len(dropped.time) == 3
    assert t.season == 7  # daily


def test_tab_delimited_without_header():
    t = load_csv(b"1\t10\n2\t20\n3\t30\n4\t40\n")
    assert t.numeric_columns[-1] == "column 2"
    np.testing.assert_array_equal(t.series("column 2").values, [10, 20, 30, 40])


def test_single_column_without_header():
    t = load_csv(b"5\n6\n7\n")
    np.testing.assert_array_equal(t.series().values, [5, 6, 7])


@pytest.mark.parametrize("text,column,m", [
    ("year,value\n1990,1\n1991,2\n1992,3\n", "year", None),
    ("day,value\n20200101,1\n20200102,2\n20200103,3\n", "day", 7),
    ("quarter,value\n2020-01-01,1\n2020-04-01,2\n2020-07-01,3\n2020-10-01,4\n", "quarter", 4),
])
def test_time_columns_years_yyyymmdd_and_quarters(text, column, m):
    t = load_csv(text.encode())
    assert t.time_column == column and t.numeric_columns == ["value"] and t.season == m


def test_index_column_is_the_x_axis_not_the_default_value():
    t = load_csv(b"t,value\n0,5\n1,6\n2,\n3,8\n")
    assert t.time_column == "t" and t.numeric_columns == ["value"]
    assert t.series().missing == 1


def test_non_numeric_column_lists_the_numeric_ones():
    t = load_csv(b"name,a,b\nx,1,2\ny,3,4\n")
    with pytest.raises(InputError, match="column 'name' is not numeric; numeric columns: 'a', 'b'"):
        t.series("name")


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"a,b\n", "no data rows"),
    (b"PK\x03\x04junk", "Excel"),
    (b"\x00\x01\x02\x03", "not a text file"),
    (b"name\nx\ny\n", "no column holds numbers"),
])
def test_bad_files_get_clear_errors(data, message):
    with pytest.raises(InputError, match=message):
        load_csv(data)


def test_limits_on_rows_and_size():
    data = b"v\n" + b"1\n" * 50
    with pytest.raises(InputError, match="more than 10 rows"):
        load_csv(data, max_rows=10)
    with pytest.raises(InputError, match="larger than"):
        load_csv(data, max_bytes=20)


def test_latin1_text_is_read():
    t = load_csv("caf\xe9,valeur\nx,1\ny,2\n".encode("latin-1"))
    assert t.numeric_columns == ["valeur"]


def test_all_missing_column_is_refused():
    t = load_csv(b"a,b\n1,\n2,\n3,x\n")
    with pytest.raises(InputError, match="'b' is not numeric"):
        t.series("b")


# --- built-ins ---------------------------------------------------------------------------------

def test_builtins_are_deterministic_and_shaped():
    a, b = builtin("sine", length=100, period=20, noise=0.1, seed=3), builtin("sine", length=100, period=20,
                                                                                noise=0.1, seed=3)
    np.testing.assert_array_equal(a.values, b.values)
    assert len(a) == 100 and a.season == 20
    clean = builtin("sine", length=100, period=20)
    np.testing.assert_allclose(clean.values[[0, 5]], [0, 1], atol=1e-12)
    ts = builtin("trend_season", length=120)
    assert len(ts) == 120 and ts.season == 12
    assert ts.values[-12:].mean() > ts.values[:12].mean() + 4  # the trend is there
    with pytest.raises(InputError, match="no built-in series 'x'"):
        builtin("x")


def test_series_key_depends_on_content():
    assert Series(np.arange(3.0)).key == Series(np.arange(3.0)).key
    assert Series(np.arange(3.0)).key != Series(np.arange(3.0) + 1).key


def test_guess_season_none_without_time():
    assert guess_season(None) is None


# --- transforms --------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.5, 1000), min_size=30, max_size=60),
       st.sampled_from(["none", "log", "diff", "seasonal_diff", "log_diff"]),
       st.sampled_from(["minmax", "standard"]), st.integers(2, 6))
def test_transform_roundtrip_is_exact(values, kind, scale, period):
    y = np.array(values)
    tf = Transform.fit(y[:20], kind, scale, period)
    s = tf.encode(y)
    assert np.isnan(s[:tf.lag]).all() and np.isfinite(s[tf.lag:]).all()
    np.testing.assert_allclose(tf.decode(s, y), y, rtol=1e-10)


def test_minmax_fits_training_part_only_to_minus_one_one():
    y = np.array([1.0, 2, 3, 4, 5, 100])
    tf = Transform.fit(y[:5], "none", "minmax")
    s = tf.encode(y)
    np.testing.assert_allclose(s[:5], [-1, -0.5, 0, 0.5, 1])
    assert s[5] > 1  # the test value is not squeezed in: nothing leaked from it


def test_log_refuses_non_positive_values():
    with pytest.raises(InputError, match="above 0"):
        Transform.fit(np.array([1.0, 0.0, 2.0]), "log")


def test_windows_align_inputs_and_targets():
    s = np.arange(10.0)
    X, y = windows(s, 3, np.array([3, 9]))
    np.testing.assert_array_equal(X, [[0, 1, 2], [6, 7, 8]])
    np.testing.assert_array_equal(y, [3, 9])
