"""User text inside Markdown: escaped so that a Markdown renderer (Streamlit's) shows it literally.

A cell, file or arm name from a stranger's file can carry Markdown: ``![x](http://host/b.png)`` makes
every viewer's browser fetch the URL, ``[pay here](http://...)`` becomes a link, ``:red[...]`` colours,
``:material/icon:`` and ``:smile:`` become icons, ``$x$`` LaTeX, ``<img ...>`` HTML. Pure string code,
so that the rule is tested without Streamlit.
"""

from __future__ import annotations

import re

# Characters CommonMark lets one escape with a backslash and that start a construct in Streamlit's
# Markdown: emphasis, code, links and images, HTML and autolinks, headings, tables, strikethrough,
# LaTeX. ( ) ! . + - = : @ & are left alone where they do nothing (most places: "Winner: B" stays
# as typed, so messages read the same in tests and logs); where they do, see below.
MARKDOWN_SPECIALS = frozenset("\\`*_[]<>#|~$")

# A line that starts with one of these is a list item, block quote, heading or setext underline.
_LINE_START = re.compile(r"^([ \t]*)([-+=]|\d+(?=[.)]))", re.MULTILINE)

# A character reference (&lt; &#91;) would show as the character it names: escape its &.
_ENTITY = re.compile(r"&(?=#?\w+;)")

# Some constructs are found in the text after the backslash escapes are resolved, so a backslash
# cannot stop them; a WORD JOINER (U+2060, zero width, invisible) inside the pattern does:
# - GitHub-flavoured autolinks: bare URLs (http://, https://, www.) and e-mail addresses (@);
# - emoji shortcodes (:smile:), and with them Streamlit's directives :red[..], :material/icon:
#   and :streamlit: (a colon followed by a name).
WORD_JOINER = "\u2060"
_JOIN_AT = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)|(?<=:)(?=[\w+-])", re.IGNORECASE)


def as_markdown_text(text: str) -> str:
    """``text`` as Markdown that renders as exactly ``text``: nothing becomes a link, image, HTML,
    emphasis, icon, emoji, colour, formula or block."""
    escaped = "".join("\\" + c if c in MARKDOWN_SPECIALS else c for c in text)
    escaped = _ENTITY.sub(r"\\&", escaped)
    escaped = _LINE_START.sub(_escape_line_start, escaped)
    return _JOIN_AT.sub(WORD_JOINER, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker.isdigit():  # "1." or "1)" would start an ordered list: escape the dot or bracket
        return indent + marker + "\\"
    return indent + "\\" + marker


def strip_markdown_escapes(markdown: str) -> str:
    """The text a reader sees for Markdown made by ``as_markdown_text`` (for tests and checks)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(WORD_JOINER, ""), flags=re.DOTALL)
