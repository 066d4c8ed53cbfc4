"""Retrieval for the grounded (RAG) mode: BM25 over course passages.

* :func:`passages_from_markdown` splits a lesson body on its level-2 headings
  (``## 見出し {#section-id}``); each section becomes one :class:`Passage`.
* :class:`Retriever` ranks passages with Okapi BM25 (``k1 = 1.5``, ``b = 0.75``, the
  non-negative IDF ``log(1 + (N - df + 0.5) / (df + 0.5))``). Terms are Sudachi words
  (:func:`portal.llm.jtext.search_terms`: short units plus noun compounds, particles and
  punctuation dropped, NFKC + lower case). The passage title counts as part of its text.
* :func:`build_grounded_messages` turns a question and its hits into chat messages that number
  the sources [1], [2], … and ask the model to cite them.

The practice model cannot read sources: check :attr:`Capabilities.supports_grounding`
(``LLMService.capabilities()``) and show the hits instead of an answer when it is False.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portal.i18n import current_lang, t
from portal.llm import jtext

_H2 = re.compile(r"^##\s+(?P<title>.+?)(?:\s*\{#(?P<id>[^}\s]+)\})?\s*$")
_SLUG = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Passage:
    lesson_id: str
    section_id: str
    title: str  # "<lesson title> — <section heading>"
    text: str  # plain text of the section (Markdown markup removed)

    @property
    def ref(self) -> str:
        """``lesson_id#section_id``: a stable link target for the page."""
        return f"{self.lesson_id}#{self.section_id}"


def _fallback_id(heading: str, index: int) -> str:
    slug = _SLUG.sub("-", jtext.normalize(heading)).strip("-")
    return slug or f"section-{index}"


def passages_from_markdown(lesson_id: str, lesson_title: str, body: str) -> list[Passage]:
    """Split a lesson on ``## Heading {#section-id}`` headings (text before the first one
    becomes a passage with section id ``intro``). YAML front matter is ignored."""
    text = jtext.strip_front_matter(body.replace("\r\n", "\n"))
    sections: list[tuple[str, str, list[str]]] = []
    current: tuple[str, str, list[str]] = ("intro", "", [])
    in_fence = False
    index = 0
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _H2.match(line)
        if match:
            sections.append(current)
            index += 1
            heading = match.group("title").strip()
            current = (match.group("id") or _fallback_id(heading, index), heading, [])
        else:
            current[2].append(line)
    sections.append(current)
    passages: list[Passage] = []
    for section_id, heading, lines in sections:
        plain = "\n".join(jtext.markdown_to_paragraphs("\n".join(lines), include_tables=True))
        if not plain.strip():
            continue
        title = f"{lesson_title} — {heading}" if heading else lesson_title
        passages.append(Passage(lesson_id, section_id, title, plain))
    return passages


class Retriever:
    """Okapi BM25 over a fixed list of passages (build once, search many times)."""

    def __init__(self, passages: Iterable[Passage], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.passages: list[Passage] = list(passages)
        self.k1 = k1
        self.b = b
        self._tf: list[Counter[str]] = []
        self._len: list[int] = []
        df: Counter[str] = Counter()
        for passage in self.passages:
            terms = jtext.search_terms(f"{passage.title}\n{passage.text}")
            tf = Counter(terms)
            self._tf.append(tf)
            self._len.append(len(terms))
            df.update(tf.keys())
        n = len(self.passages)
        self._avg_len = (sum(self._len) / n) if n else 0.0
        self._idf = {term: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for term, d in df.items()}

    def score(self, query_terms: Sequence[str], index: int) -> float:
        tf = self._tf[index]
        norm = self.k1 * (1 - self.b + self.b * self._len[index] / (self._avg_len or 1.0))
        total = 0.0
        for term in query_terms:
            f = tf.get(term)
            if f:
                total += self._idf[term] * f * (self.k1 + 1) / (f + norm)
        return total

    def search(self, query: str, k: int = 3) -> list[tuple[Passage, float]]:
        """The ``k`` best passages with their BM25 scores (only those sharing a term)."""
        terms = list(dict.fromkeys(jtext.search_terms(query)))  # each query term once
        if not terms or not self.passages:
            return []
        scored = [(self.score(terms, i), i) for i in range(len(self.passages))]
        scored = [(s, i) for s, i in scored if s > 0]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(self.passages[i], s) for s, i in scored[: max(0, k)]]


def build_grounded_messages(
    question: str,
    hits: Sequence[tuple[Passage, float]] | Sequence[Passage],
    *,
    max_chars_per_passage: int = 1500,
    lang: str | None = None,
) -> list[dict[str, str]]:
    """Chat messages for a grounded answer: numbered sources in the system message, the
    learner's question as the user message (so the prompt-length limit applies to the
    question only). The model is asked to cite sources as [1], [2]."""
    lang = lang or current_lang()  # the answer comes in the learner's language
    lines = [t("llm.grounded.system_prompt", lang=lang), "", f"# {t('llm.grounded.sources_heading', lang=lang)}"]
    for number, hit in enumerate(hits, start=1):
        passage = hit[0] if isinstance(hit, tuple) else hit
        body = passage.text
        if len(body) > max_chars_per_passage:
            body = body[:max_chars_per_passage] + "…"
        lines.append(f"[{number}] {passage.title}\n{body}")
        lines.append("")
    return [
        {"role": "system", "content": "\n".join(lines).rstrip()},
        {"role": "user", "content": question},
    ]


def load_course_passages(content_dir: str) -> list[Passage]:
    """Passages of every lesson in ``content_dir`` (``id`` and ``title`` from front matter)."""
    from pathlib import Path

    import yaml

    passages: list[Passage] = []
    for path in sorted(Path(content_dir).glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        meta: dict = {}
        if raw.startswith("---"):
            parts = raw.split("\n---", 1)
            try:
                meta = yaml.safe_load(parts[0].lstrip("-\n")) or {}
            except yaml.YAMLError:
                meta = {}
        lesson_id = str(meta.get("id") or path.stem)
        title = str(meta.get("title") or lesson_id)
        passages.extend(passages_from_markdown(lesson_id, title, raw))
    return passages
