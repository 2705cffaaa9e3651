"""The coloured text: escaped HTML, one span per character with its exact value, the diverging colours."""
import html
from html.parser import HTMLParser

import numpy as np
import pytest

from lstmviz.errors import InputError
from lstmviz.text.html import colored_text_html, value_colors


class _Spans(HTMLParser):
    def __init__(self):
        super().__init__()
        self.spans, self.marks, self._in = [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and "title" in a:
            self._in = [a["title"], a["style"], ""]
            self.spans.append(self._in)
        self.marks += tag == "mark"

    def handle_endtag(self, tag):
        self._in = None if tag == "span" else self._in

    def handle_data(self, data):
        if self._in is not None:
            self._in[2] += data


def test_colored_text_html_escapes_and_has_one_span_per_character():
    text = '<script>alert("x")</script> & a\nb'
    values = np.linspace(-1, 2, len(text)).astype(np.float32)
    out = colored_text_html(text, values, highlight_spans=[(1, 7), (30, 33)], show_newlines=False)
    assert "<script" not in out and "<b" not in out and '>&lt;</span>' in out and '>&amp;</span>' in out
    p = _Spans()
    p.feed(out)
    assert len(p.spans) == len(text) and "".join(s[2] for s in p.spans) == text
    assert p.marks == 2
    for t, (title, style, ch) in enumerate(p.spans):
        assert title.startswith(f"t={t} ") and np.float32(title.rsplit(": ", 1)[1]) == values[t]  # exact
    assert p.spans[0][1].startswith("background:#") and "white: 0" in out
    newline = colored_text_html("a\nb", [0.0, 1.0, -1.0])
    assert "↵</span>\n<span" in newline and html.unescape("t=1 newline: 1.0") in newline


def test_value_colors_diverge_around_zero():
    colors, pos = value_colors([-2.0, 0.0, 1.0, 2.0, float("nan")], -2.0, 2.0)
    assert colors[:4] == ["#053061", "#f7f7f7", "#e58268", "#67001f"] and colors[4] == "#bdbdbd"
    assert pos.tolist() == [-1.0, 0.0, 0.5, 1.0, 0.0]
    with pytest.raises(InputError, match="vmin < vmax"):
        colored_text_html("ab", [0.0, 1.0], vmin=1.0, vmax=1.0)
    with pytest.raises(InputError, match="one number per character"):
        colored_text_html("abc", [0.0, 1.0])
