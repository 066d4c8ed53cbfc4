"""Context labels found in a character window around a candidate (not tokens).

Labels compete: for a number, the label closest to it decides what the number is
("注文番号: 123456789012" stays an order number even if "マイナンバー" appears a line above).
All regexes run on the normalised text only inside small windows, so they cost O(window).
"""

from __future__ import annotations

import re

# Each kind is one alternation; longer spellings first. Order of kinds matters only when two
# kinds match at the same position (the first one listed wins).
_LABEL_KINDS: list[tuple[str, str]] = [
    ("my_number", r"マイナンバー(?:カード)?|個人番号(?:カード)?|通知カード|my\s?number"),
    ("residence", r"在留カード(?:番号)?|residence\s?card"),
    ("license", r"運転免許証?(?:の)?(?:番号)?|免許証(?:の)?(?:番号)?|免許番号|driver'?s?\s?licen[cs]e(?:\s?(?:no\.?|number|#))?|licen[cs]e\s?(?:no\.?|number|#)"),
    ("passport", r"パスポート(?:番号|no\.?)?|旅券(?:番号)?|passport(?:\s?(?:no\.?|number|#))?"),
    ("pension", r"基礎年金番号|年金番号|年金手帳"),
    ("health", r"被保険者証|被保険者番号|保険者番号|保険証(?:番号|の記号番号|の番号)?|health\s?insurance"),
    ("corporate", r"法人番号|corporate\s?number"),
    ("card", r"クレジットカード(?:番号)?|カード番号|デビットカード|credit\s?card|card\s?(?:no\.?|number|#)|カード"),
    ("bank", r"口座番号|口座|普通預金|当座預金|普通|当座|振込先|振り込み先|振込口座|ゆうちょ|account\s?(?:no\.?|number|#)|bank\s?account|a/c"),
    ("phone", r"電話番号|電話|携帯番号|携帯|連絡先|内線|直通|代表番号|telephone|tel|phone|mobile|cell|fax|ファックス|FAX"),
    ("postal", r"郵便番号|〒|zip(?:\s?code)?|postal\s?code|postcode"),
    ("birth", r"生年月日|誕生日|生まれ|出生日?|d\.?o\.?b\.?|date\s?of\s?birth|birth\s?date|birthday|born(?:\s?on)?"),
    (
        "other_date",
        r"入社日?|退社日?|入会日?|日付|期限|締切|締め切り|納期|開催日?|予定日?|更新日?|作成日?|発行日?|有効期限|"
        r"申込日|契約日|実施日|提出日|登録日|納品日|支払日|出荷日|会議|打ち合わせ|リリース|"
        r"deadline|due|date(?!\s?of\s?birth)|issued|expires?|meeting|release[ds]?|updated|created|scheduled|"
        r"joined|joining|hired|start\s?date|since",
    ),
    (
        "other_id",
        r"注文番号|受注番号|発注番号|伝票番号|オーダー番号|管理番号|お問い合わせ番号|問い合わせ番号|問合せ番号|受付番号|"
        r"請求書番号|見積番号|契約番号|案件番号|品番|型番|製品番号|部品番号|製造番号|シリアル(?:番号|no\.?)?|"
        r"会員番号|社員番号|従業員番号|追跡番号|お荷物番号|チケット番号|予約番号|整理番号|口座振替番号|"
        r"order(?:\s?(?:id|no\.?|number|#))?|invoice(?:\s?(?:no\.?|number|#))?|ticket(?:\s?(?:id|no\.?|#))?|"
        r"serial(?:\s?(?:no\.?|number))?|part\s?(?:no\.?|number)|sku|isbn|tracking(?:\s?(?:no\.?|number))?|"
        r"job\s?id|request\s?id|trace\s?id|build|ref|reference|JANコード|JAN|EAN|id",
    ),
    ("version", r"バージョン|version|ver\.?|v(?=[0-9])"),
    ("address", r"住所|所在地|現住所|お届け先|送付先|本籍|address"),
]

_INTRODUCES_VALUE = re.compile(r" ?[:：=#]| ?[0-9]")
_LABEL_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _LABEL_KINDS), re.IGNORECASE)



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


def nearest_label(
    text: str, start: int, end: int, before: int = 24, after: int = 8, kinds: frozenset[str] | None = None
) -> LabelHit | None:
    """The label closest to [start, end): searched ``before`` chars to the left and ``after``
    chars to the right. Left labels win ties. Returns (kind, label_text, distance) or None."""
    best: LabelHit | None = None
    lo = max(0, start - before)
    left = text[lo:start]
    # A blank line separates records: do not reach across it.
    cut = left.rfind("\n\n")
    if cut != -1:
        left = left[cut + 2 :]
        lo = start - len(left)
    for m in _LABEL_RE.finditer(left):
        kind = m.lastgroup or ""
        if kinds is not None and kind not in kinds:
            continue
        if not _ascii_boundary_ok(text, m, lo):
            continue
        dist = start - (lo + m.end())
        if best is None or dist <= best.distance:
            best = LabelHit((kind, m.group(), dist))
    if after > 0:
        right = text[end : end + after]
        nl = right.find("\n")
        if nl != -1:
            right = right[:nl]
        for m in _LABEL_RE.finditer(right):
            kind = m.lastgroup or ""
            if kinds is not None and kind not in kinds:
                continue
            if not _ascii_boundary_ok(text, m, end):
                continue
            # A label on the right counts only when it is attached to this value
            # ("1234567（口座番号）"), not when it introduces the next one ("、注文番号：...").
            if m.start() > 2 or _INTRODUCES_VALUE.match(right, m.end()):
                break
            dist = m.start() + 1  # a right label loses ties against a left one
            if best is None or dist < best.distance:
                best = LabelHit((kind, m.group(), dist))
            break
    return best


def has_label(text: str, start: int, end: int, kind: str, before: int = 24, after: int = 8) -> LabelHit | None:
    hit = nearest_label(text, start, end, before, after, frozenset({kind}))
    return hit
