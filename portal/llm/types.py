"""Request and stream-event types of the LLM service (no Streamlit, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portal.llm.errors import LLMError

Role = Literal["system", "user", "assistant"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class ChatRequest(BaseModel):
    """One chat turn to send: system prompt, history and the new user message.

    ``None`` for a sampling parameter means "don't send it" (the server's default applies).
    """

    model_config = ConfigDict(frozen=True)

    messages: list[ChatMessage]
    model: str | None = None  # None: the endpoint's default model
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1, le=16384)
    n: int = Field(default=1, ge=1, le=8)
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int | None = Field(default=None, ge=0, le=20)

    @classmethod
    def simple(cls, prompt: str, *, system: str | None = None, **params: object) -> ChatRequest:
        """A request with an optional system prompt and one user message."""
        messages = [ChatMessage(role="system", content=system)] if system else []
        messages.append(ChatMessage(role="user", content=prompt))
        return cls(messages=messages, **params)  # type: ignore[arg-type]

    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token with its log probability and the top alternatives."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, in arrival order. ``choice`` is the index when ``n > 1``."""

    text: str
    choice: int = 0
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True)
class StreamDone:
    """The last event of every stream, successful or not.

    ``complete`` is True only when every choice ended with a finish reason and no error
    occurred. On a fault, ``text`` keeps whatever part of the answer had arrived.
    """

    complete: bool
    model: str
    text: str
    texts: tuple[str, ...]
    finish_reason: str | None
    usage: Usage | None
    latency_s: float
    ttft_s: float | None  # time to first token; None when no text arrived
    error: LLMError | None = None
    attempts: int = 1  # HTTP requests made, including retries (0 when refused before sending)
    dropped_params: tuple[str, ...] = ()  # not sent because the model rejects them
    logprobs: tuple[TokenLogprob, ...] = ()  # of choice 0, when requested
    notes: tuple[str, ...] = field(default=())  # extra Japanese notes for the learner


StreamEvent = TextDelta | StreamDone


@dataclass(frozen=True)
class Capabilities:
    """What a model accepts; the page disables the matching controls with a note."""

    supports_temperature: bool = True
    supports_top_p: bool = True
    supports_logprobs: bool = True
    reasoning: bool = False
    # True when the model can answer from retrieved passages (the practice model cannot).
    supports_grounding: bool = True
    notes: tuple[str, ...] = ()  # Japanese notes explaining disabled controls
