"""An in-process HTTP transport that serves the practice model as a Chat Completions API.

The service talks to the practice model through the *same* ``openai`` client code path as to a
real server: ``openai.OpenAI(http_client=<client with PracticeTransport>)``. Supported:

* ``POST /v1/chat/completions`` — streaming (SSE, ``stream_options.include_usage``) and not,
  ``temperature``, ``top_p``, ``max_tokens`` / ``max_completion_tokens``, ``n``, ``seed``,
  ``logprobs`` / ``top_logprobs`` (log probabilities of the model *before* temperature and
  top_p, like a real model's raw distribution);
* ``GET /v1/models``.

Errors use the OpenAI error body (``{"error": {"message", "type", "param", "code"}}``) with
400 for invalid parameters and 404 for an unknown model or path.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np

from portal.llm._http import http_module
from portal.llm.config import PRACTICE_BASE_URL, PRACTICE_MODEL_NAME
from portal.llm.practice import DEFAULT_MAX_TOKENS, MAX_TOKENS_LIMIT, GeneratedToken, PracticeModel

_httpx = http_module()

_MIN_LOGPROB = -9999.0  # what OpenAI reports for "practically impossible"


def _lp(value: float) -> float:
    return value if math.isfinite(value) else _MIN_LOGPROB


def _token_logprob(tok: GeneratedToken) -> dict[str, Any]:
    return {
        "token": tok.token,
        "logprob": _lp(tok.logprob),
        "bytes": list(tok.token.encode("utf-8")),
        "top_logprobs": [
            {"token": t, "logprob": _lp(lp), "bytes": list(t.encode("utf-8"))} for t, lp in tok.top
        ],
    }


def _error(status: int, message: str, *, type_: str, code: str | None = None, param: str | None = None):
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return status, body


class _SSEStream(_httpx.SyncByteStream):  # type: ignore[misc,name-defined]
    def __init__(self, events: Iterator[bytes]) -> None:
        self._events = events

    def __iter__(self) -> Iterator[bytes]:
        yield from self._events

    def close(self) -> None:
        close = getattr(self._events, "close", None)
        if close is not None:
            close()


class PracticeTransport(_httpx.BaseTransport):  # type: ignore[misc,name-defined]
    """Serve ``model`` in-process. Thread-safe: each request has its own random generator."""

    def __init__(self, model: PracticeModel, model_name: str = PRACTICE_MODEL_NAME) -> None:
        self.model = model
        self.model_name = model_name
        self.request_count = 0

    # -- dispatch -------------------------------------------------------------------------
    def handle_request(self, request):  # type: ignore[no-untyped-def]
        self.request_count += 1
        path = request.url.path.rstrip("/")
        if request.method == "GET" and path.endswith("/models"):
            return self._json(request, 200, self._models())
        if request.method == "POST" and path.endswith("/chat/completions"):
            request.read()
            try:
                payload = json.loads(request.content or b"{}")
            except ValueError:
                return self._json(request, *_error(400, "Invalid JSON body", type_="invalid_request_error"))
            if not isinstance(payload, dict):
                return self._json(request, *_error(400, "Body must be an object", type_="invalid_request_error"))
            return self._chat(request, payload)
        return self._json(request, *_error(404, f"Unknown path {path}", type_="invalid_request_error"))

    def _json(self, request, status: int, body: dict[str, Any]):  # type: ignore[no-untyped-def]
        return _httpx.Response(
            status,
            headers={"content-type": "application/json"},
            content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            request=request,
        )

    def _models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": self.model_name, "object": "model", "created": 0, "owned_by": "portal"}],
        }

    # -- chat completions -----------------------------------------------------------------
    def _chat(self, request, payload: dict[str, Any]):  # type: ignore[no-untyped-def]
        model = payload.get("model")
        if model != self.model_name:
            return self._json(
                request,
                *_error(404, f"The model `{model}` does not exist", type_="invalid_request_error", code="model_not_found"),
            )
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            return self._json(request, *_error(400, "messages must be a non-empty list", type_="invalid_request_error", param="messages"))
        try:
            params = self._params(payload)
        except ValueError as exc:
            return self._json(request, *_error(400, str(exc), type_="invalid_request_error"))
        prompt = ""
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                prompt = _content_text(message.get("content"))
                break
        prompt_tokens = sum(
            self.model.count_tokens(_content_text(m.get("content"))) for m in messages if isinstance(m, dict)
        )
        completion_id = f"chatcmpl-practice-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        if payload.get("stream"):
            include_usage = bool((payload.get("stream_options") or {}).get("include_usage"))
            events = self._stream_events(completion_id, created, prompt, prompt_tokens, params, include_usage)
            return _httpx.Response(
                200,
                headers={"content-type": "text/event-stream", "cache-control": "no-cache"},
                stream=_SSEStream(events),
                request=request,
            )
        return self._json(request, 200, self._completion(completion_id, created, prompt, prompt_tokens, params))

    @staticmethod
    def _params(payload: dict[str, Any]) -> dict[str, Any]:
        def number(name: str, default: float, low: float, high: float) -> float:
            value = payload.get(name)
            if value is None:
                return default
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"'{name}' must be a number between {low:g} and {high:g}")
            return float(value)

        max_tokens = payload.get("max_completion_tokens", payload.get("max_tokens"))
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise ValueError("'max_tokens' must be a positive integer")
        n = payload.get("n") or 1
        if not isinstance(n, int) or not 1 <= n <= 8:
            raise ValueError("'n' must be between 1 and 8")
        seed = payload.get("seed")
        if seed is not None and not isinstance(seed, int):
            raise ValueError("'seed' must be an integer")
        top_logprobs = payload.get("top_logprobs")
        if top_logprobs is not None and (not isinstance(top_logprobs, int) or not 0 <= top_logprobs <= 20):
            raise ValueError("'top_logprobs' must be between 0 and 20")
        logprobs = bool(payload.get("logprobs"))
        if top_logprobs and not logprobs:
            raise ValueError("'logprobs' must be true when 'top_logprobs' is set")
        return {
            "temperature": number("temperature", 1.0, 0.0, 2.0),
            "top_p": number("top_p", 1.0, 0.0, 1.0),
            "max_tokens": min(max_tokens, MAX_TOKENS_LIMIT) if max_tokens else None,
            "n": n,
            "seed": seed,
            "logprobs": logprobs,
            "top_logprobs": int(top_logprobs or 0),
        }

    def _choices(self, prompt: str, params: dict[str, Any]) -> Iterator[tuple[int, Iterator[GeneratedToken], dict]]:
        rng = np.random.default_rng(params["seed"])
        for index in range(params["n"]):
            state: dict[str, int] = {"count": 0}

            def tokens(state: dict[str, int] = state) -> Iterator[GeneratedToken]:
                for tok in self.model.generate(
                    prompt,
                    temperature=params["temperature"],
                    top_p=params["top_p"],
                    max_tokens=params["max_tokens"],
                    rng=rng,
                    top_logprobs=params["top_logprobs"],
                ):
                    state["count"] += 1
                    yield tok

            yield index, tokens(), state

    def _finish(self, count: int, params: dict[str, Any]) -> str:
        limit = params["max_tokens"]
        return "length" if count >= (limit or DEFAULT_MAX_TOKENS) else "stop"

    def _completion(self, cid: str, created: int, prompt: str, prompt_tokens: int, params: dict[str, Any]) -> dict:
        choices = []
        completion_tokens = 0
        for index, tokens, state in self._choices(prompt, params):
            generated = list(tokens)
            completion_tokens += state["count"]
            choices.append(
                {
                    "index": index,
                    "message": {"role": "assistant", "content": "".join(t.token for t in generated)},
                    "logprobs": {"content": [_token_logprob(t) for t in generated], "refusal": None}
                    if params["logprobs"]
                    else None,
                    "finish_reason": self._finish(state["count"], params),
                }
            )
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": self.model_name,
            "system_fingerprint": "practice-ngram",
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _stream_events(
        self,
        cid: str,
        created: int,
        prompt: str,
        prompt_tokens: int,
        params: dict[str, Any],
        include_usage: bool,
    ) -> Iterator[bytes]:
        def chunk(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> bytes:
            body: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model_name,
                "system_fingerprint": "practice-ngram",
                "choices": choices,
            }
            if include_usage:
                body["usage"] = usage
            return b"data: " + json.dumps(body, ensure_ascii=False).encode("utf-8") + b"\n\n"

        completion_tokens = 0
        for index, tokens, state in self._choices(prompt, params):
            yield chunk([{"index": index, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for tok in tokens:
                choice: dict[str, Any] = {"index": index, "delta": {"content": tok.token}, "finish_reason": None}
                if params["logprobs"]:
                    choice["logprobs"] = {"content": [_token_logprob(tok)], "refusal": None}
                yield chunk([choice])
            completion_tokens += state["count"]
            yield chunk([{"index": index, "delta": {}, "finish_reason": self._finish(state["count"], params)}])
        if include_usage:
            yield chunk(
                [],
                {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            )
        yield b"data: [DONE]\n\n"


def _content_text(content: Any) -> str:
    """Text of a message ``content`` (a string or a list of ``{"type": "text"}`` parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def practice_http_client(model: PracticeModel):  # type: ignore[no-untyped-def]
    """An HTTP client (of the library ``openai`` uses) whose requests the practice model serves."""
    return _httpx.Client(transport=PracticeTransport(model), base_url=PRACTICE_BASE_URL)


def practice_openai_client(model: PracticeModel):  # type: ignore[no-untyped-def]
    """An ``openai.OpenAI`` client bound to the in-process practice model."""
    import openai

    return openai.OpenAI(
        api_key="practice-local",
        base_url=PRACTICE_BASE_URL,
        http_client=practice_http_client(model),
        max_retries=0,
    )
