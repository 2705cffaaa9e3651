"""Reading what the page shows from an AppTest, where a helper draws it as HTML."""
import html
import re


def plain_texts(at) -> list[str]:
    """The text of each display.plain_text block on the page, as the user reads it."""
    # a browser drops the one newline that follows <pre>
    return [html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"(<pre[^>]*>)\n", r"\1", h.value)))
            for h in at.html if 'class="lstmviz-plain"' in h.value]
