"""Safe Markdown for user text: escaping and the risk checklist's highlighting.

Pages render with ``st.markdown`` and never with ``unsafe_allow_html``. User text is escaped so
nothing in it is read as Markdown, a Streamlit colour directive (``:red[...]``), an emoji or
icon short code, math, an autolink or a heading; each finding is then wrapped in a coloured
background directive with its number (①, ②, …) after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Every ASCII punctuation character may be backslash-escaped in CommonMark.
_ESCAPED = set("\\`*_{}[]()#+-.!|<>~$^=&\"'%/;?,")
_WORD_JOINER = "\u2060"  # invisible; stops ":smile:" and ":material/x:" from becoming icons
_NBSP = "\u00a0"
_WWW = re.compile(r"www(?=\.)", re.IGNORECASE)

COLORS = {"block": "red", "warn": "orange", "info": "blue", "possible": "gray"}


def number_mark(n: int) -> str:
    """①…⑳, then (21), (22)…"""
    if 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    return f"({n})"


def _escape_inline(text: str) -> str:
    out: list[str] = []
    text = _WWW.sub(lambda m: m.group(0) + _WORD_JOINER, text)  # no "www." autolink either
    for ch in text:
        if ch in _ESCAPED:
            out.append("\\" + ch)
        elif ch in ":@":  # no directive / short code after ':', no e-mail autolink around '@'
            out.append(ch + _WORD_JOINER)
        elif ch == "\t":
            out.append(_NBSP * 4)
        elif ch == "\r":
            continue
        else:
            out.append(ch)
    return "".join(out)


def escape_markdown(text: str) -> str:
    """Plain text shown as-is by ``st.markdown``: punctuation escaped, line breaks kept,
    leading spaces kept (no accidental code blocks)."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.lstrip(" ")
        lines.append(_NBSP * (len(line) - len(stripped)) + _escape_inline(stripped))
    return "  \n".join(lines)


def highlight_markdown(text: str, spans: Sequence[tuple[int, int, str]] | Iterable[tuple[int, int, str]]) -> str:
    """``text`` escaped, each ``(start, end, level)`` span wrapped in a coloured background and
    followed by its number (in the order given). Overlapping spans are merged into the first."""
    ordered = sorted(((s, e, level, i) for i, (s, e, level) in enumerate(spans, start=1)), key=lambda x: (x[0], -x[1]))
    pieces: list[str] = []
    pos = 0
    for start, end, level, number in ordered:
        if start < pos:  # overlaps the previous span: already highlighted
            continue
        pieces.append(escape_markdown(text[pos:start]))
        # a span never breaks the line inside the directive
        inner = _escape_inline(text[start:end].replace("\r", "").replace("\n", " ")) or _NBSP
        color = COLORS.get(level, "orange")
        pieces.append(f":{color}-background[{inner}]:{color}[**{number_mark(number)}**]")
        pos = end
    pieces.append(escape_markdown(text[pos:]))
    return "".join(pieces)
