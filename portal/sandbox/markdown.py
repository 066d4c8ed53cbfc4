"""Safe Markdown for user text: escaping and the risk checklist's highlighting.

Pages render with ``st.markdown`` and never with ``unsafe_allow_html``. User text is escaped so
nothing in it is read as Markdown, a Streamlit colour directive (``:red[...]``), an emoji or
icon short code, math, an autolink or a heading; each finding is then wrapped in a coloured
background directive with its number, category and judgement after it (「①メールアドレス・要確認」).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from portal.i18n import t

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


def highlight_markdown(text: str, spans: Iterable[tuple[int, int, str] | tuple[int, int, str, str]]) -> str:
    """``text`` escaped, each ``(start, end, level[, label])`` span wrapped in a coloured
    background and followed by its number (in the order given) and its ``label`` (the category
    and the judgement: the colour is never the only carrier of what was found). Overlapping spans
    are merged into the first."""
    ordered = sorted(((span[0], span[1], span[2], span[3] if len(span) > 3 else "", i)
                      for i, span in enumerate(spans, start=1)), key=lambda x: (x[0], -x[1]))
    pieces: list[str] = []
    pos = 0
    for start, end, level, label, number in ordered:
        if start < pos:  # overlaps the previous span: already highlighted
            continue
        pieces.append(escape_markdown(text[pos:start]))
        # a span never breaks the line inside the directive
        inner = _escape_inline(text[start:end].replace("\r", "").replace("\n", " ")) or _NBSP
        color = COLORS.get(level, "orange")
        marker = number_mark(number) + (_escape_inline(label) if label else "")
        pieces.append(f":{color}-background[{inner}]:{color}[**{marker}**]")
        pos = end
    pieces.append(escape_markdown(text[pos:]))
    return "".join(pieces)


# ---------------------------------------------------------------- a model's answer (untrusted)

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_TARGET = r"\(\s*(<[^>\n]*>|[^)\s]*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
_IMAGE = re.compile(r"!\[([^\]\n]*)\]" + _TARGET)
_IMAGE_REF = re.compile(r"!\[([^\]\n]*)\]\[([^\]\n]*)\]")
_LINK = re.compile(r"\[([^\]\n]*)\]" + _TARGET)
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*\S")
_TAG = re.compile(r"(?<!\\)<(?=[A-Za-z/!?])")  # raw HTML (and autolinks): shown as text
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _target(raw: str) -> str:
    return raw[1:-1].strip() if raw.startswith("<") and raw.endswith(">") else raw


def _answer_inline(text: str, image_note) -> str:
    def image(match: re.Match[str]) -> str:
        return _escape_inline(image_note(match.group(1), _target(match.group(2))))

    def image_ref(match: re.Match[str]) -> str:
        return _escape_inline(image_note(match.group(1), match.group(2) or match.group(1)))

    def link(match: re.Match[str]) -> str:
        url = _target(match.group(2))
        if url.lower().startswith(SAFE_SCHEMES):
            return match.group(0)
        return _escape_inline(f"{match.group(1)} ({url})" if url else match.group(1))

    text = _IMAGE.sub(image, text)
    text = _IMAGE_REF.sub(image_ref, text)
    text = _LINK.sub(link, text)
    return _TAG.sub(r"\\<", text)


def _image_note(alt: str, url: str) -> str:
    return t("sandbox.answer.image", alt=alt or "-", url=url)


def answer_markdown(text: str, image_note=_image_note) -> str:
    """A model's answer, safe for ``st.markdown``: its Markdown (lists, bold, tables, code) is
    kept, but nothing in it makes the browser fetch anything or run anything. An image (inline
    or by reference) becomes the text ``image_note(alt, url)``, so no request leaves the
    browser for it; a link whose target is not http(s) or mailto (``javascript:``, ``data:``,
    relative) becomes its text and target as plain text; a reference definition line is shown
    as text; raw HTML and autolinks show as text. Code spans and fenced blocks are left alone
    (Markdown shows their content as code anyway)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        opened = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        if _REF_DEF.match(line):
            out.append(_escape_inline(line.strip()))
            continue
        parts = re.split(r"(`+[^`\n]*`+)", line)  # code spans stay as they are
        out.append("".join(part if i % 2 else _answer_inline(part, image_note) for i, part in enumerate(parts)))
    return "\n".join(out)
