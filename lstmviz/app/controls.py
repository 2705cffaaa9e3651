"""One declarative control table per page: each row is a control's link name, session key, label,
range or options, and help. The widget, the link reader (check, clamp, notice) and the link writer all
read the row, and a row tied to a config field takes its range from the field's own declaration
(lstmviz/config.py), so a range is written once.

    TABLE = Table(TaskConfig,
        Control("hidden", "task:hidden", "Hidden units", field="hidden_size"),
        Control("lr", "task:lr", "Learning rate", field="lr", kind=float, options=LRS, widget="select_slider", snap=True),
    )
    hidden = TABLE.draw("hidden", base.model.hidden_size, hi=limits().hidden_size)   # narrowed for this server
    link.update(TABLE.params(config))                                                 # the link writer

Adding a control to a page is one row here plus its use.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from . import links

__all__ = ["Control", "Table"]

WIDGETS = ("slider", "select_slider", "selectbox", "radio", "number", "segmented", "toggle")


@dataclass(frozen=True)
class Control:
    """One control: its link parameter, session-state key, label and range (or options)."""

    link: str  # the link parameter, e.g. "hidden"
    key: str  # the widget's session-state key
    label: str
    field: str | None = None  # the config field it sets; its range then comes from the config
    kind: type = int  # int | float | str | bool
    lo: float | None = None
    hi: float | None = None
    options: tuple | None = None
    step: float | None = None  # a slider's step (a link value is rounded to lo + k * step); a number box's +/- step
    snap: bool = False  # a link value that is not an option takes the nearest option
    help: str | None = None
    widget: str = "slider"
    format: Callable | None = None  # how an option is shown
    fallback: object = None  # the option a default that is not offered becomes (None: the nearest option)

    def __post_init__(self):
        if self.widget not in WIDGETS:
            raise ValueError(f"unknown widget {self.widget!r}")

    def narrowed(self, lo=None, hi=None, options=None, prefix: str = "") -> "Control":
        """This control within this run's range (a server limit, the data's length); `prefix` goes before
        its key (a page that keeps a value per data set, like the forecast page's per-series settings)."""
        changes = {k: v for k, v in (("lo", lo), ("hi", hi), ("options", options)) if v is not None}
        if "options" in changes:
            changes["options"] = tuple(changes["options"])
        if prefix:
            changes["key"] = prefix + self.key
        return dataclasses.replace(self, **changes)

    def from_link(self) -> None:
        """The link's value for this control, checked against its range, into its session key (once)."""
        if self.kind is bool:
            value = links.flag(links.consume(self.link), self.link)
            if value is not None:
                st.session_state[self.key] = value
            return
        options = list(self.options) if self.options is not None else None
        # a number box takes any value in its range: only a slider's link value is rounded to its step
        links.to_widget(self.link, self.key, lo=self.lo, hi=self.hi, options=options, kind=self.kind, snap=self.snap,
                   step=self.step if self.widget == "slider" else None)

    def draw(self, default, container=None):
        """Take the link's value, then draw the widget (starting at `default`, kept within the range)."""
        self.from_link()
        where = container or st
        kw = {"key": self.key, "help": self.help}
        if self.options is not None:
            options = list(self.options)
            if st.session_state.get(self.key) not in options:
                st.session_state[self.key] = (default if default in options else self.fallback
                                              if self.fallback is not None else _nearest(options, default))
            if self.format is not None:
                kw["format_func"] = self.format
            if self.widget == "select_slider":
                return where.select_slider(self.label, options, **kw)
            if self.widget == "radio":
                return where.radio(self.label, options, horizontal=True, **kw)
            if self.widget == "segmented":
                return where.segmented_control(self.label, options, **kw) or st.session_state[self.key]
            return where.selectbox(self.label, options, **kw)
        if self.kind is bool:
            st.session_state.setdefault(self.key, bool(default))
            return where.toggle(self.label, **kw)
        lo, hi = self.kind(self.lo), self.kind(self.hi)
        if hi <= lo:
            where.caption(f"{self.label}: {lo:g} (the data is too short to offer more)")
            return lo
        # a widget whose range changes is a new widget to Streamlit, which would fall back to its
        # default: carry the user's value over, clamped to the new range
        st.session_state[self.key] = self.kind(min(max(st.session_state.get(self.key, default), lo), hi))
        if self.widget == "number":
            return where.number_input(self.label, lo, hi, step=self.kind(self.step) if self.step else None, **kw)
        return where.slider(self.label, lo, hi, step=self.kind(self.step) if self.step else None, **kw)

    def param(self, value) -> str:
        """A value as this control's link parameter."""
        if isinstance(value, bool):
            return "1" if value else "0"
        return f"{value:g}" if isinstance(value, float) else str(value)


def _nearest(options: list, value):
    try:
        return min(options, key=lambda o: abs(o - value))
    except TypeError:
        return options[0]


class Table:
    """A page's controls by link name. Rows tied to a config field get that field's range or choices,
    unless the row narrows them itself."""

    def __init__(self, config_cls, *rows: Control):
        self.config_cls = config_cls
        self.rows: dict[str, Control] = {}
        for row in rows:
            if row.link in self.rows:
                raise ValueError(f"two rows for link {row.link!r}")
            if row.field is not None:
                b = config_cls.bounds(row.field)
                fill = {}
                if row.options is None and b["choices"] is not None:
                    fill["options"] = tuple(b["choices"])
                if row.lo is None and b["lo"] is not None:
                    fill["lo"] = b["lo"]
                if row.hi is None and b["hi"] is not None:
                    fill["hi"] = b["hi"]
                row = dataclasses.replace(row, **fill)
            self.rows[row.link] = row

    def __getitem__(self, link: str) -> Control:
        return self.rows[link]

    @property
    def links(self) -> set[str]:
        return set(self.rows)

    def by_field(self, field: str) -> Control:
        """The row that sets config field `field` (KeyError if none does)."""
        for row in self.rows.values():
            if row.field == field:
                return row
        raise KeyError(field)

    def draw(self, link: str, default, container=None, *, lo=None, hi=None, options=None, prefix: str = ""):
        """Draw row `link` (narrowed to this run's lo/hi/options, its key after `prefix`) and return its value."""
        return self.rows[link].narrowed(lo, hi, options, prefix).draw(default, container)

    def from_link(self, link: str, *, lo=None, hi=None, options=None, prefix: str = "") -> None:
        self.rows[link].narrowed(lo, hi, options, prefix).from_link()

    def params(self, config, only: set[str] | None = None) -> dict[str, str]:
        """The config's fields as link parameters, for every row tied to a field (or those in `only`)."""
        flat = config.flat()
        return {row.link: row.param(flat[row.field]) for row in self.rows.values()
                if row.field is not None and (only is None or row.link in only) and flat.get(row.field) is not None}

    def changes(self, values: dict[str, object]) -> dict[str, object]:
        """{link name: widget value} -> {config field: value}, for config.replace(**changes)."""
        return {self.rows[k].field: v for k, v in values.items() if self.rows[k].field is not None}
