"""What the sandbox service takes and hands back: drafts, checked submissions, send streams and
their results, explorer fetches (plain data; built by :class:`portal.sandbox.service.Sandbox`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from portal.llm import ChatMessage, LLMError, Passage, StreamEvent, TextDelta
from portal.sandbox.review import RiskCheck

Status = Literal["ready", "needs_review", "blocked", "invalid"]


class SandboxRefused(Exception):
    """The sandbox service refused an action (message in Japanese, never containing the prompt)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Draft:
    """What the learner wants to send. ``repr`` never shows the texts."""

    prompt: str = field(repr=False)
    mode: str = "chat"  # chat | compare | grounded (explorer uses endpoint_candidates)
    system: str | None = field(default=None, repr=False)
    history: tuple[ChatMessage, ...] = field(default=(), repr=False)
    model: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    n: int = 1
    seed: int | None = None


@dataclass(frozen=True)
class Submission:
    """A prompt after the checks. Built only by :class:`Sandbox`; kept in the page's session."""

    status: Status
    draft: Draft = field(repr=False)
    check: RiskCheck | None = field(default=None, repr=False)
    action: str = "none"  # none | masked | edited | sent_anyway | blocked
    operator: str | None = None
    include_possible: bool = False
    acknowledged: bool = False
    edited: bool = False
    flagged: Mapping[str, int] = field(default_factory=dict)  # categories held back before acting
    message: str = ""
    error_kind: str | None = None
    event_id: int | None = None
    # the system prompt's check (clear) as made by submit: reused while text and policy are unchanged
    system_check: RiskCheck | None = field(default=None, repr=False, compare=False)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def text_to_send(self) -> str:
        """Preview of the user message that will be sent (masked after a mask)."""
        if self.check is None:
            return self.draft.prompt
        if self.action == "masked":
            return self.check.masked_text(self.operator, self.include_possible)
        return self.check.text


@dataclass(frozen=True)
class Source:
    number: int
    passage: Passage
    score: float


@dataclass(frozen=True)
class SendResult:
    outcome: str  # ok | incomplete | error | blocked | quota
    event_id: int | None
    provider: str
    model: str
    text: str = field(default="", repr=False)  # the answer (choice 0), partial when incomplete
    texts: tuple[str, ...] = field(default=(), repr=False)
    sent_text: str = field(default="", repr=False)  # the user message as sent (masked)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = None
    ttft_ms: float | None = None
    error: LLMError | None = None
    message: str = ""  # Japanese message for error / blocked / quota
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    passages_only: bool = False  # grounded mode on the practice model: passages instead of an answer
    action: str = "none"
    usage_estimated: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ExplorerFetch:
    """Top next tokens from the endpoint for the explorer (or why there are none)."""

    candidates: tuple[tuple[str, float], ...] = ()
    event_id: int | None = None
    error: LLMError | None = None
    message: str = ""
    blocked: bool = False


class SendStream:
    """One send in progress. Iterate :meth:`events` (or :meth:`text` for ``st.write_stream``);
    :attr:`result` is set when the stream ends, also when the reader stops early."""

    def __init__(
        self,
        runner: Callable[[SendStream], Iterator[StreamEvent]] | None = None,
        result: SendResult | None = None,
    ) -> None:
        self._runner = runner
        self.result: SendResult | None = result
        self._used = False

    @property
    def started(self) -> bool:
        """False when the send was refused before any request (``result`` is already set)."""
        return self._runner is not None

    def events(self) -> Iterator[StreamEvent]:
        if self._runner is None or self._used:
            return iter(())
        self._used = True
        return self._runner(self)

    __iter__ = events

    def text(self, choice: int = 0) -> Iterator[str]:
        for event in self.events():
            if isinstance(event, TextDelta) and event.choice == choice:
                yield event.text

    def drain(self) -> SendResult:
        for _ in self.events():
            pass
        assert self.result is not None
        return self.result
