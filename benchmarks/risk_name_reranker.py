"""Experiment: a learned re-ranker over the name proposals, measured by leave-one-author-out CV on dev.

    .venv/bin/pip install scikit-learn   (or the [bench] extra)
    .venv/bin/python benchmarks/risk_name_reranker.py

The rule layers propose name spans; this script scores each cluster of overlapping proposals (and,
with --weak, name-shaped words no rule accepted: dictionary person tokens, capitalised Latin words,
katakana words) with a logistic regression over its context (which rules found it, the characters
and words around it, the shape of its line, how often it recurs, other findings on the line), trained
on 15 of the 16 dev authors and tested on the 16th. It prints names P/R/F1 of the shipped rules and of
rules + model at several thresholds. It reads the DEV part only; the held-out part is never used.

Result of 2026-12-04 (docs/risk.md, "Choosing the name detectors"): at best +0.002 names F1 (0.935 ->
0.937); the 13,429 weak proposals hold only 98 of the 235 missed names, and the model cannot pick them
out across authors. Not shipped.
"""

from __future__ import annotations

import argparse
import re
import sys
from bisect import bisect_left, bisect_right
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.risk import scanner  # noqa: E402
from portal.risk.detectors import Candidate  # noqa: E402
from portal.risk.evaluation import _overlap_ok  # noqa: E402
from portal.risk.findings import Category  # noqa: E402
from portal.risk.marked import load_dir  # noqa: E402
from portal.risk.normalize import normalize  # noqa: E402

DEV = ROOT / "tests" / "data" / "risk_fresh" / "dev"


def _char_class(ch: str) -> str:
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF or ch in "々〆ヶ" or 0xF900 <= o <= 0xFAFF:
        return "K"
    if 0x30A1 <= o <= 0x30FA or ch == "ー":
        return "k"
    if 0x3041 <= o <= 0x3096:
        return "h"
    if 0xAC00 <= o <= 0xD7A3:
        return "H"
    if "A" <= ch <= "Z":
        return "L"
    if "a" <= ch <= "z":
        return "l"
    if ch.isdigit():
        return "9"
    if ch in " \u3000\t":
        return "_"
    if ch == "\n":
        return "n"
    return ch if ch in "・.,:：、。()（）「」[]|/-<>@'\"" else "?"


def _shape(s: str) -> str:
    out: list[str] = []
    for ch in s:
        c = _char_class(ch)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out[:8])


_WORD_BEFORE = re.compile(r"([A-Za-z]+)[^A-Za-z\n]{0,3}\Z")
_KANJI_BEFORE = re.compile(r"([一-龥々ァ-ヴー]{1,6})[^一-龥々ァ-ヴー\n]{0,2}\Z")
_WORD_AFTER = re.compile(r"\A[^A-Za-z\n]{0,3}([A-Za-z]+)")


def features(text: str, s: int, e: int, keys: list[str], line_cats: set[str], occ: int) -> list[str]:
    """Feature strings of the proposal text[s:e] (see the module docstring)."""
    span = text[s:e]
    f = ["k=" + k for k in set(keys)]
    f.append(f"nk={min(len(set(keys)), 3)}")
    f.append("sh=" + _shape(span))
    f.append(f"len={min(len(span), 10)}")
    ls = text.rfind("\n", 0, s) + 1
    le = text.find("\n", e)
    le = len(text) if le < 0 else le
    before, after = text[ls:s], text[e:le]
    f.append("l1=" + (before[-1:] or "^"))
    f.append("l2=" + (before[-2:] if len(before) >= 2 else "^" + before))
    f.append("lc=" + _shape(before[-3:]) if before else "lc=^")
    f.append("r1=" + (after[:1] or "$"))
    f.append("r2=" + (after[:2] if len(after) >= 2 else after + "$"))
    f.append("rc=" + _shape(after[:3]) if after else "rc=$")
    if not before.strip(" \u3000\t・-*•0123456789.)）"):
        f.append("bol")
    if not after.strip():
        f.append("eol")
    a = after.lstrip(" \u3000")
    if a[:1] in (":", "："):
        f.append("colon_after")
    line = text[ls:le]
    if "|" in line or "\t" in line or line.count(",") >= 2:
        f.append("table_line")
    f.append(f"occ={min(occ, 3)}")
    for c in line_cats:
        f.append("line_has=" + c)
    if span.isascii():
        words = span.replace(",", " ").split()
        f.append(f"nw={min(len(words), 4)}")
        if span.isupper():
            f.append("caps")
        m = _WORD_BEFORE.search(before)
        if m:
            f.append("pw=" + m.group(1).lower())
        m = _WORD_AFTER.search(after)
        if m:
            f.append("nw=" + m.group(1).lower())
    else:
        for ch in set(span):
            if _char_class(ch) in "KkhH":
                f.append("c=" + ch)
        f.append("fc=" + span[0])
        f.append("lc1=" + span[-1])
        m = _KANJI_BEFORE.search(before)
        if m:
            f.append("pk=" + m.group(1)[-2:])
        f.append("r3=" + after[:3])
    return f


def _clusters(cands: list[Candidate]) -> list[tuple[int, int, list[Candidate]]]:
    items = sorted((c for c in cands if c.category == Category.PERSON_NAME), key=lambda c: (c.start, -c.end))
    out: list[tuple[int, int, list[Candidate]]] = []
    for c in items:
        if out and c.start < out[-1][1]:
            s, e, mem = out[-1]
            mem.append(c)
            out[-1] = (s, max(e, c.end), mem)
        else:
            out.append((c.start, c.end, [c]))
    return out


def cluster_features(text: str, cands: list[Candidate]) -> list[tuple[int, int, list[Candidate], list[str]]]:
    """Each cluster of overlapping name proposals with its features (used for training too)."""
    clusters = _clusters(cands)
    if not clusters:
        return []
    # Other categories per line (an e-mail or a phone on the line of a name is telling).
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    cats_by_line: dict[int, set[str]] = {}
    for c in cands:
        if c.category != Category.PERSON_NAME and c.score >= 0.5:
            cats_by_line.setdefault(bisect_right(line_starts, c.start), set()).add(c.category.value)
    counts: dict[str, int] = {}
    for s, e, _m in clusters:
        counts[text[s:e]] = counts.get(text[s:e], 0) + 1
    out = []
    for s, e, mem in clusters:
        keys = [m.reason_key for m in mem]
        feats = features(text, s, e, keys, cats_by_line.get(bisect_right(line_starts, s), set()), counts[text[s:e]])
        out.append((s, e, mem, feats))
    return out


_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9@._-])(?:[A-Z][a-z]{1,15}|[A-Z]{2,15})(?![A-Za-z0-9@_-])")
_KATAKANA_WORD = re.compile(r"(?<![ァ-ヴー])[ァ-ヴ][ァ-ヴー]{1,10}(?:[・ ][ァ-ヴ][ァ-ヴー]{1,10})?(?![ァ-ヴー])")


def weak_candidates(text: str, cands: list[Candidate]) -> list[Candidate]:
    """Name-shaped words no rule accepted: person tokens of the dictionary, capitalised Latin
    words and katakana words outside every other finding (score 0.3, for the model to judge)."""
    from portal.risk.names import _is_person, _line_segments, _segment_tokens

    taken = sorted((c.start, c.end) for c in cands if c.score >= 0.3)
    starts = [s for s, _ in taken]

    def free(s: int, e: int) -> bool:
        i = bisect_left(starts, e)
        return not any(taken[k][1] > s for k in range(max(0, i - 8), i))

    out: list[Candidate] = []
    for ss, se in _line_segments(text):
        if se - ss > 8000:
            continue
        toks = _segment_tokens(text[ss:se])
        for b, e, surface, flags, _oov in toks:
            if _is_person((b, e, surface, flags, _oov)) and free(ss + b, ss + e):
                out.append(Candidate(Category.PERSON_NAME, ss + b, ss + e, 0.3, "name_weak_dictionary"))
    for m in _LATIN_WORD.finditer(text):
        if free(m.start(), m.end()):
            out.append(Candidate(Category.PERSON_NAME, m.start(), m.end(), 0.3, "name_weak_latin"))
    for m in _KATAKANA_WORD.finditer(text):
        if free(m.start(), m.end()):
            out.append(Candidate(Category.PERSON_NAME, m.start(), m.end(), 0.3, "name_weak_katakana"))
    return out


def collect(use_weak: bool):
    captured = {}
    original = scanner._candidates

    def capture(ntext, terms, enabled):
        cands = original(ntext, terms, enabled)
        captured["c"] = (ntext, list(cands))
        return cands

    scanner._candidates = capture
    X, y, groups, best, records = [], [], [], [], []
    try:
        for r in load_dir(DEV):
            text = r["text"]
            scanner.scan(text)
            ntext, cands = captured["c"]
            norm = normalize(text)
            extra = weak_candidates(ntext, cands) if use_weak else []
            gold = [("PERSON_NAME", s["start"], s["end"]) for s in r["spans"] if s["category"] == "PERSON_NAME"]
            rec = []
            for s, e, mem, feats in cluster_features(ntext, cands + extra):
                os_, oe = norm.to_original(s, e)
                g = next((i for i, gg in enumerate(gold) if _overlap_ok(("PERSON_NAME", os_, oe), gg)), None)
                X.append(feats)
                y.append(g is not None)
                groups.append(r["source"])
                best.append(max(m.score for m in mem))
                rec.append((len(X) - 1, g))
            records.append((len(gold), rec))
    finally:
        scanner._candidates = original
    return X, y, groups, best, records


def score(records, reported):
    tp = fp = fn = 0
    for n_gold, rec in records:
        hit = set()
        for idx, g in rec:
            if reported[idx]:
                if g is None or g in hit:
                    fp += 1
                else:
                    tp += 1
                    hit.add(g)
        fn += n_gold - len(hit)
    p, r = tp / (tp + fp), tp / (tp + fn)
    return p, r, 2 * p * r / (p + r)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weak", action="store_true", help="also propose name-shaped words no rule accepted")
    args = ap.parse_args()
    try:
        import numpy as np
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        sys.exit("needs scikit-learn: .venv/bin/pip install scikit-learn")
    X, y, groups, best, records = collect(args.weak)
    y, groups, best = np.array(y), np.array(groups), np.array(best)
    weak = best < 0.5
    print(f"clusters {len(X)}, of them weak {int(weak.sum())} (names among the weak: {int((y & weak).sum())})")
    p, r, f = score(records, best >= 0.5)
    print(f"shipped rules:                      names P {p:.3f} R {r:.3f} F1 {f:.3f}")
    for c in (0.3, 1.0, 3.0):
        probs = np.zeros(len(X))
        for author in sorted(set(groups)):
            train = groups != author
            dv = DictVectorizer()
            xt = dv.fit_transform([{k: 1 for k in X[i]} for i in np.where(train)[0]])
            model = LogisticRegression(C=c, max_iter=3000).fit(xt, y[train])
            test = np.where(~train)[0]
            probs[test] = model.predict_proba(dv.transform([{k: 1 for k in X[i]} for i in test]))[:, 1]
        for demote in (0.2, 0.3, 0.5):
            for promote in ((0.6, 0.8) if args.weak else (1.01,)):
                rep = ((best >= 0.5) & (probs >= demote)) | (weak & (probs >= promote))
                p, r, f = score(records, rep)
                extra = f", report weak at p >= {promote}" if args.weak else ""
                print(f"C={c}: demote at p < {demote}{extra}: names P {p:.3f} R {r:.3f} F1 {f:.3f}")


if __name__ == "__main__":
    main()
