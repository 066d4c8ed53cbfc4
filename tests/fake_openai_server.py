"""A fake OpenAI-compatible Chat Completions server for tests (standard library only).

Runs ``http.server`` in a background thread on 127.0.0.1 (a free port by default) and serves:

* ``POST /v1/chat/completions`` — streaming (SSE, chunked transfer encoding, optional usage
  chunk with ``stream_options.include_usage``) and non-streaming; ``logprobs`` /
  ``top_logprobs``; ``n``; usage. Models named like OpenAI reasoning models (``o3-mini``)
  answer 400 to ``temperature``, ``top_p``, ``logprobs`` and ``max_tokens``, as OpenAI does.
* ``GET /v1/models``.
* ``POST /_control`` (JSON ``{"mode": ..., "retry_after": ..., "slow_s": ..., "reply": ...}``)
  and ``GET /_control`` (counters), so a browser test can switch failure modes of a server
  started with ``python tests/fake_openai_server.py --port N``.

Failure modes (``server.set_mode(...)``):

=================  ==================================================================
``ok``             normal answers (default)
``slow``           wait ``slow_s`` seconds before answering (beyond a client timeout)
``stall``          send the first part of a streamed answer, then wait ``slow_s``
``401``            401 with an OpenAI-style body that echoes part of the key
``404``            404 ``model_not_found`` (also returned for any model not in ``models``)
``429``            429 with ``Retry-After: <retry_after>`` (omitted when ``None``)
``500``            500 server error
``break``          stream a part of the answer, then drop the connection mid-body
=================  ==================================================================

Connection refused: ``server.stop()`` (the port is then closed; ``base_url`` stays valid).
``server.chat_requests`` counts chat-completion requests (to prove there is no retry storm),
``server.requests`` keeps their JSON bodies.

Use from pytest: ``pytest_plugins = ["fake_openai_server"]`` in ``tests/conftest.py`` (the
``tests`` folder is on ``sys.path`` there) gives the ``fake_openai_server`` fixture.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_REPLY = "こんにちは。これはテスト用のサーバーからの応答です。"
DEFAULT_MODELS = ("fake-mini", "fake-large", "o3-mini")
MODES = ("ok", "slow", "stall", "401", "404", "429", "500", "break")
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def _is_reasoning(model: str) -> bool:
    return any(model == p or model.startswith(p + "-") for p in _REASONING_PREFIXES)


def split_reply(text: str, size: int = 3) -> list[str]:
    """The pieces the server streams (``size`` characters each): the fake "tokens"."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or disconnect on purpose are part of the tests: stay quiet.
        import sys

        exc = sys.exc_info()[1]
        if not isinstance(exc, (OSError, ValueError)):
            super().handle_error(request, client_address)


class FakeOpenAIServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        models: tuple[str, ...] = DEFAULT_MODELS,
        reply: str = DEFAULT_REPLY,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.port = port
        self.api_key = api_key
        self.models = tuple(models)
        self.reply = reply
        self.mode = "ok"
        self.retry_after: float | None = 1.0
        self.slow_s = 2.0
        self.break_after = 3  # content chunks sent before "break" / "stall"
        self.chunk_delay_s = 0.0
        self.requests: list[dict[str, Any]] = []
        self.chat_requests = 0
        self.request_count = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"fake": self})
        httpd = _QuietServer((self.host, self.port or self._requested_port), handler)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections: new requests get "connection refused"."""
        httpd, self._httpd = self._httpd, None
        self._stopping.set()
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control --------------------------------------------------------------------------
    def set_mode(
        self,
        mode: str,
        *,
        retry_after: float | None | str = "keep",
        slow_s: float | None = None,
        break_after: int | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode
        if retry_after != "keep":
            self.retry_after = retry_after  # type: ignore[assignment]
        if slow_s is not None:
            self.slow_s = slow_s
        if break_after is not None:
            self.break_after = break_after

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.chat_requests = 0
            self.request_count = 0
        self.mode = "ok"
        self.retry_after = 1.0

    def stats(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "chat_requests": self.chat_requests,
            "request_count": self.request_count,
            "models": list(self.models),
        }

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAIServer
    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenAI/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        try:  # small SSE frames must not wait for Nagle's algorithm
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        with self.fake._lock:
            self.fake._connections.discard(self.connection)

    # -- helpers --------------------------------------------------------------------------
    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, type_: str, code: str | None = None, headers=None) -> None:
        self._send_json(status, {"error": {"message": message, "type": type_, "param": None, "code": code}}, headers)

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    # -- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        fake = self.fake
        with fake._lock:
            fake.request_count += 1
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/_control":
            self._send_json(200, fake.stats())
        elif path == "/v1/models":
            if not self._authorized():
                return
            self._send_json(
                200,
                {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in fake.models]},
            )
        else:
            self._error(404, f"Unknown path {path}", "invalid_request_error")

    def do_POST(self) -> None:  # noqa: N802
        fake = self.fake
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_json()
        with fake._lock:
            fake.request_count += 1
        if path == "/_control":
            if not isinstance(body, dict):
                self._error(400, "JSON object expected", "invalid_request_error")
                return
            try:
                if "reply" in body:
                    fake.reply = str(body["reply"])
                fake.set_mode(
                    str(body.get("mode", fake.mode)),
                    retry_after=body.get("retry_after", "keep"),
                    slow_s=body.get("slow_s"),
                    break_after=body.get("break_after"),
                )
                if body.get("reset"):
                    fake.reset()
            except ValueError as exc:
                self._error(400, str(exc), "invalid_request_error")
                return
            self._send_json(200, fake.stats())
            return
        if path != "/v1/chat/completions":
            self._error(404, f"Unknown path {path}", "invalid_request_error")
            return
        with fake._lock:
            fake.chat_requests += 1
            fake.requests.append(body if isinstance(body, dict) else {"_invalid": True})
        self._chat(body)

    def _authorized(self) -> bool:
        fake = self.fake
        auth = self.headers.get("Authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else self.headers.get("api-key", "")
        if fake.mode == "401" or (fake.api_key is not None and key != fake.api_key):
            shown = f"{key[:3]}***{key[-2:]}" if len(key) > 5 else "***"
            self._error(401, f"Incorrect API key provided: {shown}.", "invalid_request_error", "invalid_api_key")
            return False
        return True

    def _chat(self, body: Any) -> None:
        fake = self.fake
        if not isinstance(body, dict):
            self._error(400, "Invalid JSON body", "invalid_request_error")
            return
        if fake.mode == "slow":
            fake._wait(fake.slow_s)
            if fake._stopping.is_set():
                return
        if not self._authorized():
            return
        model = str(body.get("model", ""))
        if fake.mode == "404" or model not in fake.models:
            self._error(404, f"The model `{model}` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found")
            return
        if fake.mode == "429":
            headers = {} if fake.retry_after is None else {"Retry-After": f"{fake.retry_after:g}"}
            self._error(429, "Rate limit reached. Please try again later.", "requests", "rate_limit_exceeded", headers)
            return
        if fake.mode == "500":
            self._error(500, "The server had an error while processing your request.", "server_error")
            return
        if _is_reasoning(model):
            for param in ("temperature", "top_p", "logprobs", "max_tokens"):
                if param in body:
                    self._error(400, f"Unsupported parameter: '{param}' is not supported with this model.", "invalid_request_error", "unsupported_parameter")
                    return
        messages = body.get("messages") or []
        if not isinstance(messages, list) or not messages:
            self._error(400, "'messages' must be a non-empty array", "invalid_request_error")
            return
        prompt_chars = sum(len(str(m.get("content", ""))) for m in messages if isinstance(m, dict))
        pieces = split_reply(fake.reply)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = "stop"
        if isinstance(limit, int) and limit < len(pieces):
            pieces, finish = pieces[:limit], "length"
        n = int(body.get("n") or 1)
        top_k = int(body.get("top_logprobs") or 0) if body.get("logprobs") else -1
        usage = {
            "prompt_tokens": prompt_chars // 2 + 1,
            "completion_tokens": len(pieces) * n,
            "total_tokens": prompt_chars // 2 + 1 + len(pieces) * n,
        }
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(model, pieces, finish, n, top_k, usage if include_usage else None)
        else:
            self._send_json(200, self._completion(model, pieces, finish, n, top_k, usage))

    @staticmethod
    def _logprobs(piece: str, top_k: int) -> dict[str, Any] | None:
        if top_k < 0:
            return None
        alternatives = [(piece, -0.1)] + [(f"候補{i}", -1.0 - i) for i in range(1, top_k)]
        entry = {
            "token": piece,
            "logprob": -0.1,
            "bytes": list(piece.encode("utf-8")),
            "top_logprobs": [
                {"token": tok, "logprob": lp, "bytes": list(tok.encode("utf-8"))} for tok, lp in alternatives[:top_k]
            ],
        }
        return {"content": [entry], "refusal": None}

    def _completion(self, model, pieces, finish, n, top_k, usage) -> dict[str, Any]:
        choices = []
        for index in range(n):
            logprobs = None
            if top_k >= 0:
                logprobs = {"content": [self._logprobs(p, top_k)["content"][0] for p in pieces], "refusal": None}
            choices.append(
                {
                    "index": index,
                    "message": {"role": "assistant", "content": "".join(pieces)},
                    "logprobs": logprobs,
                    "finish_reason": finish,
                }
            )
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": usage,
        }

    def _stream(self, model, pieces, finish, n, top_k, usage) -> None:
        fake = self.fake
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(payload: Any) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
            frame = b"data: " + data + b"\n\n"
            self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
            self.wfile.flush()

        def chunk(choices: list[dict[str, Any]], with_usage: Any = "absent") -> dict[str, Any]:
            out = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model, "choices": choices}
            if usage is not None:
                out["usage"] = None if with_usage == "absent" else with_usage
            return out

        sent = 0
        try:
            for index in range(n):
                event(chunk([{"index": index, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]))
                for piece in pieces:
                    if fake.mode in ("break", "stall") and sent >= fake.break_after:
                        if fake.mode == "stall":
                            fake._wait(fake.slow_s)
                        self._drop_connection()
                        return
                    choice = {"index": index, "delta": {"content": piece}, "finish_reason": None}
                    lp = self._logprobs(piece, top_k)
                    if lp is not None:
                        choice["logprobs"] = lp
                    event(chunk([choice]))
                    sent += 1
                    if fake.chunk_delay_s:
                        fake._wait(fake.chunk_delay_s)
                event(chunk([{"index": index, "delta": {}, "finish_reason": finish}]))
            if usage is not None:
                event(chunk([], usage))
            event(b"[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop_connection(self) -> None:
        """Close the socket in the middle of a chunked body (no terminating chunk)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# -- pytest integration (only when pytest imports this module) -------------------------------
try:
    import pytest
except ImportError:  # pragma: no cover - running as a script without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_openai_server() -> Iterator[FakeOpenAIServer]:
        """A running fake server on a free 127.0.0.1 port (stopped after the test)."""
        server = FakeOpenAIServer().start()
        try:
            yield server
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible server for tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=None, help="require this bearer key (default: accept any)")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--mode", default="ok", choices=MODES)
    parser.add_argument("--reply", default=DEFAULT_REPLY)
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between streamed pieces")
    args = parser.parse_args(argv)
    server = FakeOpenAIServer(
        args.host,
        args.port,
        api_key=args.api_key,
        models=tuple(m.strip() for m in args.models.split(",") if m.strip()),
        reply=args.reply,
    )
    server.set_mode(args.mode)
    server.chunk_delay_s = args.chunk_delay
    server.start()
    print(f"fake OpenAI server on {server.base_url} (mode={server.mode}); Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
