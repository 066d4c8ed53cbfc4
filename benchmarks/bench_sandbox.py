"""Sandbox send-path figures: added time to first token, practice model speed, retrieval.

Run:  .venv/bin/python benchmarks/bench_sandbox.py [--runs 200]

1. **Added time to first token.** The same local fake OpenAI server (tests/fake_openai_server.py,
   127.0.0.1) is called alternately by a bare ``openai`` client (``chat.completions.create``
   with ``stream=True``) and by ``portal.llm``'s public send entry point
   ``LLMService.stream_chat`` (request validation, parameter building, notes, cooldown check,
   stream parsing). Time to first token = from the call until the first text piece is in hand.
   Reported: medians over ``--runs`` alternating runs after a warm-up, and their difference
   (target: < 10 ms added at the median).
   The **full sandbox send path** (``portal.sandbox.Sandbox``: length check, risk checklist on
   the prompt and the system prompt, policy read from app_settings, quota count + reservation
   row in a transaction locking the user's row, then ``stream_chat``; the event row is updated
   after the stream) is measured in the same rotation, on a fresh SQLite file (and on
   PostgreSQL too when ``--pg URL`` is given).
2. **Practice model.** Training time on content/ja (+ demo corpus), words per second when
   generating directly and through the openai client path (in-process transport, SSE).
3. **Retrieval.** BM25 index build time over the course passages and median query time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_openai_server import FakeOpenAIServer  # noqa: E402

from portal.llm import (  # noqa: E402
    ChatRequest,
    Cooldowns,
    EndpointConfig,
    LLMService,
    PracticeModel,
    Retriever,
    StreamDone,
    TextDelta,
    load_course_passages,
    load_lesson_texts,
)

PROMPT = "生成AIを業務で使うときの注意点を3つ教えてください。"
SYSTEM = "あなたは社内研修の補助者です。"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def bare_ttft(client, model: str) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}],
        temperature=0.7,
        stream=True,
        stream_options={"include_usage": True},
    )
    first = None
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - started
    stream.close()
    assert first is not None
    return first


def service_ttft(service: LLMService) -> float:
    started = time.perf_counter()
    request = ChatRequest.simple(PROMPT, system=SYSTEM, temperature=0.7)
    first = None
    for event in service.stream_chat(request):
        if first is None and isinstance(event, TextDelta):
            first = time.perf_counter() - started
        elif isinstance(event, StreamDone):
            assert event.complete, event.error
    assert first is not None
    return first


def sandbox_ttft(sandbox, user) -> tuple[float, float]:
    """(time to first token, time until the event row is final) through the Sandbox service."""
    from portal.sandbox import Draft

    started = time.perf_counter()
    sub, stream = sandbox.start(user, Draft(PROMPT, system=SYSTEM, temperature=0.7))  # what the chat page calls
    assert sub.ready and stream is not None, sub.status
    first = None
    for event in stream.events():
        if first is None and isinstance(event, TextDelta):
            first = time.perf_counter() - started
    assert stream.result is not None and stream.result.ok, stream.result
    assert first is not None
    return first, time.perf_counter() - started


def make_sandbox(service, url: str):
    """A Sandbox on a migrated database with one learner whose quota never runs out."""
    from portal.accounts.roles import SYSTEM as SYSTEM_USER
    from portal.accounts.service import create_user
    from portal.db import init_db, session_scope
    from portal.sandbox import Sandbox, set_user_quota

    init_db(url)
    with session_scope(url) as s:
        user = create_user(s, SYSTEM_USER, name="計測 太郎", email=f"bench{time.time_ns()}@example.com")
        set_user_quota(s, SYSTEM_USER, user.id, daily_requests=100_000, daily_tokens=100_000_000)
    return Sandbox(service, database_url=url), user


def bench_ttft(runs: int, pg_url: str | None = None) -> None:
    import tempfile

    import openai

    from portal.risk import warm_up

    warm_up()
    with FakeOpenAIServer() as server, tempfile.TemporaryDirectory() as tmp:
        bare = openai.OpenAI(base_url=server.base_url, api_key="sk-bench", max_retries=0)
        service = LLMService(
            EndpointConfig(provider="custom", base_url=server.base_url, api_key="sk-bench", default_model="fake-mini"),
            cooldowns=Cooldowns(),
        )
        service.warm_up()
        sandboxes = {"SQLite": make_sandbox(service, f"sqlite:///{tmp}/bench.db")}
        if pg_url:
            sandboxes["PostgreSQL"] = make_sandbox(service, pg_url)
        runners = {
            "bare": lambda: bare_ttft(bare, "fake-mini"),
            "service": lambda: service_ttft(service),
        }
        totals: dict[str, list[float]] = {name: [] for name in sandboxes}
        for name, (sandbox, user) in sandboxes.items():
            runners[name] = (lambda sb=sandbox, u=user, n=name: _sandbox_run(sb, u, totals[n]))
        for _ in range(20):  # warm-up: imports, connection pool, caches
            for run in runners.values():
                run()
        for series in totals.values():
            series.clear()
        times: dict[str, list[float]] = {name: [] for name in runners}
        names = list(runners)
        for i in range(runs):
            order = names[i % len(names):] + names[: i % len(names)]  # rotate: no fixed position
            for name in order:
                times[name].append(runners[name]())
        bare.close()
        service.close()
    q = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731  (90th percentile)
    b = statistics.median(times["bare"])
    print(f"time to first token, local fake server, {runs} rotating runs")
    print(f"  bare openai client       median {ms(b)}   p90 {ms(q(times['bare']))}")
    s = statistics.median(times["service"])
    print(f"  LLMService.stream_chat   median {ms(s)}   p90 {ms(q(times['service']))}")
    print(f"  added by portal.llm      median {ms(s - b)}   (target < 10 ms)")
    for name in sandboxes:
        m = statistics.median(times[name])
        print(f"  Sandbox.start ({name:10s}) median {ms(m)}   p90 {ms(q(times[name]))}")
        print(f"  added by the full send path ({name}): median {ms(m - b)}   (target < 10 ms; risk check,"
              f" policy, quota + reservation row)")
        print(f"    whole send incl. final event update: median {ms(statistics.median(totals[name]))}")


def _sandbox_run(sandbox, user, totals: list[float]) -> float:
    first, total = sandbox_ttft(sandbox, user)
    totals.append(total)
    return first


def bench_practice() -> None:
    texts = load_lesson_texts(ROOT / "content" / "ja")
    chars = sum(len(t) for t in texts)
    started = time.perf_counter()
    model = PracticeModel.train(texts)
    train_s = time.perf_counter() - started
    print(f"practice model: trained on {len(texts)} lessons ({chars:,} chars) + demo corpus")
    print(f"  training              {ms(train_s)}   vocabulary {model.vocab_size:,} words, {model.token_count:,} tokens")

    prompts = ["言語モデルは", "マイナンバーとは何ですか？", "ハルシネーションについて教えてください", "日本で一番高い山は、"]
    words = 0
    started = time.perf_counter()
    for seed in range(50):
        for prompt in prompts:
            words += sum(1 for _ in model.generate(prompt, temperature=1.0, top_p=0.95, max_tokens=200, seed=seed))
    direct = words / (time.perf_counter() - started)
    print(f"  generation, direct    {direct:9,.0f} words/s  ({words:,} words)")

    service = LLMService(EndpointConfig(), practice_model=model)
    service.warm_up()
    words = 0
    ttfts: list[float] = []
    started = time.perf_counter()
    for seed in range(25):
        for prompt in prompts:
            done = service.chat(ChatRequest.simple(prompt, temperature=1.0, top_p=0.95, max_tokens=200, seed=seed))
            assert done.complete, done.error
            words += done.usage.completion_tokens
            ttfts.append(done.ttft_s or 0.0)
    served = words / (time.perf_counter() - started)
    print(f"  generation, service   {served:9,.0f} words/s  (openai client + in-process SSE transport)")
    print(f"  time to first token   median {ms(statistics.median(ttfts))} (practice model via service)")

    import tempfile

    from portal.sandbox import Draft

    with tempfile.TemporaryDirectory() as tmp:
        sandbox, user = make_sandbox(service, f"sqlite:///{tmp}/practice.db")
        words = 0
        ttfts = []
        started = time.perf_counter()
        for seed in range(25):
            for prompt in prompts:
                sub, result = sandbox.send(user, Draft(prompt, temperature=1.0, top_p=0.95, max_tokens=200, seed=seed))
                assert result is not None and result.ok, (sub.status, result)
                words += result.completion_tokens
                ttfts.append((result.ttft_ms or 0.0) / 1000)
        via_sandbox = words / (time.perf_counter() - started)
    print(f"  generation, Sandbox   {via_sandbox:9,.0f} words/s  (risk check + quota + event rows + service)")
    print(f"  time to first token   median {ms(statistics.median(ttfts))} (practice model via the Sandbox service)")


def bench_retrieval() -> None:
    started = time.perf_counter()
    passages = load_course_passages(str(ROOT / "content" / "ja"))
    retriever = Retriever(passages)
    build_s = time.perf_counter() - started
    queries = [
        "マイナンバーを生成AIに入力してもいいですか？",
        "ハルシネーションとは",
        "ローカルLLMに必要なメモリは？",
        "RAGのしくみを教えて",
        "temperatureを上げるとどうなる？",
    ]
    times = []
    for _ in range(20):
        for query in queries:
            t0 = time.perf_counter()
            retriever.search(query, k=3)
            times.append(time.perf_counter() - t0)
    print(f"retrieval: {len(passages)} passages")
    print(f"  load + index build    {ms(build_s)}")
    print(f"  search (k=3)          median {ms(statistics.median(times))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg", default=None, help="also measure the Sandbox on this PostgreSQL URL (tables are created)")
    args = parser.parse_args()
    bench_ttft(args.runs, args.pg)
    print()
    bench_practice()
    print()
    bench_retrieval()


if __name__ == "__main__":
    main()
