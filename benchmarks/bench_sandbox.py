"""Sandbox send-path figures: added time to first token, practice model speed, retrieval.

Run:  .venv/bin/python benchmarks/bench_sandbox.py [--runs 200]

1. **Added time to first token.** The same local fake OpenAI server (tests/fake_openai_server.py,
   127.0.0.1) is called alternately by a bare ``openai`` client (``chat.completions.create``
   with ``stream=True``) and by ``portal.llm``'s public send entry point
   ``LLMService.stream_chat`` (request validation, parameter building, notes, cooldown check,
   stream parsing). Time to first token = from the call until the first text piece is in hand.
   Reported: medians over ``--runs`` alternating pairs after a warm-up, and their difference
   (target: < 10 ms added). When the lead adds the risk check and the DB event to the send
   path, keep measuring ``stream_chat`` (or the new public entry point) here.
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


def bench_ttft(runs: int) -> None:
    import openai

    with FakeOpenAIServer() as server:
        bare = openai.OpenAI(base_url=server.base_url, api_key="sk-bench", max_retries=0)
        service = LLMService(
            EndpointConfig(provider="custom", base_url=server.base_url, api_key="sk-bench", default_model="fake-mini"),
            cooldowns=Cooldowns(),
        )
        service.warm_up()
        for _ in range(20):  # warm-up: imports, connection pool, caches
            bare_ttft(bare, "fake-mini")
            service_ttft(service)
        bare_times: list[float] = []
        service_times: list[float] = []
        for i in range(runs):
            if i % 2:
                bare_times.append(bare_ttft(bare, "fake-mini"))
                service_times.append(service_ttft(service))
            else:
                service_times.append(service_ttft(service))
                bare_times.append(bare_ttft(bare, "fake-mini"))
        bare.close()
        service.close()
    b, s = statistics.median(bare_times), statistics.median(service_times)
    q = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731  (90th percentile)
    print(f"time to first token, local fake server, {runs} alternating runs")
    print(f"  bare openai client    median {ms(b)}   p90 {ms(q(bare_times))}")
    print(f"  LLMService.stream_chat median {ms(s)}   p90 {ms(q(service_times))}")
    print(f"  added by portal.llm   median {ms(s - b)}   (target < 10 ms)")


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
    args = parser.parse_args()
    bench_ttft(args.runs)
    print()
    bench_practice()
    print()
    bench_retrieval()


if __name__ == "__main__":
    main()
