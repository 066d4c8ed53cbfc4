"""Masking operators. ``mask(text, findings, operator)`` returns the text to send."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from portal.i18n import t
from portal.risk.findings import Category, Finding
from portal.risk.policy import MaskOperator

REDACTED = "■■■"
_DIGIT_OR_LETTER = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]")
_DIGIT = re.compile(r"[0-9０-９]")
_SEP = re.compile(r"[\s\-‐‑‒–—―−ー－()（）]+")


def category_label(category: Category, lang: str | None = None) -> str:
    """〈電話番号〉 style label."""
    return t("risk.mask.label", lang, name=t(f"risk.category.{category.value}", lang))


def _letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA ..."""
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _value_key(f: Finding) -> tuple[str, str]:
    v = unicodedata.normalize("NFKC", f.text).casefold()
    if f.category in (Category.PHONE, Category.CREDIT_CARD, Category.MY_NUMBER, Category.BANK_ACCOUNT):
        v = re.sub(r"[^0-9a-z]", "", v)
    else:
        v = re.sub(r"\s+", "", v)
    return f.category.value, v


def _partial(f: Finding) -> str:
    s = f.text
    cat = f.category
    if cat == Category.EMAIL and "@" in s:
        local, domain = s.split("@", 1)
        head = local[0] if len(local) >= 3 else ""
        return head + "*" * max(3, len(local) - len(head)) + "@" + domain
    if cat == Category.PHONE:
        parts = _SEP.split(s)
        if len(parts) >= 3:
            # Keep the first and the last group, mask the middle ones.
            out, n_groups, gi = [], len([p for p in parts if p]), 0
            for piece in re.split(r"([\s\-‐‑‒–—―−ー－()（）]+)", s):
                if not piece or _SEP.fullmatch(piece):
                    out.append(piece)
                    continue
                gi += 1
                out.append(piece if gi in (1, n_groups) else _DIGIT.sub("*", piece))
            return "".join(out)
        digits = [i for i, ch in enumerate(s) if _DIGIT.match(ch)]
        keep = set(digits[:3]) | set(digits[-4:])
        return "".join(ch if (i in keep or not _DIGIT.match(ch)) else "*" for i, ch in enumerate(s))
    if cat == Category.CREDIT_CARD:
        digits = [i for i, ch in enumerate(s) if _DIGIT.match(ch)]
        keep = set(digits[-4:])
        return "".join(ch if (i in keep or not _DIGIT.match(ch)) else "*" for i, ch in enumerate(s))
    if cat == Category.PERSON_NAME:
        if len(s) <= 1:
            return "*"
        return s[0] + "".join(" " if ch.isspace() else "*" for ch in s[1:])
    if cat == Category.ADDRESS:
        from portal.risk.detectors import PREFECTURES

        pref = next((p for p in PREFECTURES if s.startswith(p)), "")
        return pref + "*" * max(3, len(s) - len(pref))
    if cat == Category.DATE_OF_BIRTH:
        m = re.search(r"[0-9０-９]{4}", s)
        keep = set(range(m.start(), m.end())) if m else set()
        return "".join(ch if (i in keep or not _DIGIT.match(ch)) else "*" for i, ch in enumerate(s))
    if cat == Category.IP_ADDRESS:
        parts = re.split(r"([.:])", s)
        return parts[0] + "".join(p if p in ".:" else ("*" if p else "") for p in parts[1:])
    if cat == Category.POSTAL_CODE:
        digits = [i for i, ch in enumerate(s) if _DIGIT.match(ch)]
        keep = set(digits[:3])
        return "".join(ch if (i in keep or not _DIGIT.match(ch)) else "*" for i, ch in enumerate(s))
    if cat == Category.SECRET:
        return (s[:4] if len(s) > 12 else "") + "****"
    if cat == Category.CONFIDENTIAL:
        return category_label(cat)
    # Identity numbers: keep the shape (separators), hide every digit and letter.
    masked = _DIGIT_OR_LETTER.sub("*", s)
    return masked if masked != s else "*" * len(s)


def mask(
    text: str,
    findings: Iterable[Finding],
    operator: MaskOperator | str = MaskOperator.LABEL,
    lang: str | None = None,
) -> str:
    """Replace every given finding in ``text``. Overlapping findings are merged (the first one's
    category is used). Pseudonyms are consistent within this call: the same value gets the
    same pseudonym (人物A), different values get different ones (人物B)."""
    operator = MaskOperator(operator)
    spans = sorted(findings, key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for f in spans:
        if not (0 <= f.start < f.end <= len(text)) or text[f.start : f.end] != f.text:
            raise ValueError(t("risk.error.stale_finding"))
        if merged and f.start < merged[-1].end:
            prev = merged[-1]
            if f.end > prev.end:
                merged[-1] = Finding(prev.category, prev.start, f.end, text[prev.start : f.end], prev.severity,
                                     prev.score, prev.reason, prev.method)
            continue
        merged.append(f)
    pseudonyms: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    out: list[str] = []
    pos = 0
    for f in merged:
        out.append(text[pos : f.start])
        if operator is MaskOperator.LABEL:
            rep = category_label(f.category, lang)
        elif operator is MaskOperator.REDACT:
            rep = REDACTED
        elif operator is MaskOperator.PARTIAL:
            rep = _partial(f)
        else:
            key = _value_key(f)
            rep = pseudonyms.get(key)
            if rep is None:
                n = counters.get(f.category.value, 0)
                counters[f.category.value] = n + 1
                rep = t(f"risk.pseudonym.{f.category.value}", lang) + _letters(n)
                pseudonyms[key] = rep
        out.append(rep)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
