"""Risk checklist benchmark: accuracy and speed, side by side with baselines.

    .venv/bin/python benchmarks/bench_risk.py [--quick]

Prints, in one run:
- precision / recall per category of ``portal.risk.scan`` on tests/data/risk_corpus.jsonl;
- the same corpus through Microsoft Presidio's pattern recognizers (credit card, e-mail, IP,
  phone with region JP, IBAN) used directly without a spaCy model, if presidio-analyzer is
  installed, and through a plain-regex baseline with ``\\b`` boundaries; baselines are scored
  only on the categories they have a detector for;
- characters per second on the corpus, on 1 MB of PII-dense text (the corpus repeated), on
  1 MB of ordinary text (course lessons with a few corpus prompts mixed in), and on 1 MB of
  adversarial input;
- the median time of one 2,000-character prompt.
Timings depend on machine load: run on an idle machine for figures worth quoting.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.risk import RiskPolicy, scan  # noqa: E402
from portal.risk.evaluation import evaluate, load_corpus  # noqa: E402
from portal.risk.morph import warm_up  # noqa: E402
from portal.risk.policy import is_default_masked  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "risk_corpus.jsonl"
MB = 1_000_000


def ours(text: str):
    policy = _POLICY
    return [(f.category.value, f.start, f.end) for f in scan(text) if is_default_masked(f, policy)]


_POLICY = RiskPolicy()


# --- Baseline 1: a plain regex set with \b, as commonly copied into projects --------------------
_NAIVE = [
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    ("CREDIT_CARD", re.compile(r"\b(?:\d[ -]?){13,16}\b")),
    ("PHONE", re.compile(r"\b0\d{1,4}-\d{1,4}-\d{4}\b")),
    ("IP_ADDRESS", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("MY_NUMBER", re.compile(r"\b\d{4}\s?\d{4}\s?\d{4}\b")),
    ("POSTAL_CODE", re.compile(r"\b\d{3}-\d{4}\b")),
]
NAIVE_CATEGORIES = {c for c, _ in _NAIVE}


def naive(text: str):
    return [(cat, m.start(), m.end()) for cat, rx in _NAIVE for m in rx.finditer(text)]


# --- Baseline 2: Presidio pattern recognizers, no NLP model ------------------------------------
def presidio_predictor():
    try:
        import tldextract  # presidio's e-mail validation; keep it offline (bundled suffix list)
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
        )
    except ImportError as exc:  # pragma: no cover - optional dependency
        print(f"presidio-analyzer not available ({exc.__class__.__name__}); skipping that baseline")
        return None, set()
    try:
        tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    except Exception:  # noqa: BLE001 - older/newer tldextract layouts
        pass
    recognizers = [
        (CreditCardRecognizer(), "CREDIT_CARD", "CREDIT_CARD"),
        (EmailRecognizer(), "EMAIL_ADDRESS", "EMAIL"),
        (IpRecognizer(), "IP_ADDRESS", "IP_ADDRESS"),
        (PhoneRecognizer(supported_regions=("JP", "US")), "PHONE_NUMBER", "PHONE"),
        (IbanRecognizer(), "IBAN_CODE", "BANK_ACCOUNT"),
    ]

    def predict(text: str):
        out = []
        for rec, entity, ours_cat in recognizers:
            for r in rec.analyze(text, entities=[entity], nlp_artifacts=None) or []:
                if r.score >= 0.4:
                    out.append((ours_cat, r.start, r.end))
        return out

    return predict, {"CREDIT_CARD", "EMAIL", "IP_ADDRESS", "PHONE"}


def print_report(title: str, rep) -> None:
    print(f"\n== {title}")
    print(rep.table())


def throughput(fn, text: str, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return len(text) / best


def ordinary_text(records: list[dict], size: int) -> str:
    """Course lessons (plain Japanese prose) with one corpus prompt every ~3,000 characters."""
    lessons = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "content").rglob("*.md")))
    if len(lessons) < 1000:
        lessons = "生成AIは便利ですが、出力には誤りが含まれることがあります。事実確認をしてから使いましょう。\n" * 50
    rnd = random.Random(1)
    parts, n = [], 0
    while n < size:
        start = rnd.randrange(0, max(1, len(lessons) - 3000))
        chunk = lessons[start : start + 3000] + "\n" + rnd.choice(records)["text"] + "\n"
        parts.append(chunk)
        n += len(chunk)
    return "".join(parts)[:size]


def adversarial_text(size: int) -> str:
    rnd = random.Random(7)
    pieces = ["1-" * 2000, "a" * 5000 + "@", "漢" * 5000 + "さん", "0" * 10000, "1 " * 4000,
              "生年月日" + "1985年" * 2000, "sk-" + "a" * 5000, "東京都" * 1000 + "1-1", "::" * 3000]
    out, n = [], 0
    while n < size:
        p = rnd.choice(pieces)
        out.append(p)
        n += len(p)
    return "".join(out)[:size]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 1 MB runs")
    args = ap.parse_args()

    records = load_corpus(CORPUS)
    n_chars = sum(len(r["text"]) for r in records)
    print(f"corpus: {len(records)} prompts, {sum(len(r['spans']) for r in records)} labelled spans, {n_chars} characters")
    warm_up()

    t0 = time.perf_counter()
    rep = evaluate(records, ours)
    t_ours = time.perf_counter() - t0
    print_report("portal.risk (all categories)", rep)

    pres, pres_cats = presidio_predictor()
    results = [("portal.risk", rep, t_ours)]
    if pres is not None:
        t0 = time.perf_counter()
        rep_p = evaluate(records, pres, categories=pres_cats)
        t_p = time.perf_counter() - t0
        print_report(f"Presidio pattern recognizers (scored on {', '.join(sorted(pres_cats))})", rep_p)
        rep_o = evaluate(records, ours, categories=pres_cats)
        print_report("portal.risk on the same categories", rep_o)
        results.append(("presidio", rep_p, t_p))
    t0 = time.perf_counter()
    rep_n = evaluate(records, naive, categories=NAIVE_CATEGORIES)
    t_n = time.perf_counter() - t0
    print_report(f"plain regex with \\b (scored on {', '.join(sorted(NAIVE_CATEGORIES))})", rep_n)
    rep_on = evaluate(records, ours, categories=NAIVE_CATEGORIES)
    print_report("portal.risk on the same categories", rep_on)
    results.append(("plain regex", rep_n, t_n))

    print("\n== side by side (corpus)")
    print(f"{'detector':<14}{'precision':>10}{'recall':>8}{'chars/s':>12}")
    for name, r, t in results:
        print(f"{name:<14}{r.total.precision:>10.3f}{r.total.recall:>8.3f}{n_chars / t:>12,.0f}")

    # One 2,000-character prompt, median of many.
    joined = "\n".join(r["text"] for r in records)
    samples = [joined[i : i + 2000] for i in range(0, len(joined) - 2000, 2000)]
    for s in samples[:5]:
        scan(s)
    times = []
    for s in samples:
        t0 = time.perf_counter()
        scan(s)
        times.append(time.perf_counter() - t0)
    print(f"\n2,000-character prompt (PII-dense corpus text): median {statistics.median(times) * 1000:.2f} ms, "
          f"p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.2f} ms over {len(times)} prompts")
    plain = ordinary_text(records, 200_000)
    psamples = [plain[i : i + 2000] for i in range(0, len(plain) - 2000, 2000)]
    times = []
    for s in psamples:
        t0 = time.perf_counter()
        scan(s)
        times.append(time.perf_counter() - t0)
    print(f"2,000-character prompt (ordinary text): median {statistics.median(times) * 1000:.2f} ms over {len(times)} prompts")

    if not args.quick:
        dense = (joined + "\n") * (MB // len(joined) + 1)
        dense = dense[:MB]
        ordinary = ordinary_text(records, MB)
        adversarial = adversarial_text(MB)
        for label, text in (("1 MB PII-dense (corpus repeated)", dense), ("1 MB ordinary text", ordinary),
                            ("1 MB adversarial", adversarial)):
            t0 = time.perf_counter()
            found = scan(text)
            dt = time.perf_counter() - t0
            print(f"{label}: {dt:.2f} s, {len(text) / dt / 1e6:.2f} MB/s (characters), {len(found)} findings")
        half = ordinary[: MB // 2]
        t_half = min(_timed(lambda: scan(half)) for _ in range(2))
        t_full = min(_timed(lambda: scan(ordinary)) for _ in range(2))
        print(f"linearity: 1 MB / 0.5 MB time ratio = {t_full / t_half:.2f} (2.0 is linear)")
        if pres is not None:
            t0 = time.perf_counter()
            pres(ordinary[:200_000])
            dt = time.perf_counter() - t0
            print(f"Presidio pattern recognizers on 200 kB ordinary text: {200_000 / dt / 1e6:.2f} MB/s")
    return 0


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    raise SystemExit(main())
