"""The offline practice model (教育用ミニ言語モデル): a word n-gram language model.

Design
------
* **Tokens** are Sudachi long-unit words (split mode C, sudachidict_small); text is restored by
  concatenating surfaces, so Japanese output needs no detokenizer. Each training paragraph is
  padded with ``<s>`` (begin) and closed with ``</s>`` (end of text).
* **Smoothing**: interpolated absolute discounting with a Kneser–Ney continuation unigram at the
  lowest order (discount ``D = 0.3``). The textbook ``D = 0.75`` gives so much weight to
  shorter histories on a ~40k-character corpus that output stops being readable: at
  temperature 1, 9 % of generated word pairs were never seen in the lessons with ``D = 0.5``
  and 3 % with ``D = 0.3``::

      P(w | h) = max(c(h, w) - D, 0) / c(h)  +  D · N1+(h ·) / c(h) · P(w | h')

  where ``h'`` drops the oldest word of ``h``; an unseen history backs off completely to
  ``P(w | h')``. The lowest order is ``max(N1+(· w) - D, 0) / N1+(· ·)`` interpolated with a
  uniform distribution, so every word of the vocabulary keeps a non-zero probability and each
  distribution sums to 1 exactly (up to floating point).
* **Order** 4 by default: the next word depends on the last three words only. That is enough
  for readable phrases copied from the lessons, and small enough that learners can see the
  model confuse sentences that share three words (「…高い山は、」 → 富士山 / 北岳 / エベレスト).
* **Prompting**: only the end of the last user message matters (no instructions, no system
  prompt). If the prompt stops mid-sentence (ends in a particle, a comma, or a word sequence
  seen in training) the model continues it. If it is a finished sentence or a question, the
  answer starts with the rarest known noun of the prompt ("topic word") and continues from
  there (the first following word is conditioned on the topic word alone, not on a paragraph
  start), so 「マイナンバーとは何ですか？」 yields a sentence about マイナンバー.
* **Sampling** uses :mod:`portal.llm.sampling` (temperature, then top_p), a seedable
  ``numpy.random.Generator``, and stops at ``</s>`` (finish reason ``stop``) or after
  ``max_tokens`` (``length``). End of text is not allowed before ``MIN_WORDS`` words, so an
  answer is never empty.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from portal.llm import jtext
from portal.llm.demo_corpus import DEMO_PARAGRAPHS, DEMO_PARAGRAPHS_EN
from portal.llm.sampling import sample_index, transform

BOS = "<s>"
EOS = "</s>"
END_OF_TEXT = EOS
BOS_ID = 0
EOS_ID = 1
DEFAULT_ORDER = 4
DEFAULT_DISCOUNT = 0.3
MIN_WORDS = 2  # end of text is not allowed before this many words
DEFAULT_MAX_TOKENS = 120
MAX_TOKENS_LIMIT = 1024

_TERMINAL = ("。", "？", "?", "！", "!", "」", "』", ")", "）")
_SENTENCE_FINAL_PARTICLES = frozenset({"か", "よ", "ね", "な", "わ", "ぞ", "ぜ", "さ"})


class TokenProb(NamedTuple):
    """One row of the next-token explorer."""

    token: str
    prob_before: float  # model probability (temperature 1, no top_p)
    prob_after: float  # probability actually used for sampling (after temperature and top_p)


@dataclass(frozen=True)
class GeneratedToken:
    token: str
    logprob: float  # natural log of the model probability (before temperature/top_p)
    top: tuple[tuple[str, float], ...] = ()  # most probable alternatives with their logprobs


@dataclass(frozen=True)
class PromptPlan:
    """How the model will read a prompt."""

    context: tuple[int, ...]  # word ids the first token is conditioned on (BOS-padded)
    forced: tuple[int, ...]  # words emitted first, without sampling (the topic word)
    mode: str  # "continue" | "topic" | "start"
    topic_word: str | None = None
    prompt_tokens: int = 0


@dataclass
class _Row:
    ids: np.ndarray
    adjusted: np.ndarray  # (c(h, w) - D) / c(h)
    backoff: float  # D * N1+(h .) / c(h)


class PracticeModel:
    """An interpolated word n-gram model trained in memory on the course text."""

    name = "practice-mini"

    def __init__(self, order: int = DEFAULT_ORDER, discount: float = DEFAULT_DISCOUNT) -> None:
        if order < 2:
            raise ValueError("order must be >= 2")
        if not 0 < discount < 1:
            raise ValueError("discount must be between 0 and 1")
        self.order = order
        self.discount = discount
        self.vocab: list[str] = [BOS, EOS]
        self.index: dict[str, int] = {BOS: BOS_ID, EOS: EOS_ID}
        self._counts: list[dict[tuple[int, ...], dict[int, int]]] = [{} for _ in range(order + 1)]
        self._rows: list[dict[tuple[int, ...], _Row]] = [{} for _ in range(order + 1)]
        self._unigram: np.ndarray = np.zeros(2)
        self._word_counts: Counter[int] = Counter()
        self.token_count = 0
        self.paragraph_count = 0
        self.train_seconds = 0.0

    # ------------------------------------------------------------------ training
    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        *,
        order: int = DEFAULT_ORDER,
        discount: float = DEFAULT_DISCOUNT,
        include_demo: bool = True,
        lang: str = "ja",
    ) -> PracticeModel:
        """Train on Markdown or plain texts (lesson bodies); adds the demo corpus of ``lang``
        (Japanese, or English for the English edition) by default."""
        started = time.perf_counter()
        model = cls(order=order, discount=discount)
        paragraphs: list[str] = []
        for text in texts:
            paragraphs.extend(jtext.markdown_to_paragraphs(text))
        if include_demo:
            paragraphs.extend(DEMO_PARAGRAPHS_EN if lang == "en" else DEMO_PARAGRAPHS)
        model._fit(paragraphs)
        model.train_seconds = time.perf_counter() - started
        return model

    def _id(self, token: str) -> int:
        idx = self.index.get(token)
        if idx is None:
            idx = self.index[token] = len(self.vocab)
            self.vocab.append(token)
        return idx

    def _fit(self, paragraphs: list[str]) -> None:
        n_max = self.order
        pad = [BOS_ID] * (n_max - 1)
        counts = [defaultdict(dict) for _ in range(n_max + 1)]
        left_contexts: dict[int, set[int]] = defaultdict(set)
        for paragraph in paragraphs:
            words = _words(paragraph)
            if not words:
                continue
            self.paragraph_count += 1
            seq = pad + [self._id(w) for w in words] + [EOS_ID]
            self.token_count += len(words)
            for i in range(n_max - 1, len(seq)):
                w = seq[i]
                self._word_counts[w] += 1
                left_contexts[w].add(seq[i - 1])
                for n in range(2, n_max + 1):
                    ctx = tuple(seq[i - n + 1 : i])
                    row = counts[n][ctx]
                    row[w] = row.get(w, 0) + 1
        self._counts = [dict(c) for c in counts]
        self._rows = [{} for _ in range(n_max + 1)]
        # Kneser–Ney continuation unigram, interpolated with uniform over every word but BOS.
        size = len(self.vocab)
        cont = np.zeros(size)
        for w, lefts in left_contexts.items():
            cont[w] = len(lefts)
        total = cont.sum()
        uniform = np.full(size, 1.0 / (size - 1))
        uniform[BOS_ID] = 0.0
        if total > 0:
            d = self.discount
            types = float(np.count_nonzero(cont))
            uni = np.maximum(cont - d, 0.0) / total + (d * types / total) * uniform
        else:
            uni = uniform
        uni[BOS_ID] = 0.0
        self._unigram = uni / uni.sum()

    # ------------------------------------------------------------------ probabilities
    @property
    def vocab_size(self) -> int:
        """Words that can be generated (the vocabulary without ``<s>``)."""
        return len(self.vocab) - 1

    def _row(self, n: int, ctx: tuple[int, ...]) -> _Row | None:
        row = self._rows[n].get(ctx)
        if row is None:
            raw = self._counts[n].get(ctx)
            if raw is None:
                return None
            ids = np.fromiter(raw.keys(), dtype=np.int64, count=len(raw))
            c = np.fromiter(raw.values(), dtype=np.float64, count=len(raw))
            total = c.sum()
            row = _Row(ids=ids, adjusted=(c - self.discount) / total, backoff=self.discount * len(raw) / total)
            self._rows[n][ctx] = row
        return row

    def distribution(self, context: Iterable[int]) -> np.ndarray:
        """``P(· | context)`` over the whole vocabulary (index = word id; ``<s>`` is 0)."""
        ctx = list(context)
        if len(ctx) < self.order - 1:
            ctx = [BOS_ID] * (self.order - 1 - len(ctx)) + ctx
        p = self._unigram.copy()
        for n in range(2, self.order + 1):
            key = tuple(ctx[len(ctx) - (n - 1) :])
            if -1 in key:
                break  # an unknown word: no longer history can have been seen
            row = self._row(n, key)
            if row is None:
                break  # an unseen history backs off completely to the shorter one
            p *= row.backoff
            p[row.ids] += row.adjusted
        return p

    def encode(self, text: str) -> list[int]:
        """Word ids of ``text`` (``-1`` for words never seen in training)."""
        return [self.index.get(w, -1) for w in _words(text)]

    def continuation_context(self, text: str) -> tuple[int, ...]:
        ids = self.encode(text)
        pad = [BOS_ID] * (self.order - 1)
        return tuple((pad + ids)[-(self.order - 1) :])

    def token_text(self, token_id: int) -> str:
        return self.vocab[token_id]

    # ------------------------------------------------------------------ explorer helpers
    def next_token_distribution(
        self, context: str, temperature: float = 1.0, top_p: float = 1.0, k: int = 10
    ) -> list[TokenProb]:
        """The ``k`` most probable next words after ``context`` (e.g. 「日本で一番高い山は、」)."""
        p = self.distribution(self.continuation_context(context))
        q = transform(p, temperature, top_p)
        k = max(1, min(int(k), self.vocab_size))
        order = np.argsort(-p, kind="stable")[:k]
        return [TokenProb(self.vocab[i], float(p[i]), float(q[i])) for i in order]

    def sample_next_tokens(
        self,
        context: str,
        n: int = 20,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = None,
    ) -> list[tuple[str, int]]:
        """Draw the next word ``n`` times independently; ``(word, count)`` by count, descending."""
        rng = np.random.default_rng(seed)
        p = self.distribution(self.continuation_context(context))
        q = transform(p, temperature, top_p)
        draws = Counter(sample_index(q, rng) for _ in range(n))
        ranked = sorted(draws.items(), key=lambda item: (-item[1], -p[item[0]], item[0]))
        return [(self.vocab[i], c) for i, c in ranked]

    # ------------------------------------------------------------------ generation
    def plan(self, prompt: str) -> PromptPlan:
        """Decide how to read ``prompt``: continue it, or start from its topic word."""
        text = prompt.rstrip()
        pad = (BOS_ID,) * (self.order - 1)
        words = [w for w in _words(text) if w.strip()] if text else []
        if not words:
            return PromptPlan(context=pad, forced=(), mode="start", prompt_tokens=0)
        ids = [self.index.get(w, -1) for w in words]
        last = words[-1]
        ends_sentence = last.endswith(_TERMINAL) or last in _SENTENCE_FINAL_PARTICLES
        if not ends_sentence:
            morph = jtext.morphemes(text, "C")
            last_pos = morph[-1].pos if morph else ""
            tail = tuple(([BOS_ID] * self.order + ids)[-(self.order - 1) :])
            seen_tail = -1 not in tail and tail in self._counts[self.order]
            if last in ("、", ",", "，") or last_pos == "助詞" or seen_tail:
                context = tuple((list(pad) + ids)[-(self.order - 1) :])
                return PromptPlan(context=context, forced=(), mode="continue", prompt_tokens=len(words))
        topic = self._topic_word(text)
        if topic is None:
            return PromptPlan(context=pad, forced=(), mode="start", prompt_tokens=len(words))
        tid = self.index[topic]
        # -1 ("unknown") padding: the word after the topic is conditioned on the topic alone.
        return PromptPlan(
            context=(-1,) * (self.order - 1),
            forced=(tid,),
            mode="topic",
            topic_word=topic,
            prompt_tokens=len(words),
        )

    def _topic_word(self, text: str) -> str | None:
        best: tuple[float, int, str] | None = None
        for pos, noun in enumerate(jtext.content_nouns(text)):
            idx = self.index.get(noun)
            if idx is None:  # an English word is stored with its leading space (" mountain")
                noun = " " + noun
                idx = self.index.get(noun)
            if idx is None:
                continue
            count = self._word_counts.get(idx, 0)
            if count == 0:
                continue
            key = (-count, pos, noun)  # rarest first; on a tie the later noun
            if best is None or key > best:
                best = key
        return best[2] if best else None

    def generate(
        self,
        prompt: str,
        *,
        temperature: float = 1.0,
        top_p: float = 1.0,
        max_tokens: int | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        top_logprobs: int = 0,
    ) -> Iterator[GeneratedToken]:
        """Yield generated words one by one; stops at ``</s>`` or after ``max_tokens`` words."""
        limit = DEFAULT_MAX_TOKENS if max_tokens is None else max(1, min(int(max_tokens), MAX_TOKENS_LIMIT))
        rng = rng if rng is not None else np.random.default_rng(seed)
        plan = self.plan(prompt)
        history = list(plan.context)
        produced = 0
        for forced in plan.forced:
            if produced >= limit:
                return
            p = self.distribution(history)
            yield self._emit(forced, p, top_logprobs)
            history.append(forced)
            produced += 1
        while produced < limit:
            p = self.distribution(history)
            if produced < MIN_WORDS:
                p = p.copy()
                p[EOS_ID] = 0.0
                p /= p.sum()
            q = transform(p, temperature, top_p)
            choice = sample_index(q, rng)
            if choice == EOS_ID:
                return
            yield self._emit(choice, p, top_logprobs)
            history.append(choice)
            produced += 1

    def _emit(self, token_id: int, p: np.ndarray, top_logprobs: int) -> GeneratedToken:
        prob = float(p[token_id])
        logprob = math.log(prob) if prob > 0 else -math.inf
        top: tuple[tuple[str, float], ...] = ()
        if top_logprobs > 0:
            k = min(top_logprobs, len(p) - 1)
            candidates = np.argpartition(-p, k - 1)[:k] if k < len(p) else np.arange(len(p))
            candidates = sorted(candidates, key=lambda i: (-p[i], i))[:k]
            top = tuple((self.vocab[i], math.log(p[i]) if p[i] > 0 else -math.inf) for i in candidates)
        return GeneratedToken(self.vocab[token_id], logprob, top)

    def complete(self, prompt: str, **kwargs: object) -> str:
        """Generated text as one string (convenience for tests and scripts)."""
        return "".join(t.token for t in self.generate(prompt, **kwargs))  # type: ignore[arg-type]

    def count_tokens(self, text: str) -> int:
        return len([w for w in jtext.tokens(text) if w.strip()])


def _words(text: str) -> list[str]:
    """Tokens for the n-gram model: Sudachi's, with a run of spaces attached to the word after
    it (" Mount"), so that English text is one token per word, as GPT-style tokenizers do, and
    the model predicts words rather than the spaces between them. Japanese text has no spaces
    between words and is unchanged."""
    out: list[str] = []
    pending = ""
    for w in jtext.tokens(text):
        if not w:
            continue
        if w.isspace() and "\n" not in w:
            pending += w
            continue
        out.append(pending + w if pending else w)
        pending = ""
    if pending:
        out.append(pending)
    return out


def load_lesson_texts(content_dir: str | Path) -> list[str]:
    """Bodies of every ``*.md`` lesson under ``content_dir`` (front matter removed)."""
    root = Path(content_dir)
    if not root.is_dir():
        return []
    return [jtext.strip_front_matter(p.read_text(encoding="utf-8")) for p in sorted(root.glob("*.md"))]


_default_model: PracticeModel | None = None
_default_lock = threading.Lock()


def default_practice_model() -> PracticeModel:
    """A process-wide model trained on the demo corpus and ``content/ja/*.md`` if present.

    The lead's UI layer may instead train its own model on the loaded lessons and pass it to
    :class:`~portal.llm.service.LLMService`; this fallback keeps the package usable alone.
    """
    global _default_model
    with _default_lock:
        if _default_model is None:
            content = Path(__file__).resolve().parents[2] / "content" / "ja"
            _default_model = PracticeModel.train(load_lesson_texts(content))
    return _default_model
