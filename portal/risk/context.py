"""Context labels found in a character window around a candidate (not tokens).

Labels compete: for a number, the label closest to it decides what the number is
("注文番号: 123456789012" stays an order number even if "マイナンバー" appears a line above).
All regexes run on the normalised text only inside small windows, so they cost O(window).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right

# Each kind is one alternation; longer spellings first. Order of kinds matters only when two
# kinds match at the same position (the first one listed wins).
_LABEL_KINDS: list[tuple[str, str]] = [
    ("my_number", r"マイナンバー(?:カード)?|個人番号(?:カード)?|通知カード|my[\s_]?number"),
    ("residence", r"在留カード(?:番号)?|residence\s?card"),
    ("license", r"運転免許証?(?:の)?(?:番号)?|免許証(?:の)?(?:番号)?|免許番号|driver'?s?\s?licen[cs]e(?:\s?(?:no\.?|number|#))?|licen[cs]e\s?(?:no\.?|number|#)|dl\s?(?:no\.?|#)"),
    ("passport", r"パスポート(?:番号|no\.?)?|旅券(?:番号)?|passport(?:\s?(?:no\.?|number|#))?|ppt?(?:\s?no\.?)?|护照(?:号码)?|護照(?:號碼)?|여권(?:번호)?"),
    ("pension", r"基礎年金番号|年金番号|年金手帳|(?:basic\s)?pension\s?(?:no\.?|number|#)"),
    ("health", r"被保険者証(?:[ 　]?記号[・･]?番号)?|被保険者番号|被保番号|保険証(?:番号|の記号番号|の番号)?|記号[・･]?番号|health\s?insurance|insured\s?(?:no\.?|number|#)"),
    ("corporate", r"法人番号|corporate\s?number"),
    ("card", r"クレジットカード(?:番号)?|カード番号|デビットカード|credit\s?card|card\s?(?:no\.?|number|#)|カード"),
    ("bank", r"口座番号|口座|普通預金|当座預金|普通|当座|振込先|振り込み先|振込口座|ゆうちょ|account\s?(?:no\.?|number|#)|ordinary(?:\s(?:deposit|account))?|savings\saccount|checking\saccount|futsu|bank\s?account|a/c(?:\s?no\.?)?|acct\.?|n° de compte|numéro de compte|compte|konto(?:nummer)?|cuenta|clabe|account|deposit|계좌번호|계좌|số tài khoản|账号|帐号|帳號|银行账户"),
    ("phone", r"電話番号|電話|携帯番号|携帯|連絡先|内線|直通|代表番号|telephone|tel|phone|mobile|cell|fax|ファックス|FAX"),
    ("postal", r"郵便番号|〒|zip(?:[\s_]?code)?|postal[\s_]?code|postcode"),
    ("birth", r"生年月日|誕生日|生まれ|出生日?|d\.?o\.?b\.?|date[\s_]?of[\s_]?birth|birth[\s_]?date|birthday|born(?:\s?on)?|geburtsdatum|geboren(?:\s?am)?|date\sde\snaissance|n[ée]e?\sle|fecha\sde\snacimiento|data\sde\snascimento|ngày\ssinh|tanggal\slahir|出生日期|생년월일"),
    (
        "other_date",
        r"入社日?|退社日?|入会日?|日付|期限|締切|締め切り|納期|開催日?|予定日?|更新日?|作成日?|発行日?|有効期限|"
        r"申込日|契約日|実施日|提出日|登録日|納品日|支払日|出荷日|会議|打ち合わせ|リリース|"
        r"deadline|due|date(?!\s?of\s?birth)|issued|expires?|meeting|release[ds]?|updated|created|scheduled|"
        r"joined|joining|hired|start\s?date|since",
    ),
    (
        "other_id",
        r"雇用保険被保険者番号|雇用保険番号|注文番号|受注番号|発注番号|伝票番号|オーダー番号|管理番号|お問い合わせ番号|問い合わせ番号|問合せ番号|受付番号|"
        r"請求書番号|見積番号|契約番号|案件番号|品番|型番|製品番号|部品番号|製造番号|シリアル(?:番号|no\.?)?|"
        r"会員番号|社員番号|従業員番号|追跡番号|お荷物番号|チケット番号|予約番号|整理番号|口座振替番号|"
        r"kundennummer|customer\s?(?:id|no\.?|number)|client\s?id|member\s?(?:id|no\.?|number)|"
        r"order(?:\s?(?:id|no\.?|number|#))?|invoice(?:\s?(?:no\.?|number|#))?|ticket(?:\s?(?:id|no\.?|#))?|"
        r"serial(?:\s?(?:no\.?|number))?|part\s?(?:no\.?|number)|sku|isbn|tracking(?:\s?(?:no\.?|number))?|"
        r"job\s?id|request\s?id|trace\s?id|build|ref|reference|JANコード|JAN|EAN|id",
    ),
    ("version", r"バージョン|version|ver\.?|v(?=[0-9])"),
    ("address", r"住所|所在地|現住所|お届け先|送付先|本籍|address"),
]

_INTRODUCES_VALUE = re.compile(r" ?[:：=#]| ?[0-9]")
_LABEL_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _LABEL_KINDS), re.IGNORECASE)
# The same alternation lower-cased, run on text.lower(): a case-insensitive scan of a long text
# is several times slower than a case-sensitive one.
_KIND_RES_LOWER = [(k, re.compile(p.lower())) for k, p in _LABEL_KINDS]
_LABEL_RE_LOWER = re.compile("|".join(f"(?P<{k}>{p.lower()})" for k, p in _LABEL_KINDS))
_KIND_ORDER = {k: i for i, (k, _p) in enumerate(_LABEL_KINDS)}



def _ascii_boundary_ok(text: str, m: re.Match[str], offset: int) -> bool:
    """ASCII labels must not sit inside a longer word ("id" in "valid", "tel" in "hotel")."""
    s, e = offset + m.start(), offset + m.end()
    g = m.group()
    if g[0].isascii() and g[0].isalpha() and s > 0 and text[s - 1].isascii() and text[s - 1].isalpha():
        return False
    if g[-1].isascii() and g[-1].isalpha() and e < len(text) and text[e].isascii() and text[e].isalpha():
        return False
    return True


class LabelHit(tuple):
    __slots__ = ()

    @property
    def kind(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]

    @property
    def distance(self) -> int:
        return self[2]


class _LabelIndex:
    """Label occurrences of one text.

    Starts in window mode (each query scans only its own ~30-character window); once a text
    has asked for many labels (PII-dense input), every label is indexed in one pass per kind
    and queries become bisections."""

    __slots__ = ("text", "lower", "aligned", "ends", "items", "calls", "full")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self.aligned = len(self.lower) == len(text)
        self.calls = 0
        self.full = False
        self.ends: list[int] = []
        self.items: list[tuple[int, int, str, str]] = []

    def build(self) -> None:
        text, lower = self.text, self.lower
        raw: list[tuple[int, int, int, str]] = []  # (start, kind order, end, kind)
        if self.aligned:
            # One small case-sensitive pass per kind over the lower-cased text is several times
            # faster than one case-insensitive pass of the whole alternation.
            for order, (kind, rx) in enumerate(_KIND_RES_LOWER):
                for m in rx.finditer(lower):
                    if _ascii_boundary_ok(text, m, 0):
                        raw.append((m.start(), order, m.end(), kind))
        else:
            for m in _LABEL_RE.finditer(text):
                if _ascii_boundary_ok(text, m, 0):
                    raw.append((m.start(), _KIND_ORDER[m.lastgroup or ""], m.end(), m.lastgroup or ""))
        raw.sort()
        items = []
        last_end = -1
        for start, _order, end, kind in raw:  # leftmost wins, then the kind listed first
            if start < last_end:
                continue
            items.append((end, start, kind, text[start:end]))
            last_end = end
        items.sort()
        self.items = items
        self.ends = [it[0] for it in items]
        self.full = True

    def window(self, lo: int, hi: int) -> list[tuple[int, int, str, str]]:
        """Labels inside [lo, hi) as (end, start, kind, text), left to right."""
        if self.aligned:
            found = _LABEL_RE_LOWER.finditer(self.lower, lo, hi)
        else:
            found = _LABEL_RE.finditer(self.text, lo, hi)
        return [
            (m.end(), m.start(), m.lastgroup or "", self.text[m.start() : m.end()])
            for m in found
            if _ascii_boundary_ok(self.text, m, 0)
        ]


_local = threading.local()


def _index(text: str) -> _LabelIndex:
    idx = getattr(_local, "index", None)
    if idx is None or idx.text is not text:
        idx = _LabelIndex(text)
        _local.index = idx
    idx.calls += 1
    if not idx.full and idx.calls > 64 and idx.calls * 400 > len(text):
        idx.build()
    return idx


def nearest_label(
    text: str, start: int, end: int, before: int = 24, after: int = 8, kinds: frozenset[str] | None = None
) -> LabelHit | None:
    """The label closest to [start, end): searched ``before`` chars to the left and ``after``
    chars to the right. Left labels win ties. Returns (kind, label_text, distance) or None."""
    idx = _index(text)
    best: LabelHit | None = None
    lo = max(0, start - before)
    # A blank line separates records: do not reach across it.
    cut = text.rfind("\n\n", lo, start)
    if cut != -1:
        lo = cut + 2
    if idx.full:
        i = bisect_right(idx.ends, start) - 1
        while i >= 0:
            lend, lstart, kind, ltext = idx.items[i]
            if lend < lo:
                break
            if lstart >= lo and (kinds is None or kind in kinds):
                best = LabelHit((kind, ltext, start - lend))
                break
            i -= 1
    else:
        for lend, lstart, kind, ltext in reversed(idx.window(lo, start)):
            if kinds is None or kind in kinds:
                best = LabelHit((kind, ltext, start - lend))
                break
    if after > 0:
        stop = min(len(text), end + after)
        nl = text.find("\n", end, stop)
        if nl != -1:
            stop = nl
        if idx.full:
            j = bisect_right(idx.ends, end)
            right = []
            while j < len(idx.items) and idx.items[j][1] < stop:
                if idx.items[j][1] >= end and idx.items[j][0] <= stop:
                    right.append(idx.items[j])
                j += 1
        else:
            right = idx.window(end, stop)
        for lend, lstart, kind, ltext in right:
            if lstart > end + 2:
                break
            if kinds is None or kind in kinds:
                # A label on the right counts only when it is attached to this value
                # ("1234567（口座番号）"), not when it introduces the next one ("、注文番号：...").
                if not _INTRODUCES_VALUE.match(text, lend):
                    dist = lstart - end + 1  # a right label loses ties against a left one
                    if best is None or dist < best.distance:
                        best = LabelHit((kind, ltext, dist))
                break
    return best


def has_label(text: str, start: int, end: int, kind: str, before: int = 24, after: int = 8) -> LabelHit | None:
    hit = nearest_label(text, start, end, before, after, frozenset({kind}))
    return hit
