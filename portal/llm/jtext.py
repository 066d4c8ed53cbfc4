"""Japanese text helpers: SudachiPy tokenization (sudachidict_small) and Markdown-to-text.

Sudachi ``Tokenizer`` objects are not shared between threads (Streamlit runs each session in
its own thread): each thread gets its own, built from one shared ``Dictionary``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from portal.sudachi import dictionary

# Sudachi refuses inputs above 49,149 bytes; a UTF-8 Japanese character takes 3 bytes.
_MAX_CHUNK_CHARS = 12000

_local = threading.local()


def _tokenizer(mode: str):
    cache = getattr(_local, "tokenizers", None)
    if cache is None:
        cache = _local.tokenizers = {}
    tok = cache.get(mode)
    if tok is None:
        tok = cache[mode] = dictionary().tokenizer(mode=mode, fields={"pos"})
    return tok


def _chunks(text: str) -> list[str]:
    if len(text) <= _MAX_CHUNK_CHARS:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + _MAX_CHUNK_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind("。", start, end), text.rfind("\n", start, end))
            if cut > start:
                end = cut + 1
        out.append(text[start:end])
        start = end
    return out


@dataclass(frozen=True)
class Morpheme:
    surface: str
    pos: str  # first part-of-speech level, e.g. 名詞, 助詞, 補助記号, 空白


def morphemes(text: str, mode: str = "C") -> list[Morpheme]:
    """Sudachi morphemes of ``text`` (split mode A, B or C). Concatenated surfaces == text."""
    if not text:
        return []
    tok = _tokenizer(mode)
    out: list[Morpheme] = []
    for chunk in _chunks(text):
        for m in tok.tokenize(chunk):
            out.append(Morpheme(m.surface(), m.part_of_speech()[0]))
    return out


_COMPOUND_POS = frozenset({"名詞", "接頭辞", "接尾辞"})
_HIRAGANA = re.compile(r"[\u3041-\u309f]+")


def merge_compounds(items: list[Morpheme]) -> list[Morpheme]:
    """Join runs of nouns, prefixes and suffixes into one word (富士+山 → 富士山).

    sudachidict_small has few compound entries, so even split mode C cuts 富士山, 生成AI or
    個人情報 into pieces; joined, they read as the words a learner expects to see.
    """
    out: list[Morpheme] = []
    run: list[Morpheme] = []

    def flush() -> None:
        if run:
            out.append(Morpheme("".join(m.surface for m in run), "名詞" if len(run) > 1 else run[0].pos))
            run.clear()

    for m in items:
        mergeable = (
            m.pos in _COMPOUND_POS
            and m.surface
            and m.surface.strip() == m.surface
            # formal nouns (こと, まま, ため, とき) stay separate words
            and not (m.pos == "名詞" and _HIRAGANA.fullmatch(m.surface))
        )
        if mergeable:
            if m.pos == "接頭辞" and run and run[-1].pos != "接頭辞":
                flush()
            run.append(m)
            if m.pos == "接尾辞" and len(run) == 1:
                flush()
        else:
            flush()
            out.append(m)
    flush()
    return out


def words(text: str) -> list[Morpheme]:
    """Language-model words: Sudachi mode C morphemes with noun compounds joined (lossless)."""
    return merge_compounds(morphemes(text, "C"))


def tokens(text: str) -> list[str]:
    """Word tokens for the language model: concatenating them gives ``text`` back."""
    return [m.surface for m in words(text)]


_FUNCTION_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def search_terms(text: str) -> list[str]:
    """Index/query terms for retrieval: content words, NFKC-normalised and lower-cased.

    Short units (mode A) are indexed together with long compounds (mode C), so that a query
    for 個人情報 matches 個人情報保護法 and the compound itself ranks a passage higher.
    Particles, auxiliaries, punctuation and whitespace are dropped.
    """
    text = normalize(text)
    terms: list[str] = []
    for mode in ("A", "C"):
        seen_here: list[str] = []
        for m in morphemes(text, mode):
            if m.pos in _FUNCTION_POS:
                continue
            surface = m.surface.strip()
            if not surface:
                continue
            seen_here.append(surface)
        if mode == "C":
            # add compounds that mode A split (avoid double-counting identical units)
            a_set = set(terms)
            terms.extend(s for s in seen_here if s not in a_set)
        else:
            terms.extend(seen_here)
    return terms


def content_nouns(text: str) -> list[str]:
    """Nouns (long units) of ``text`` in order of appearance, e.g. for choosing a topic word."""
    out = []
    for m in words(text):
        if m.pos == "名詞" and m.surface.strip() and not m.surface.isdigit():
            out.append(m.surface)
    return out


# --- Markdown to plain paragraphs ------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(\n|\Z)", re.DOTALL)
_HEADING_ID = re.compile(r"\s*\{#[^}]*\}\s*$")


def strip_front_matter(markdown: str) -> str:
    return _FRONT_MATTER.sub("", markdown, count=1)


@lru_cache(maxsize=1)
def _markdown_parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _inline_text(token) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type == "hardbreak":
            parts.append("\n")
        # softbreak: Japanese lines are joined without a space; html_inline is dropped
    return "".join(parts).strip()


def markdown_to_paragraphs(markdown: str, *, include_tables: bool = False) -> list[str]:
    """Plain-text paragraphs of a Markdown document (parsed with markdown-it-py).

    Each heading, paragraph and list item becomes one entry; front matter, code blocks and
    HTML are dropped, emphasis and links keep their text, heading ``{#id}`` anchors are removed.
    With ``include_tables`` each table row becomes one entry (cells joined by spaces).
    """
    text = strip_front_matter(markdown.replace("\r\n", "\n"))
    paragraphs: list[str] = []
    in_table = 0
    in_heading = False
    row: list[str] = []
    for token in _markdown_parser().parse(text):
        kind = token.type
        if kind == "table_open":
            in_table += 1
        elif kind == "table_close":
            in_table -= 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and include_tables:
            joined = " ".join(c for c in row if c)
            if joined:
                paragraphs.append(joined)
        elif kind == "heading_open":
            in_heading = True
        elif kind == "heading_close":
            in_heading = False
        elif kind == "inline":
            content = _inline_text(token)
            if in_table:
                row.append(content)
                continue
            if in_heading:
                content = _HEADING_ID.sub("", content)
            if content:
                paragraphs.append(content)
    return paragraphs


@lru_cache(maxsize=1)
def warm_up() -> None:
    """Load the dictionary now (about 50 ms) instead of on the first request."""
    tokens("準備")
