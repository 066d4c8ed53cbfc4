"""Hand-written labelled prompts in a plain-text format (``tests/data/risk_fresh``).

A file holds records; each record starts with a header line ``### id=<id> lang=<ja|en|mixed>``
(more ``key=value`` pairs may follow) and runs to the next header. Sensitive values are marked
inline as ``[[CATEGORY:value]]``; the markup is removed and the span recorded in the offsets of
the clean text. Authors write numbers by hand, so check digits are repaired on load for
``MY_NUMBER`` (mod 11), ``CREDIT_CARD`` (Luhn) and ``CORPORATE_NUMBER`` (leading check digit):
a real user pastes valid numbers, and an invalid one would only measure the author's arithmetic.

``python -m portal.risk.marked FILE...`` checks files and prints their counts.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from portal.risk.findings import Category
from portal.risk.validators import corporate_number_check_digit, luhn_complete, my_number_check_digit

_HEADER = re.compile(r"^### (.*)$")
_MARK = re.compile(r"\[\[([A-Z_]+):(.+?)\]\]", re.DOTALL)
_CATEGORIES = {c.value for c in Category}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


class MarkupError(ValueError):
    pass


def _digit_positions(value: str) -> list[int]:
    return [i for i, ch in enumerate(value) if ch.isdigit() and unicodedata.digit(ch, None) is not None]


def _set_digit(value: str, pos: int, digit: int) -> str:
    ch = value[pos]
    new = chr(ord("０") + digit) if "０" <= ch <= "９" else str(digit)
    return value[:pos] + new + value[pos + 1 :]


def repair(category: str, value: str) -> str:
    pos = _digit_positions(value)
    digits = "".join(str(unicodedata.digit(value[i])) for i in pos)
    if category == "MY_NUMBER" and len(digits) == 12:
        return _set_digit(value, pos[-1], my_number_check_digit(digits[:11]))
    if category == "CREDIT_CARD" and 13 <= len(digits) <= 19:
        return _set_digit(value, pos[-1], int(luhn_complete(digits[:-1])[-1]))
    if category == "BANK_ACCOUNT" and _IBAN_SHAPE.fullmatch(value.replace(" ", "")):
        compact = value.replace(" ", "").upper()
        rearranged = compact[4:] + compact[:2] + "00"
        check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
        i = value.index(compact[2])
        return value[:i] + f"{check:02d}" + value[i + 2 :]
    if category == "CORPORATE_NUMBER" and len(digits) == 13:
        return _set_digit(value, pos[0], corporate_number_check_digit(digits[1:]))
    return value


def parse_record(raw: str, where: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    spans: list[dict] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(raw):
        cat, value = m.group(1), m.group(2)
        if cat not in _CATEGORIES:
            raise MarkupError(f"{where}: unknown category {cat!r}")
        before = raw[pos : m.start()]
        out.append(before)
        length += len(before)
        value = repair(cat, value)
        spans.append({"category": cat, "start": length, "end": length + len(value)})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(raw[pos:])
    text = "".join(out)
    if re.search(r"\[\[[A-Z_]+:", text):
        raise MarkupError(f"{where}: unclosed [[CATEGORY: mark")
    return text, spans


def load_marked(path: str | Path) -> list[dict]:
    path = Path(path)
    records: list[dict] = []
    header: dict | None = None
    lines: list[str] = []
    lineno = 0

    def flush() -> None:
        if header is None:
            return
        raw = "\n".join(lines).strip("\n")
        where = f"{path.name}:{header['_line']} ({header.get('id', '?')})"
        if not raw.strip():
            raise MarkupError(f"{where}: empty record")
        text, spans = parse_record(raw, where)
        rec = {k: v for k, v in header.items() if k != "_line"}
        rec.update(text=text, spans=spans, source=path.stem)
        records.append(rec)

    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            flush()
            header = {"_line": lineno}
            for part in m.group(1).split():
                if "=" not in part:
                    raise MarkupError(f"{path.name}:{lineno}: header part {part!r} is not key=value")
                k, v = part.split("=", 1)
                header[k] = v
            if "id" not in header or header.get("lang") not in {"ja", "en", "mixed"}:
                raise MarkupError(f"{path.name}:{lineno}: header needs id=... and lang=ja|en|mixed")
            lines = []
        elif header is None:
            if line.strip() and not line.startswith("#"):
                raise MarkupError(f"{path.name}:{lineno}: text before the first ### header")
        else:
            lines.append(line)
    flush()
    ids = Counter(r["id"] for r in records)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        raise MarkupError(f"{path.name}: duplicate ids {dup[:5]}")
    return records


def load_dir(folder: str | Path) -> list[dict]:
    records: list[dict] = []
    for p in sorted(Path(folder).glob("*.txt")):
        records.extend(load_marked(p))
    return records


def _check(paths: list[str]) -> int:
    import phonenumbers

    status = 0
    for p in paths:
        try:
            recs = load_marked(p)
        except MarkupError as exc:
            print(f"ERROR {exc}")
            status = 1
            continue
        cats = Counter(s["category"] for r in recs for s in r["spans"])
        neg = sum(1 for r in recs if not r["spans"])
        langs = Counter(r["lang"] for r in recs)
        print(f"{p}: {len(recs)} records, {neg} without spans ({neg / max(1, len(recs)):.0%}), langs {dict(langs)}")
        print("  spans:", dict(sorted(cats.items())))
        for r in recs:
            for s in r["spans"]:
                if s["category"] == "PHONE":
                    value = r["text"][s["start"] : s["end"]]
                    ok = False
                    for region in ("JP", "US", "GB", "CN", "KR", "TW", "SG", "AU", "DE", "FR"):
                        try:
                            if phonenumbers.is_possible_number(phonenumbers.parse(value, region)):
                                ok = True
                                break
                        except phonenumbers.NumberParseException:
                            pass
                    if not ok:
                        print(f"  warning {r['id']}: phone {value!r} is not a possible number in any region")
    return status


if __name__ == "__main__":  # pragma: no cover - authoring aid
    sys.exit(_check(sys.argv[1:]))
