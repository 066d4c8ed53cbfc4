"""The LLM service: one send path over the official ``openai`` client (Chat Completions).

``LLMService(config).stream_chat(request)`` is the sandbox's public send entry point. It yields
:class:`~portal.llm.types.TextDelta` events as the answer arrives and always ends with exactly
one :class:`~portal.llm.types.StreamDone` (usage, latency, time to first token, finish reason,
``complete``, and the :class:`~portal.llm.errors.LLMError` if anything went wrong). It never
raises for endpoint faults, so a page has one code path to render.

Retry policy (no retry storms):

* the ``openai`` client's own retries are switched off (``max_retries=0``); this service retries
  at most ``config.max_retries`` times (0–2), and only *before* any answer text was received;
* only connection failures, 5xx responses and 429 are retried; timeouts are not (a second
  60-second wait helps nobody in a classroom), nor 4xx other than 429;
* a 429 is retried only if its ``Retry-After`` is at most ``config.retry_after_cap_s``;
  otherwise the learner is told how long to wait. While a ``Retry-After`` period runs, further
  sends to the same endpoint from this process fail fast without a request (shared cooldown);
* back-off between attempts: 0.5 s, then 1 s (at most 2 s).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from portal.i18n import current_lang, t
from portal.llm._http import http_module
from portal.llm.capabilities import is_reasoning_model, model_capabilities
from portal.llm.config import EndpointConfig
from portal.llm.errors import LLMError, config_error, make_error, map_exception
from portal.llm.types import (
    Capabilities,
    ChatRequest,
    StreamDone,
    StreamEvent,
    TextDelta,
    TokenLogprob,
    Usage,
)

log = logging.getLogger(__name__)

_BACKOFF_BASE_S = 0.5
_BACKOFF_MAX_S = 2.0
# the explorer asks an endpoint for the first token of a continuation, in the learner's language
_EXPLORER_INSTRUCTION = {"ja": "次の文章の続きだけを書いてください。", "en": "Write only the continuation of the following text."}


class Cooldowns:
    """Per-endpoint "do not send before" times, shared by every service in the process."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def remaining(self, key: str, now: float) -> float:
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return 0.0
            if until <= now:
                del self._until[key]
                return 0.0
            return until - now

    def block(self, key: str, until: float) -> None:
        with self._lock:
            self._until[key] = max(until, self._until.get(key, 0.0))

    def clear(self) -> None:
        with self._lock:
            self._until.clear()


SHARED_COOLDOWNS = Cooldowns()


def validate_request(request: ChatRequest, config: EndpointConfig) -> None:
    """Raise :class:`LLMError` for an empty or too long prompt (checked before any request)."""
    prompt = request.last_user_text()
    if not prompt.strip():
        raise make_error("empty_prompt")
    if len(prompt) > config.max_prompt_chars:
        raise make_error("prompt_too_long", chars=len(prompt), limit=config.max_prompt_chars)
    total = sum(len(m.content) for m in request.messages)
    if total > config.max_conversation_chars:
        raise make_error("conversation_too_long", chars=total, limit=config.max_conversation_chars)


class LLMService:
    """Chat with the configured endpoint (or the in-process practice model)."""

    def __init__(
        self,
        config: EndpointConfig,
        *,
        practice_model: Any | None = None,
        client: Any | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.perf_counter,
        cooldowns: Cooldowns | None = None,
    ) -> None:
        self.config = config
        self._practice_model = practice_model
        self._client = client
        self._client_error: LLMError | None = None
        self._client_lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock
        self._cooldowns = cooldowns if cooldowns is not None else SHARED_COOLDOWNS
        self._cooldown_key = f"{config.provider}|{config.base_url}"

    # ------------------------------------------------------------------ client
    @property
    def practice_model(self) -> Any:
        if self._practice_model is None:
            from portal.llm.practice import default_practice_model

            self._practice_model = default_practice_model()
        return self._practice_model

    def _get_client(self) -> Any:
        """The ``openai`` client, built once; raises :class:`LLMError` (kind ``config``)."""
        if self._client is not None:
            return self._client
        with self._client_lock:
            if self._client is None:
                try:
                    self._client = self._build_client()
                except LLMError:
                    raise
                except Exception as exc:  # e.g. the client rejecting a malformed setting
                    log.warning("could not build the LLM client: %s", type(exc).__name__)
                    raise config_error("base_url") from None
        return self._client

    def _build_client(self) -> Any:
        import openai

        cfg = self.config
        if cfg.is_practice:
            from portal.llm.practice_transport import practice_openai_client

            return practice_openai_client(self.practice_model)
        httpx = http_module()
        timeout = httpx.Timeout(cfg.timeout_s, connect=cfg.connect_timeout_s)
        key = cfg.api_key_value()
        if cfg.preset.requires_api_key and key is None:
            raise config_error("api_key")
        if not cfg.base_url:
            raise config_error("base_url")
        if cfg.provider == "azure":
            if not cfg.azure_api_version:
                raise config_error("api_version")
            return openai.AzureOpenAI(
                azure_endpoint=cfg.base_url,
                api_key=key,
                api_version=cfg.azure_api_version,
                timeout=timeout,
                max_retries=0,
            )
        # Local servers ignore the key, but the client requires a non-empty one; passing it
        # explicitly also stops the client from picking up OPENAI_API_KEY from the environment.
        return openai.OpenAI(
            api_key=key or "not-needed",
            base_url=cfg.base_url,
            timeout=timeout,
            max_retries=0,
        )

    def warm_up(self) -> None:
        """Build the client now (imports ``openai``; trains the practice model if needed),
        so the first learner's request does not pay for it. Config errors are kept for later."""
        try:
            self._get_client()
        except LLMError:
            pass
        from portal.llm import jtext

        jtext.warm_up()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    # ------------------------------------------------------------------ capabilities
    def resolve_model(self, model: str | None = None) -> str:
        name = (model or self.config.default_model or "").strip()
        if not name:
            raise config_error("model")
        return name

    def capabilities(self, model: str | None = None) -> Capabilities:
        name = model or self.config.default_model or ""
        return model_capabilities(name, self.config.provider)

    def build_params(self, request: ChatRequest, model: str) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Keyword arguments for ``chat.completions.create`` and the parameters left out."""
        caps = model_capabilities(model, self.config.provider)
        params: dict[str, Any] = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        dropped: list[str] = []
        if request.temperature is not None:
            if caps.supports_temperature:
                params["temperature"] = request.temperature
            else:
                dropped.append("temperature")
        if request.top_p is not None:
            if caps.supports_top_p:
                params["top_p"] = request.top_p
            else:
                dropped.append("top_p")
        if request.logprobs:
            if caps.supports_logprobs:
                params["logprobs"] = True
                if request.top_logprobs:
                    params["top_logprobs"] = request.top_logprobs
            else:
                dropped.append("logprobs")
        if request.max_tokens is not None:
            # OpenAI deprecated max_tokens (reasoning models reject it); most other
            # OpenAI-compatible servers only know max_tokens.
            if is_reasoning_model(model) or self.config.provider == "openai":
                params["max_completion_tokens"] = request.max_tokens
            else:
                params["max_tokens"] = request.max_tokens
        if request.n > 1:
            params["n"] = request.n
        if request.seed is not None:
            params["seed"] = request.seed
        return params, tuple(dropped)

    # ------------------------------------------------------------------ retries
    def _retry_delay(self, error: LLMError, attempts: int) -> float | None:
        if attempts > self.config.max_retries:
            return None
        if error.kind == "rate_limited":
            if error.retry_after_s is None:
                return min(_BACKOFF_BASE_S * 2 ** (attempts - 1), _BACKOFF_MAX_S)
            if error.retry_after_s <= self.config.retry_after_cap_s:
                return error.retry_after_s
            return None
        if error.kind in ("connection", "server"):
            return min(_BACKOFF_BASE_S * 2 ** (attempts - 1), _BACKOFF_MAX_S)
        return None

    # ------------------------------------------------------------------ send
    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Send ``request`` and stream the answer. The last event is always a ``StreamDone``."""
        started = self._clock()
        requested_model = request.model or self.config.default_model or ""

        def done(error: LLMError | None, attempts: int = 0, **fields: Any) -> StreamDone:
            base: dict[str, Any] = {
                "complete": False,
                "model": requested_model,
                "text": "",
                "texts": (),
                "finish_reason": None,
                "usage": None,
                "latency_s": self._clock() - started,
                "ttft_s": None,
                "error": error,
                "attempts": attempts,
            }
            base.update(fields)
            return StreamDone(**base)

        try:
            validate_request(request, self.config)
            model = self.resolve_model(request.model)
            client = self._get_client()
        except LLMError as exc:
            yield done(exc)
            return
        params, dropped = self.build_params(request, model)
        notes = self._notes(request, dropped)

        remaining = self._cooldowns.remaining(self._cooldown_key, self._clock())
        if remaining > 0:
            yield done(make_error("rate_limited", status_code=429, retry_after_s=remaining), notes=notes)
            return

        attempts = 0
        while True:
            attempts += 1
            try:
                stream = client.chat.completions.create(
                    **params, stream=True, stream_options={"include_usage": True}
                )
                break
            except Exception as exc:  # every client fault becomes an LLMError
                error = map_exception(exc, model=model, timeout_s=self.config.timeout_s)
                log.info("LLM request failed: kind=%s status=%s attempt=%d", error.kind, error.status_code, attempts)
                if error.kind == "rate_limited" and error.retry_after_s:
                    self._cooldowns.block(self._cooldown_key, self._clock() + error.retry_after_s)
                delay = self._retry_delay(error, attempts)
                if delay is None:
                    yield done(error, attempts, model=model, dropped_params=dropped, notes=notes)
                    return
                self._sleep(delay)

        n = request.n
        texts = [""] * n
        finish: dict[int, str] = {}
        usage: Usage | None = None
        ttft: float | None = None
        token_logprobs: list[TokenLogprob] = []
        error: LLMError | None = None
        try:
            for chunk in stream:
                if getattr(chunk, "usage", None) is not None:
                    u = chunk.usage
                    usage = Usage(int(u.prompt_tokens or 0), int(u.completion_tokens or 0))
                for choice in chunk.choices or ():
                    index = choice.index if 0 <= choice.index < n else 0
                    content = choice.delta.content if choice.delta is not None else None
                    lps: tuple[TokenLogprob, ...] = ()
                    if choice.logprobs is not None and choice.logprobs.content:
                        lps = tuple(
                            TokenLogprob(
                                lp.token,
                                float(lp.logprob),
                                tuple((top.token, float(top.logprob)) for top in (lp.top_logprobs or ())),
                            )
                            for lp in choice.logprobs.content
                        )
                        if index == 0:
                            token_logprobs.extend(lps)
                    if content:
                        if ttft is None:
                            ttft = self._clock() - started
                        texts[index] += content
                        yield TextDelta(content, index, lps)
                    if choice.finish_reason:
                        finish[index] = choice.finish_reason
        except Exception as exc:  # a stream that breaks midway keeps its partial answer
            error = map_exception(
                exc, model=model, timeout_s=self.config.timeout_s, received_output=any(texts)
            )
            log.info("LLM stream broke: kind=%s after %d chars", error.kind, sum(map(len, texts)))
        finally:
            stream.close()
        if error is None and len(finish) < n:
            error = make_error("stream_interrupted")
        finish_reason = finish.get(0)
        if error is None and finish_reason in ("length", "content_filter"):
            notes = (*notes, t(f"llm.finish.{finish_reason}"))
        yield done(
            error,
            attempts,
            complete=error is None,
            model=model,
            text=texts[0],
            texts=tuple(texts),
            finish_reason=finish_reason,
            usage=usage,
            ttft_s=ttft,
            dropped_params=dropped,
            logprobs=tuple(token_logprobs),
            notes=notes,
        )

    def chat(self, request: ChatRequest) -> StreamDone:
        """Send and wait for the whole answer (the final event of :meth:`stream_chat`)."""
        last: StreamDone | None = None
        for event in self.stream_chat(request):
            if isinstance(event, StreamDone):
                last = event
        assert last is not None
        return last

    def _notes(self, request: ChatRequest, dropped: tuple[str, ...]) -> tuple[str, ...]:
        notes: list[str] = []
        if dropped:
            notes.append(t("llm.capability.dropped_params", params=", ".join(dropped)))
        if self.config.is_practice:
            roles = [m.role for m in request.messages]
            if "system" in roles or roles.count("user") > 1 or "assistant" in roles:
                notes.append(t("llm.practice.ignores_system"))
            plan = self.practice_model.plan(request.last_user_text())
            if plan.topic_word:
                notes.append(t("llm.practice.topic_start", word=plan.topic_word))
        return tuple(notes)

    # ------------------------------------------------------------------ other calls
    def _call(self, fn: Callable[[Any], Any], model: str | None = None) -> Any:
        client = self._get_client()
        remaining = self._cooldowns.remaining(self._cooldown_key, self._clock())
        if remaining > 0:
            raise make_error("rate_limited", status_code=429, retry_after_s=remaining)
        try:
            return fn(client)
        except Exception as exc:
            error = map_exception(exc, model=model, timeout_s=self.config.timeout_s)
            if error.kind == "rate_limited" and error.retry_after_s:
                self._cooldowns.block(self._cooldown_key, self._clock() + error.retry_after_s)
            raise error from None

    def list_models(self) -> list[str]:
        """Model ids the endpoint serves (``GET /models``). Raises :class:`LLMError`."""
        page = self._call(lambda c: c.models.list())
        return sorted(m.id for m in page.data)

    def next_token_candidates(self, context: str, model: str | None = None, k: int = 10) -> list[tuple[str, float]]:
        """Top-``k`` first tokens (token, logprob) the endpoint would write after ``context``.

        Raises :class:`LLMError`; returns ``[]`` when the endpoint sends no logprobs.
        """
        name = self.resolve_model(model)
        k = max(1, min(int(k), 20))

        def call(client: Any) -> Any:
            return client.chat.completions.create(
                model=name,
                messages=[
                    {"role": "system", "content": _EXPLORER_INSTRUCTION.get(current_lang(), _EXPLORER_INSTRUCTION["ja"])},
                    {"role": "user", "content": context},
                ],
                max_tokens=1,
                logprobs=True,
                top_logprobs=k,
            )

        response = self._call(call, name)
        if not response.choices:
            return []
        lp = response.choices[0].logprobs
        if lp is None or not lp.content:
            return []
        first = lp.content[0]
        tops = [(top.token, float(top.logprob)) for top in (first.top_logprobs or ())]
        return tops or [(first.token, float(first.logprob))]

    def probe_logprobs(self, model: str | None = None) -> bool:
        """Does the endpoint return token log probabilities for ``model``? (Cache the answer.)

        ``False`` for models known not to support them and when the server refuses the
        parameter (4xx); raises :class:`LLMError` when the endpoint cannot be reached, so a
        temporary outage is not cached as "unsupported".
        """
        name = self.resolve_model(model)
        if not model_capabilities(name, self.config.provider).supports_logprobs:
            return False
        try:
            candidates = self.next_token_candidates("1たす1は", name, k=2)
        except LLMError as exc:
            if exc.kind in ("bad_request", "not_found"):
                return False
            raise
        return bool(candidates)
