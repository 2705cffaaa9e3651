"""How results go on screen: whether presenter mode is on, charts with projector-sized type, and the
picker of a page's result views."""
from __future__ import annotations

import html

import streamlit as st

from . import links

PRESENTER_FONT = 18  # px: the smallest type a projector shows across a classroom


def presenting() -> bool:
    return bool(st.session_state.get("present", False))


def chart(fig, key: str, container=None, scale_fonts: bool = True) -> None:
    """st.plotly_chart, with projector-sized type in presenter mode: axes, titles, panel titles and
    colour bars. `scale_fonts=False` for a figure that sizes its own type to its drawing."""
    if presenting() and scale_fonts:
        fig.update_layout(font=dict(size=PRESENTER_FONT), title_font=dict(size=PRESENTER_FONT + 4))
        for note in fig.layout.annotations:
            if note.font.size is not None and note.font.size < PRESENTER_FONT:
                note.font.size = PRESENTER_FONT
        for trace in fig.data:
            if "colorbar" in trace:
                trace.colorbar.title.font.size = PRESENTER_FONT
    (container or st).plotly_chart(fig, key=key)


def plain_text(text: str) -> None:
    """Text as it is, in a grey monospace block that wraps long lines. Not st.code: its syntax highlighter
    registers every Prism grammar when a browser tab first shows one, 0.4-0.6 s of script on these machines,
    for text that has nothing to highlight (a gallery text entry opened in 1.6-2.3 s, not 0.7)."""
    st.html('<pre class="lstmviz-plain" style="margin:0 0 0.5rem 0;padding:0.75rem 1rem;border-radius:0.5rem;'
            'background:#f0f2f6;color:#31333f;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:0.875em;'
            f'line-height:1.5;white-space:pre-wrap;overflow-wrap:anywhere">\n{html.escape(text)}</pre>')
    # (HTML drops one newline right after <pre>: this one, so a text that starts with a line break keeps it)


def pick_view(key: str, slugs: dict[str, str], link: dict, compare: bool = True) -> str:
    """The result views as one segmented control (st.tabs would compute every tab on every run, for
    every student), starting from the link's `view` if it names one; the choice goes into the link.
    compare=False leaves out the "compare" view (Compare cells: a gallery model has nothing to train it from)."""
    if not compare:
        slugs = {k: v for k, v in slugs.items() if k != "compare"}
    raw = links.consume("view")
    if raw is not None and links.parse("view", raw, str, list(slugs)) is not None:
        st.session_state[key] = slugs[raw]
    views = list(slugs.values())
    view = st.segmented_control("View", views, default=views[0], key=key, label_visibility="collapsed",
                                on_change=_keep_one, args=(key,)) or views[0]
    st.session_state[f"{key}__shown"] = view
    link["view"] = next(k for k, v in slugs.items() if v == view)
    return view


def _keep_one(key: str) -> None:
    """A second click on the view in view empties a segmented control; keep that view, not the first one."""
    if st.session_state.get(key) is None:
        st.session_state[key] = st.session_state.get(f"{key}__shown")
