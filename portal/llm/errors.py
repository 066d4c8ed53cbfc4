"""Typed errors for the LLM service: every fault becomes one :class:`LLMError`.

``LLMError.kind`` is a stable machine-readable code (for the sandbox event log and for tests);
``LLMError.message_ja`` is the Japanese text shown to the learner, looked up in the message
catalog (``portal/i18n/catalog/llm.yaml``). Upstream error text is *not* copied into either:
a provider's message can echo part of the API key ("Incorrect API key provided: sk-ab***yz").
"""

from __future__ import annotations

import logging
import math
from typing import Literal

from portal.i18n import current_lang, t

log = logging.getLogger(__name__)

ErrorKind = Literal[
    "empty_prompt",
    "prompt_too_long",
    "conversation_too_long",
    "connection",
    "timeout",
    "auth",
    "permission",
    "not_found",
    "rate_limited",
    "server",
    "stream_interrupted",
    "bad_request",
    "config",
    "unknown",
]

# Faults that may be retried (a bounded number of times, before any output was received).
RETRYABLE_KINDS: frozenset[str] = frozenset({"connection", "server", "rate_limited"})


class LLMError(Exception):
    """A fault the learner should see, with a Japanese message and a stable ``kind``."""

    def __init__(
        self,
        kind: ErrorKind,
        message_ja: str,
        *,
        status_code: int | None = None,
        retry_after_s: float | None = None,
        message_en: str | None = None,
    ) -> None:
        super().__init__(message_ja)
        self.kind: ErrorKind = kind
        self.message_ja = message_ja
        self.message_en = message_en
        self.status_code = status_code
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def message(self, lang: str | None = None) -> str:
        """In ``lang``, by default the UI language of the current run."""
        if (lang or current_lang()) == "en" and self.message_en:
            return self.message_en
        return self.message_ja

    def __repr__(self) -> str:
        extra = f", status_code={self.status_code}" if self.status_code is not None else ""
        if self.retry_after_s is not None:
            extra += f", retry_after_s={self.retry_after_s:g}"
        return f"LLMError(kind={self.kind!r}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LLMError):
            return NotImplemented
        return (self.kind, self.message_ja, self.status_code, self.retry_after_s) == (
            other.kind,
            other.message_ja,
            other.status_code,
            other.retry_after_s,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.message_ja))


def make_error(
    kind: ErrorKind,
    *,
    status_code: int | None = None,
    retry_after_s: float | None = None,
    **params: object,
) -> LLMError:
    """Build an :class:`LLMError` whose messages come from the catalog key ``llm.error.<kind>``."""
    messages: dict[str, str] = {}
    for lang in ("ja", "en"):
        p = dict(params)
        if kind == "rate_limited":
            if retry_after_s is not None and retry_after_s > 0:
                p["hint"] = t(
                    "llm.error.rate_limited_hint_seconds", lang=lang, seconds=max(1, math.ceil(retry_after_s))
                )
            else:
                p["hint"] = t("llm.error.rate_limited_hint_later", lang=lang)
        messages[lang] = t(f"llm.error.{kind}", lang=lang, **p)
    return LLMError(
        kind,
        messages["ja"],
        status_code=status_code,
        retry_after_s=retry_after_s,
        message_en=messages["en"],
    )


def config_error(missing: Literal["api_key", "base_url", "model", "api_version"]) -> LLMError:
    return LLMError(
        "config",
        t("llm.error.config", lang="ja", what=t(f"llm.config.missing_{missing}", lang="ja")),
        message_en=t("llm.error.config", lang="en", what=t(f"llm.config.missing_{missing}", lang="en")),
    )


def _retry_after_seconds(headers: object) -> float | None:
    """Parse ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date) from response headers."""
    if headers is None:
        return None
    get = getattr(headers, "get", None)
    if get is None:
        return None
    raw_ms = get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms) / 1000.0
            return value if math.isfinite(value) and value >= 0 else None
        except ValueError:
            pass
    raw = get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
        return value if math.isfinite(value) and value >= 0 else None
    except ValueError:
        pass
    import email.utils
    import time

    try:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        return max(0.0, float(email.utils.mktime_tz(parsed) - time.time()))
    except (TypeError, ValueError, OverflowError):
        return None


def map_exception(
    exc: BaseException,
    *,
    model: str | None = None,
    timeout_s: float | None = None,
    received_output: bool = False,
) -> LLMError:
    """Translate an ``openai`` / transport exception into an :class:`LLMError`.

    ``received_output`` means part of the answer already reached the learner: any fault from
    then on is reported as ``stream_interrupted`` so the page keeps the partial answer.
    """
    import openai

    if isinstance(exc, LLMError):
        return exc
    if received_output:
        return make_error("stream_interrupted")
    # Order matters: APITimeoutError is a subclass of APIConnectionError.
    if isinstance(exc, openai.APITimeoutError):
        return make_error("timeout", seconds=f"{timeout_s:g}" if timeout_s else "")
    if isinstance(exc, openai.APIConnectionError):
        return make_error("connection")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 401:
            return make_error("auth", status_code=status)
        if status == 403:
            return make_error("permission", status_code=status)
        if status == 404:
            return make_error("not_found", status_code=status, model=model or "?")
        if status == 429:
            return make_error(
                "rate_limited",
                status_code=status,
                retry_after_s=_retry_after_seconds(exc.response.headers),
            )
        if status >= 500:
            return make_error("server", status_code=status, status=status)
        return make_error("bad_request", status_code=status, status=status)
    if isinstance(exc, openai.APIError):
        # An error object sent inside an otherwise successful (200) stream.
        return make_error("server", status="stream")
    log.warning("unexpected LLM client error: %s", type(exc).__name__)
    return make_error("unknown")
