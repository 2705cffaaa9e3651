"""Where a lesson file's parts sit, for its error messages: the line of each key (tomllib reports
lines only for syntax errors), one-line messages naming file, line and field, and the text's
placeholders, which may only be plain names with a format spec."""
from __future__ import annotations

import difflib
import re
import string

from ..errors import InputError

__all__ = ["Where", "Reader", "placeholders", "check_text", "syntax", "instead"]


class Where:
    """The line of each key in the source: tomllib reports lines only for syntax errors."""

    def __init__(self, source: str):
        self.lines = source.splitlines()
        self.keys: dict[tuple, int] = {}
        table: tuple = ()
        count: dict[str, int] = {}
        quoted = False  # inside a multi-line string: a line of text is never a key or a table
        for n, line in enumerate(self.lines, 1):
            s = line.strip()
            was, quoted = quoted, quoted ^ (line.count('"""') % 2 == 1) ^ (line.count("'''") % 2 == 1)
            if was:
                continue
            if m := re.match(r"^\[\[\s*([\w.-]+)\s*\]\]", s):
                name = m.group(1)
                count[name] = count.get(name, -1) + 1
                table = (name, count[name])
                self.keys.setdefault(table, n)
            elif m := re.match(r"^\[\s*([\w.-]+)\s*\]", s):
                table = tuple(m.group(1).split("."))
                self.keys.setdefault(table, n)
            elif m := re.match(r"^([\w.-]+|\"[^\"]*\")\s*=", s):
                key = tuple(k.strip('"') for k in m.group(1).split("."))
                self.keys.setdefault(table + key, n)

    def line(self, *path) -> int | None:
        while path:
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return None


class Reader:
    def __init__(self, name: str, source: str):
        self.name, self.where = name, Where(source)

    def fail(self, path: tuple, what: str):
        n = self.where.line(*path)
        at = f", line {n}" if n else ""
        raise InputError(f"{self.name}{at}: {field_name(path)}{what}")

    def table(self, doc: dict, path: tuple, allowed: tuple[str, ...]) -> dict:
        if not isinstance(doc, dict):
            self.fail(path, " must be a table")
        for key in doc:
            if key not in allowed:
                self.fail((*path, key), f" is not a lesson field; {instead(key, allowed, 'the fields here are')}")
        return doc

    def str(self, doc: dict, path: tuple) -> str | None:
        value = doc.get(path[-1])
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(path, " must be text in quotes")
        return value.strip()

    def int(self, doc: dict, path: tuple, lo: int = 0) -> int | None:
        value = doc.get(path[-1])
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            self.fail(path, f" must be a whole number, at least {lo}, not {value!r}")
        return value


def instead(value, options, what: str) -> str:
    """"did you mean X?" for a typo; else every option, so the fix is on the same line."""
    near = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.75)
    return f"did you mean {near[0]}?" if near else f"{what} {', '.join(map(str, options)) or 'none'}"


def field_name(path: tuple) -> str:
    """How an error names a field: title, [data] series, [[checks]] 2 threshold."""
    if not path:
        return ""
    if path[0] == "checks" and len(path) > 1:
        rest = " ".join(map(str, path[2:]))
        return f"[[checks]] {path[1] + 1}" + (f" {rest}" if rest else "")
    if len(path) == 1:
        return path[0] if path[0] not in ("data", "settings", "view") else f"[{path[0]}]"
    return f"[{path[0]}] {' '.join(map(str, path[1:]))}"


def placeholders(text: str) -> list[tuple[str, str]]:
    """The (name, format spec) of each placeholder in `text`; InputError for anything but a plain name
    with a format spec: attributes, indexing and conversions could reach into Python objects."""
    out = []
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as e:
        raise InputError(f"{e} (write {{{{ and }}}} for a literal brace)") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or conversion is not None or "{" in (spec or ""):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise InputError(f"{shown} is not allowed: a placeholder is a plain name with an optional format, "
                             "such as {rmse} or {rmse:.1f}")
        out.append((name, spec or ""))
    return out


def check_text(r: Reader, source: str, text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names `text` prints, each known and its format valid; else an error on the line it is on."""
    start = r.where.line("text") or 1
    used = []

    def fail(token: str, what: str):
        n = next((start + k for k, line in enumerate(r.where.lines[start - 1:]) if token in line), None)
        raise InputError(f"{r.name}{f', line {n}' if n else ''}: text: {what}")

    try:
        found = placeholders(text)
    except InputError as e:
        lines = r.where.lines[start - 1:]
        k = next((k for k, line in enumerate(lines) if _refused(line.replace('"""', ""))), None)
        raise InputError(f"{r.name}{f', line {start + k}' if k is not None else ''}: text: {e}") from None
    for name, spec in found:
        token = "{" + name
        if name not in names:
            fail(token, f"{{{name}}} is not a value this lesson measures; it can print "
                        f"{', '.join('{' + n + '}' for n in names) or 'none'}")
        if not any(_formats(x, spec) for x in (0.5, 1, "word")):  # a value is a float, an int (unit) or a word
            fail(token, f"{{{name}:{spec}}} has a format Python cannot use: try {{{name}:.2f}}")
        used.append(name)
    return tuple(dict.fromkeys(used))


def _formats(x, spec: str) -> bool:
    try:
        format(x, spec)
    except ValueError:
        return False
    return True


def _refused(line: str) -> bool:
    try:
        placeholders(line)
    except InputError:
        return True
    return False


def syntax(name: str, source: str, message: str) -> str:
    """tomllib's message ("Invalid value (at line 3, column 8)") as this module's: file, line, field."""
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if not m:
        return f"{name}: {message}"
    n, col = int(m.group(1)), int(m.group(2))
    lines = source.splitlines()
    key = re.match(r"^\s*([\w.-]+)\s*=", lines[n - 1]) if n <= len(lines) else None
    what = message[:m.start()] + message[m.end():]
    return (f"{name}, line {n}: {key.group(1) + ': ' if key else ''}{what[:1].lower() + what[1:]} at column {col} "
            "(is a quote, bracket or comma missing?)")
