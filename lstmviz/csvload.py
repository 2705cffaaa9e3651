"""CSV files -> a Table of numeric columns and a time column -> Series. Hardened against hostile files:
every problem is an InputError that names the row, column or limit."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .csvtable import Table, make_table
from .errors import InputError
from .series import MAX_BYTES, MAX_COLUMNS, MAX_ROWS

__all__ = ["Table", "load_csv"]


def load_csv(source, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> Table:
    """A CSV (path, bytes or binary file) -> Table. Detects delimiter, header, decimal comma, thousands
    separators, a writer's index column, the time column, a long format's id column and a totals row.

    Anything unusable raises InputError with a one-line message that says what is wrong and how to fix it.
    """
    data = _read_bytes(source, max_bytes)
    text = _decode(data)
    lines = [ln for ln in _LINE_BREAK.split(text[:65536]) if ln.strip()][:50]
    if not lines:
        raise InputError("the file is empty: it has no rows")
    sep = _sniff_separator(lines)
    decimal = "," if sep in (";", "\t", "|") and _has_decimal_commas(lines, sep) else "."
    header = _has_header([_split(ln, sep) for ln in lines], decimal)
    width = _check_rows(text, sep, header, max_rows)
    try:
        # no separator found: one column; \x1f (unit separator) never splits a real value.
        # index_col=False and usecols: a trailing separator on each row never shifts the columns.
        frame = pd.read_csv(io.StringIO(text), sep=sep or "\x1f", decimal=decimal, header=0 if header else None,
                            index_col=False, usecols=range(width), nrows=max_rows + 1, skip_blank_lines=True,
                            skipinitialspace=True, on_bad_lines="error", engine="c", low_memory=False)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty: it has no rows") from None
    except pd.errors.ParserError as e:
        raise InputError(_parser_message(e)) from None
    except (ValueError, OverflowError, MemoryError) as e:
        if "Usecols do not match" in str(e):  # pandas found fewer columns than the csv module did
            raise InputError(f"could not read the CSV: its rows do not line up in {width} columns; "
                             f"check the separator and the quotes") from None
        raise InputError(f"could not read the CSV: {_first_line(e)}") from None
    if len(frame) > max_rows:
        raise InputError(f"the file has more than {max_rows:,} rows; shorten it or raise the row limit")
    if len(frame) == 0:
        raise InputError("the file has a header but no data rows")
    if not header:
        frame.columns = [f"column {k + 1}" for k in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[:, ~pd.Index(frame.columns).duplicated()]
    table = make_table(frame, decimal)
    if not table.numeric_columns:
        raise InputError(_no_numbers_message(table.frame, table.time_column))
    return table


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends the CSV reader knows (str.splitlines knows more)


def _read_bytes(source, max_bytes: int) -> bytes:
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif isinstance(source, (str, Path)):
            path = Path(source)
            if not path.is_file():
                raise InputError(f"{str(path)!r} is not a file" if path.exists() else f"no such file: {str(path)!r}")
            if path.stat().st_size > max_bytes:
                raise InputError(f"the file is {path.stat().st_size / 1e6:.1f} MB; "
                                 f"the limit is {max_bytes / 1e6:.0f} MB")
            data = path.read_bytes()
        else:
            data = source.read(max_bytes + 1)
    except (OSError, ValueError) as e:  # permissions, a directory, a path with a NUL byte, ...
        reason = e.strerror if isinstance(e, OSError) and e.strerror else _first_line(e)
        raise InputError(f"could not read the file: {reason}") from None
    if not isinstance(data, (bytes, bytearray)):
        raise InputError(f"expected the bytes of a CSV file, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise InputError(f"the file is larger than the {max_bytes / 1e6:.0f} MB limit")
    if not data.strip():
        raise InputError("the file is empty")
    return bytes(data)


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        raise InputError("this looks like an Excel or zip file, not a CSV; save it as CSV first")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte order mark: Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("the file starts like UTF-16 text but is not; save it as UTF-8 CSV") from None
    if b"\x00" in data[:65536]:
        raise InputError("this is not a text file (it contains binary data); upload a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # the usual non-UTF-8 CSV: Excel on Windows
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise InputError("the file could not be decoded as text; save it as UTF-8 CSV")
    return text


def _check_rows(text: str, sep: str | None, header: bool, max_rows: int) -> int:
    """The number of fields per row; InputError naming the first row that does not fit.

    Empty fields after the last column are allowed (a trailing separator), so are blank lines.
    pandas alone would fill short rows with NaN and, when every data row has one field more than
    the header, silently use the first column as the index: the values would land in the wrong columns.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep or "\x1f", skipinitialspace=True,
                        strict=True)
    width, rows, start = None, 0, 1
    try:
        for row in reader:
            end, line = reader.line_num, start
            start = end + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            if width is None:
                width = len(row)
                if width > MAX_COLUMNS:
                    raise InputError(f"line {line} has {width:,} fields; the limit is {MAX_COLUMNS:,} columns: "
                                     f"keep only the columns you need (or check the separator)")
                continue
            while len(row) > width and not row[-1].strip():
                row.pop()
            if len(row) != width:
                raise InputError(_ragged_message(line, end, len(row), width, header))
            rows += 1
            if rows > max_rows:
                break  # pandas reads no further
    except csv.Error as e:
        raise InputError(_csv_error_message(e, start, reader.line_num)) from None
    if width is None:
        raise InputError("the file is empty: it has no rows")
    if header and rows == 0:
        raise InputError("the file has a header but no data rows")
    return width


def _csv_error_message(e: csv.Error, start: int, line: int) -> str:
    msg = str(e)
    if "unexpected end of data" in msg:
        return (f"the row on line {start} has a quote (\") that is never closed, so it runs to the end of the file; "
                f"close the quote or remove it")
    if "expected after" in msg:
        return (f"line {line} has text right after a closing quote (like \"a\"b); quote the whole field "
                f"(\"ab\") or remove the quotes")
    if "limit" in msg:
        return (f"line {line} has a field longer than {csv.field_size_limit():,} characters; "
                f"this does not look like a CSV of numbers")
    return f"line {line} cannot be read: {_first_line(e)}"


def _ragged_message(line: int, end: int, n: int, width: int, header: bool) -> str:
    first = "the header" if header else "the first row"
    fields = lambda k: f"{k} field{'s' if k != 1 else ''}"  # noqa: E731
    if end > line:  # one row over several lines: a quoted field with line breaks in it
        return (f"line {line}: a quoted field runs on to line {end}, so this row has {fields(n)} but {first} has "
                f"{width}; check the quotes (\") on these lines")
    return (f"line {line} has {fields(n)} but {first} has {width}; every row needs the same number of fields "
            f"(leave a field empty for a missing value)")


def _parser_message(e: Exception) -> str:
    msg = _first_line(e)
    if "EOF inside string" in msg:
        return "a quote (\") is never closed, so a field runs to the end of the file; close the quote or remove it"
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        return (f"line {m.group(2)} has {m.group(3)} fields but the header has {m.group(1)}; "
                f"every row needs the same number of fields")
    return f"could not read the CSV: {msg}"


def _first_line(e: Exception) -> str:
    lines = str(e).strip().splitlines()
    return (lines[0] if lines else type(e).__name__)[:200]


def _no_numbers_message(frame: pd.DataFrame, time_col: str | None) -> str:
    if time_col is not None and frame.shape[1] == 1:
        return (f"the only column, {time_col!r}, holds times; add a column of numbers to forecast "
                f"(or check the separator)")
    shown = lambda cols: ", ".join(repr(c) for c in cols[:5]) + (", ..." if len(cols) > 5 else "")  # noqa: E731
    empty = [c for c in frame.columns if frame[c].isna().all()]
    besides = f" besides the time column {time_col!r}" if time_col is not None else ""
    return (f"no column holds numbers (columns: {shown(list(frame.columns))}"
            + (f"; empty: {shown(empty)}" if empty else "")
            + f"); the file needs at least one column of numbers{besides} (check the separator and the decimal mark)")


def _sniff_separator(lines: list[str]) -> str | None:
    """The separator of the first line that most lines share. A line or two without it is a ragged row
    (reported by _check_rows), not a sign of a one-column file."""
    best, best_score = None, 0
    for sep in (",", ";", "\t", "|"):
        counts = [len(_split(ln, sep)) - 1 for ln in lines]
        if counts[0] == 0 or sum(c == 0 for c in counts) > max(1, len(counts) // 5):
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * (1 + min(counts[0], 50) / 100)
        if score > best_score:
            best, best_score = sep, score
    return best


def _split(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return [line]
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:  # a field beyond the csv module's size limit: not a separator we can use
        return [line]


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _is_number(field: str, decimal: str = ".") -> bool:
    f = field.strip()
    if decimal == ".":
        try:
            float(f)
            return True
        except ValueError:
            return False
    return bool(_NUMBER.match(f))


_DECIMAL_COMMA = re.compile(r"[+-]?\d{1,3}([.\s\u00a0\u202f]\d{3})+,\d+|[+-]?\d+,\d+")


def _has_decimal_commas(lines: list[str], sep: str) -> bool:
    fields = [f.strip() for ln in lines[1:] for f in _split(ln, sep)]
    return any(_DECIMAL_COMMA.fullmatch(f) for f in fields)


def _has_header(rows: list[list[str]], decimal: str) -> bool:
    """Whether the first row names the columns. Beyond a row with a word in it: pandas' and R's header
    over an index column (',0': its first field empty above filled ones), and pandas' default labels
    0, 1, ... over columns written as floats ('0' above 1.5, 2.25, ...)."""
    first, rest = [f.strip() for f in rows[0]], rows[1:]
    if not all(_is_number(f, decimal) for f in first if f):
        return True
    if not rest:
        return False
    if len(first) > 1 and not first[0] and all(r and r[0].strip() for r in rest):
        return True
    point = "." if decimal == "." else ","
    return first == [str(k) for k in range(len(first))] and all(
        len(r) == len(first) and all(point in f or "e" in f.lower() for f in r) for r in rest)
