"""Pattern detectors. All run on the NORMALISED text and yield :class:`Candidate` spans in
normalised offsets; :mod:`portal.risk.scanner` maps them back and resolves overlaps.

Rules for every regex here:
- digit and letter boundaries are explicit look-arounds (``(?<![0-9])``), never ``\\b``
  (``\\b`` treats kana as word characters, so "番号4111..." would not match);
- every repetition is bounded or anchored by a look-behind that stops a match from starting
  inside a run, so scan time stays linear on adversarial input.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from portal.risk import validators as v
from portal.risk.context import nearest_label
from portal.risk.models import Category


@dataclass(slots=True)
class Candidate:
    category: Category
    start: int
    end: int
    score: float
    reason_key: str
    params: dict[str, object] = field(default_factory=dict)


C = Category

# --------------------------------------------------------------------------------------------
# Numbers: one pass finds digit groups joined by single spaces or hyphens; each candidate is
# then classified by its digit count, grouping and the nearest label.
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![0-9A-Za-z_+@./])(?<![0-9][.,])"
    r"[0-9]+(?:[ -][0-9]+){0,7}"
    r"(?![0-9A-Za-z_@])(?![.,:/][0-9])(?!-[0-9])"
)

_PHONE = re.compile(
    r"(?<![0-9A-Za-z_+@./])"
    r"(?:\+81[ -]?(?:\(0\)[ -]?)?[1-9][0-9]{0,3}|\(0[0-9]{1,4}\)|0[0-9]{1,4})"
    r"(?:[ -]|\)[ ]?|\(|(?=[0-9]))"
    r"[0-9]{1,4}\)?[ -]?[0-9]{3,4}"
    r"(?![0-9A-Za-z_@])(?!-[0-9])(?![.,][0-9])"
)

# Test numbers published by card brands and payment processors.
_TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556", "5555555555554444",
    "5105105105105100", "2223003122003222", "378282246310005", "371449635398431", "3530111333300000",
    "3566002020360505", "30569309025904", "38520000023237", "6011111111111117", "6011000990139424",
}
_CARD_GROUPINGS = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 2), (4, 4, 4, 3), (4, 4, 4, 1), (4, 4, 4, 4, 3),
                   (4, 4, 4, 4, 1), (4, 4, 4, 4, 2), (4, 4, 5)}


def _groups(s: str) -> list[str]:
    return re.split(r"[ -]", s)


def number_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _NUMBER.finditer(text):
        s, e = m.start(), m.end()
        raw = m.group()
        cands = _classify_number(text, s, e, raw)
        if not cands and " " in raw:
            # Spaces may have joined unrelated numbers: classify each space-separated part.
            pos = s
            for part in raw.split(" "):
                if part:
                    out.extend(_classify_number(text, pos, pos + len(part), part))
                pos += len(part) + 1
        out.extend(cands)
    return out


def _label_params(hit) -> dict[str, object]:
    return {"label": hit.text}


def _classify_number(text: str, s: int, e: int, raw: str) -> list[Candidate]:
    groups = _groups(raw)
    lens = tuple(len(g) for g in groups)
    digits = "".join(groups)
    n = len(digits)
    seps = {ch for ch in raw if ch in " -"}
    if len(seps) > 1:
        return []
    hit = nearest_label(text, s, e)
    kind = hit.kind if hit else None
    out: list[Candidate] = []

    # 12 digits: My Number / driver's licence.
    if n == 12 and (len(groups) == 1 or lens == (4, 4, 4)):
        valid = v.is_valid_my_number(digits)
        if kind == "my_number":
            if valid:
                out.append(Candidate(C.MY_NUMBER, s, e, 0.97, "my_number_label_checksum", _label_params(hit)))
            else:
                out.append(Candidate(C.MY_NUMBER, s, e, 0.6, "my_number_label_only", _label_params(hit)))
        elif kind == "license" and len(groups) == 1:
            out.append(Candidate(C.DRIVERS_LICENSE, s, e, 0.93, "license_label", _label_params(hit)))
        elif valid and kind not in ("other_id", "card", "bank", "phone", "version", "passport", "health", "pension"):
            out.append(Candidate(C.MY_NUMBER, s, e, 0.35, "my_number_possible"))
        return out

    # 13 digits: corporate number (public information) or a card.
    if n == 13 and len(groups) == 1 and v.is_valid_corporate_number(digits) and kind != "card":
        score = 0.9 if kind == "corporate" else 0.4
        out.append(Candidate(C.CORPORATE_NUMBER, s, e, score, "corporate_number"))
        return out

    # Payment cards: 13-19 digits, contiguous or in the usual groupings.
    if 13 <= n <= 19 and (len(groups) == 1 or lens in _CARD_GROUPINGS):
        brand = v.card_brand(digits)
        if brand and v.luhn_ok(digits):
            score = 0.98 if kind == "card" else 0.93
            key = "card_valid"
            if kind in ("other_id",) and len(groups) == 1:
                score = 0.45
            if digits in _TEST_CARDS:
                score, key = 0.45, "card_test"
            out.append(Candidate(C.CREDIT_CARD, s, e, score, key, {"brand": brand}))
        elif kind == "card":
            out.append(Candidate(C.CREDIT_CARD, s, e, 0.55, "card_label_invalid", _label_params(hit)))
        return out

    if kind == "postal" and (lens == (3, 4) and seps == {"-"} or (n == 7 and len(groups) == 1)):
        mark = hit.text == "〒" and hit.distance <= 1
        out.append(Candidate(C.POSTAL_CODE, s, e, 0.96 if mark else 0.9, "postal_mark" if mark else "postal_label"))
        return out

    if kind == "bank":
        if n == 7 and len(groups) == 1:
            out.append(Candidate(C.BANK_ACCOUNT, s, e, 0.9, "bank_label", _label_params(hit)))
            return out
        if lens in ((3, 7), (4, 3, 7)) or (lens[0] == 5 and len(groups) == 2 and 1 <= lens[1] <= 8) or (
            len(lens) == 3 and lens[0] == 5 and lens[1] == 1):
            out.append(Candidate(C.BANK_ACCOUNT, s, e, 0.88, "bank_label", _label_params(hit)))
            return out

    if kind == "pension" and (lens == (4, 6) or (n == 10 and len(groups) == 1)):
        out.append(Candidate(C.PENSION_NUMBER, s, e, 0.92, "pension_label", _label_params(hit)))
        return out

    if kind == "health" and 4 <= n <= 10 and len(groups) <= 2:
        out.append(Candidate(C.HEALTH_INSURANCE, s, e, 0.85, "health_label", _label_params(hit)))
        return out

    if kind == "license" and n == 12:
        out.append(Candidate(C.DRIVERS_LICENSE, s, e, 0.9, "license_label", _label_params(hit)))
        return out

    # Postal code shape without a label: only when an address follows.
    if lens == (3, 4) and seps == {"-"}:
        follow = text[e : e + 6]
        if _PREF_START.match(follow.lstrip()):
            out.append(Candidate(C.POSTAL_CODE, s, e, 0.8, "postal_address"))
        elif kind in (None, "address"):
            out.append(Candidate(C.POSTAL_CODE, s, e, 0.3, "postal_possible"))
    return out


# Textbook placeholders such as 03-1234-5678 or 090-0000-0000.
_DUMMY_PHONE = re.compile(r"12345678$|(?:0000|1111|9999)[0-9]{0,4}$|00000")


def phone_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _PHONE.finditer(text):
        raw = m.group()
        digits = v.digits_only(raw)
        intl = raw.startswith("+")
        national = ("0" + digits[2:]) if intl else digits
        if not (10 <= len(national) <= 11):
            continue
        kind = v.jp_phone_kind(raw)
        if kind is None:
            continue
        s, e = m.start(), m.end()
        hit = nearest_label(text, s, e)
        lk = hit.kind if hit else None
        separated = any(c in raw for c in " -()") or intl
        if lk in ("other_id", "my_number", "card", "bank", "license", "passport", "pension", "health", "postal"):
            if not separated:
                continue
            score, key = 0.5, "phone_valid"
        elif kind in ("toll_free", "premium", "uan"):
            score, key = 0.45, "phone_business"
        elif _DUMMY_PHONE.search(digits):
            score, key = 0.45, "phone_dummy"
        elif lk == "phone":
            score, key = 0.96, "phone_valid_label"
        elif separated:
            score, key = 0.9, "phone_valid"
        else:
            score, key = 0.7, "phone_contiguous"
        params: dict[str, object] = {"kind": kind}
        if hit is not None and lk == "phone":
            params["label"] = hit.text
        out.append(Candidate(C.PHONE, s, e, score, key, params))
    return out


# --------------------------------------------------------------------------------------------
# E-mail, IP addresses, identifiers with letters
# --------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9\-])"
)
_ROLE_LOCAL = {"info", "support", "sales", "contact", "noreply", "no-reply", "admin", "help", "webmaster", "press",
               "pr", "hr", "recruit", "jobs", "service", "office", "postmaster", "security", "abuse"}


def email_candidates(text: str) -> list[Candidate]:
    out = []
    if "@" not in text:
        return out
    for m in _EMAIL.finditer(text):
        local = m.group().split("@", 1)[0].lower()
        if local.strip(".") != local or ".." in local:
            continue
        if local in _ROLE_LOCAL:
            out.append(Candidate(C.EMAIL, m.start(), m.end(), 0.6, "email_role"))
        else:
            out.append(Candidate(C.EMAIL, m.start(), m.end(), 0.97, "email"))
    return out


_IPV4 = re.compile(r"(?<![0-9A-Za-z.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:/[0-9]{1,2})?(?![0-9]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:.])(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){7})(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])"
)


_WELL_KNOWN_IPS = {"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222"}
_VERSION_AFTER = re.compile(r" ?(?:という|の)?(?:バージョン|版|version)", re.IGNORECASE)


def ip_candidates(text: str) -> list[Candidate]:
    out = []
    if "." in text:
        for m in _IPV4.finditer(text):
            addr = m.group().split("/", 1)[0]
            kind = v.ip_kind(addr)
            if kind is None:
                continue
            s, e = m.start(), m.end()
            hit = nearest_label(text, s, e, before=12, after=0, kinds=frozenset({"version"}))
            if hit is not None and hit.distance <= 2:
                continue
            if _VERSION_AFTER.match(text, e) or text[max(0, s - 2) : s] == "==":
                continue
            score, key = {"public": (0.9, "ip_public"), "private": (0.8, "ip_private"), "local": (0.3, "ip_local")}[kind]
            if addr in _WELL_KNOWN_IPS:
                score, key = 0.3, "ip_well_known"
            out.append(Candidate(C.IP_ADDRESS, s, e, score, key))
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            kind = v.ip_kind(m.group())
            if kind is None:
                continue
            score, key = {"public": (0.9, "ip_public"), "private": (0.8, "ip_private"), "local": (0.3, "ip_local")}[kind]
            out.append(Candidate(C.IP_ADDRESS, m.start(), m.end(), score, key))
    return out


_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{7}(?![A-Za-z0-9])")
_RESIDENCE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{8}[A-Z]{2}(?![A-Za-z0-9])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])")


def id_candidates(text: str) -> list[Candidate]:
    out = []
    for m in _PASSPORT.finditer(text):
        s, e = m.start(), m.end()
        hit = nearest_label(text, s, e)
        if hit is not None and hit.kind == "passport":
            out.append(Candidate(C.PASSPORT, s, e, 0.95, "passport_label", _label_params(hit)))
        elif hit is None:
            out.append(Candidate(C.PASSPORT, s, e, 0.3, "passport_possible"))
    for m in _RESIDENCE.finditer(text):
        s, e = m.start(), m.end()
        hit = nearest_label(text, s, e)
        score = 0.97 if hit is not None and hit.kind == "residence" else 0.85
        out.append(Candidate(C.RESIDENCE_CARD, s, e, score, "residence_card"))
    for m in _IBAN.finditer(text):
        if v.iban_ok(m.group()):
            out.append(Candidate(C.BANK_ACCOUNT, m.start(), m.end(), 0.95, "iban"))
    return out


# --------------------------------------------------------------------------------------------
# Birth dates: a real calendar date (Gregorian, Japanese era or English) with a birth label.
# --------------------------------------------------------------------------------------------

_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in names}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"

_DATE = re.compile(
    r"(?P<g>(?<![0-9])(?P<gy>1[89][0-9]{2}|20[0-9]{2}) ?(?P<s1>[年/.\-]) ?(?P<gm>[0-9]{1,2}) ?(?P<s2>[月/.\-]) ?(?P<gd>[0-9]{1,2})(?: ?日)?(?![0-9]))"
    r"|(?P<j>(?P<era>明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHR]\.?) ?(?P<jy>[0-9]{1,2}|元) ?[年/.\-] ?(?P<jm>[0-9]{1,2}) ?[月/.\-] ?(?P<jd>[0-9]{1,2})(?: ?日)?(?![0-9]))"
    r"|(?P<e1>(?<![A-Za-z])(?P<e1m>" + _MONTH_RE + r")\.? (?P<e1d>[0-9]{1,2})(?:st|nd|rd|th)?,? (?P<e1y>1[89][0-9]{2}|20[0-9]{2})(?![0-9]))"
    r"|(?P<e2>(?<![0-9])(?P<e2d>[0-9]{1,2})(?:st|nd|rd|th)? (?P<e2m>" + _MONTH_RE + r")\.?,? (?P<e2y>1[89][0-9]{2}|20[0-9]{2})(?![0-9]))"
    r"|(?P<u>(?<![0-9/])(?P<ua>[0-9]{1,2})/(?P<ub>[0-9]{1,2})/(?P<uy>1[89][0-9]{2}|20[0-9]{2})(?![0-9/]))",
    re.IGNORECASE,
)


def _parse_date(m: re.Match[str]) -> _dt.date | None:
    if m.group("g"):
        if m.group("s1") == "年" and m.group("s2") != "月":
            return None
        return v.real_date(int(m.group("gy")), int(m.group("gm")), int(m.group("gd")))
    if m.group("j"):
        era = m.group("era").rstrip(".")
        jy = m.group("jy")
        return v.era_to_date(era, 1 if jy == "元" else int(jy), int(m.group("jm")), int(m.group("jd")))
    if m.group("e1"):
        return v.real_date(int(m.group("e1y")), _MONTHS[m.group("e1m").lower()[:3]], int(m.group("e1d")))
    if m.group("e2"):
        return v.real_date(int(m.group("e2y")), _MONTHS[m.group("e2m").lower()[:3]], int(m.group("e2d")))
    if m.group("u"):
        a, b, y = int(m.group("ua")), int(m.group("ub")), int(m.group("uy"))
        return v.real_date(y, a, b) or v.real_date(y, b, a)
    return None


_BIRTH_AFTER = re.compile(r"^ ?(?:生まれ|生|出生|誕生)")


def dob_candidates(text: str, today: _dt.date | None = None) -> list[Candidate]:
    out = []
    for m in _DATE.finditer(text):
        s, e = m.start(), m.end()
        d = _parse_date(m)
        if d is None or not v.plausible_birth_date(d, today):
            continue
        label = None
        if _BIRTH_AFTER.match(text[e : e + 4]):
            label = "生まれ"
        else:
            hit = nearest_label(text, s, e, before=30, after=0)
            # The label belongs to this date only if no other date sits between them.
            if hit is not None and hit.kind == "birth" and not _DATE.search(text, s - hit.distance, s):
                label = hit.text
        if label is None:
            continue
        out.append(Candidate(C.DATE_OF_BIRTH, s, e, 0.95, "dob_label", {"label": label}))
    return out


# --------------------------------------------------------------------------------------------
# Japanese addresses: anchored on the block number, extended left to a prefecture or a
# municipality inside the same run of address characters.
# --------------------------------------------------------------------------------------------

PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 "
    "石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 "
    "岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()
_PREF_ALT = "|".join(sorted(PREFECTURES, key=len, reverse=True))
_PREF_RE = re.compile(_PREF_ALT)
_PREF_START = re.compile(_PREF_ALT)

_MUNI_NAMES = (
    "千代田 中央 港 新宿 文京 台東 墨田 江東 品川 目黒 大田 世田谷 渋谷 中野 杉並 豊島 北 荒川 板橋 練馬 足立 葛飾 江戸川 "
    "札幌 仙台 さいたま 千葉 横浜 川崎 相模原 新潟 静岡 浜松 名古屋 京都 大阪 堺 神戸 岡山 広島 北九州 福岡 熊本 "
    "八王子 立川 武蔵野 三鷹 府中 調布 町田 小金井 国分寺 船橋 柏 松戸 市川 川口 越谷 所沢 藤沢 横須賀 鎌倉 厚木 "
    "宇都宮 前橋 高崎 水戸 つくば 金沢 富山 福井 甲府 長野 松本 岐阜 豊田 岡崎 一宮 津 四日市 大津 奈良 和歌山 姫路 "
    "西宮 尼崎 明石 豊中 吹田 高槻 枚方 東大阪 鳥取 松江 山口 下関 徳島 高松 松山 高知 久留米 佐賀 長崎 大分 宮崎 "
    "鹿児島 那覇 青森 盛岡 秋田 山形 郡山 いわき 旭川 函館 浦和 大宮 中 西 東 南 博多 天王寺 梅田 浪速 淀川 住吉 "
    "緑 青葉 泉 若林 宮城野 太白 中原 幸 高津 多摩 麻生 宮前 戸塚 港北 都筑 磯子 保土ケ谷 旭 瀬谷 栄 金沢 鶴見 神奈川"
).split()
_MUNI_RE = re.compile("(?:" + "|".join(sorted(set(_MUNI_NAMES), key=len, reverse=True)) + ")(?:市|区)")

_ADDR_CHARS = "一-龥々〆ヶケぁ-んァ-ヴー"
_BLOCK = re.compile(
    rf"(?<=[{_ADDR_CHARS}])"
    r"(?:"
    r"(?:[0-9]{1,4}|[一二三四五六七八九十]{1,3})丁目(?:[0-9]{1,4}(?:番地?|-)(?:[0-9]{1,4}(?:号|-[0-9]{1,4})?)?)?"
    r"|[0-9]{1,4}-[0-9]{1,4}(?:-[0-9]{1,4}){0,2}"
    r"|[0-9]{1,4}番地?(?:の?[0-9]{1,4}号?)?"
    r")"
    r"(?![0-9])"
)
_RUN_TAIL = re.compile(rf"[{_ADDR_CHARS}]{{1,30}}$")
_MUNI_SUFFIX = re.compile(r"[市区町村郡]")


def address_candidates(text: str) -> list[Candidate]:
    out = []
    for m in _BLOCK.finditer(text):
        s, e = m.start(), m.end()
        window = text[max(0, s - 30) : s]
        tail = _RUN_TAIL.search(window)
        if tail is None:
            continue
        run = tail.group()
        run_start = s - len(run)
        start = None
        score, key = 0.0, ""
        pm = _PREF_RE.search(run)
        if pm is not None:
            start = run_start + pm.start()
            score, key = 0.92, "address_pref"
        else:
            mm = _MUNI_RE.search(run)
            if mm is not None:
                start = run_start + mm.start()
                score, key = 0.85, "address_muni"
            else:
                start = _muni_by_morph(run)
                if start is not None:
                    start += run_start
                    score, key = 0.75, "address_muni"
        if start is None:
            continue
        if not _MUNI_SUFFIX.search(text, start, s) and key != "address_pref":
            continue
        hit = nearest_label(text, start, s, before=12, after=0, kinds=frozenset({"address"}))
        if hit is not None:
            score = min(0.97, score + 0.05)
        # Include a room number written after the block ("-101", " 101号室").
        room = re.match(r"(?:号室|号)", text[e : e + 2])
        if room:
            e += room.end()
        out.append(Candidate(C.ADDRESS, start, e, score, key))
    return out


def _muni_by_morph(run: str) -> int | None:
    from portal.risk.morph import tokenize

    toks = tokenize(run)
    for i, tk in enumerate(toks[:-1]):
        if tk.is_place and toks[i + 1].surface in ("市", "区", "町", "村", "郡"):
            return tk.begin
    return None


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------

_SECRET_PATTERNS: list[tuple[str, re.Pattern[str], int]] = [
    ("private_key", re.compile(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
        r"[A-Za-z0-9+/=\s:,\-]{0,20000}?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"), 0),
    ("openai_key", re.compile(r"(?<![A-Za-z0-9_\-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,200}(?![A-Za-z0-9_\-])"), 0),
    ("anthropic_key", re.compile(r"(?<![A-Za-z0-9_\-])sk-ant-[A-Za-z0-9_\-]{20,200}(?![A-Za-z0-9_\-])"), 0),
    ("aws_access_key", re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}(?![A-Za-z0-9])"), 0),
    ("github_token", re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])"), 0),
    ("slack_token", re.compile(r"(?<![A-Za-z0-9\-])xox[baprse]-[A-Za-z0-9\-]{10,200}(?![A-Za-z0-9\-])"), 0),
    ("google_key", re.compile(r"(?<![A-Za-z0-9_\-])AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])"), 0),
    ("stripe_key", re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,200}(?![A-Za-z0-9_])"), 0),
    ("jwt", re.compile(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,2000}\.eyJ[A-Za-z0-9_\-]{8,4000}\.[A-Za-z0-9_\-]{8,2000}(?![A-Za-z0-9_\-])"), 0),
    ("bearer", re.compile(r"(?<![A-Za-z])[Bb]earer (?P<v>[A-Za-z0-9._~+/\-]{20,2000}=*)(?![A-Za-z0-9._~+/\-])"), 1),
    ("connection_password", re.compile(
        r"(?<![A-Za-z0-9+])[a-z][a-z0-9+]{1,20}://[^\s:/@]{1,100}:(?P<v>[^\s:/@]{1,200})@[A-Za-z0-9.\-]{1,255}"), 1),
    ("password", re.compile(
        r"(?i)(?<![A-Za-z])(?:password|passwd|pwd|pass|passcode|パスワード|暗証番号|PW|PIN)"
        r"(?:\s?[:=：]\s?|\s?(?:は|is)\s?)[\"'「]?(?P<v>[^\s\"'」、。,]{4,128})"), 1),
    ("api_key_assignment", re.compile(
        r"(?i)(?<![A-Za-z])(?:api[_\- ]?key|apikey|secret(?:[_\- ]?key)?|access[_\- ]?token|auth[_\- ]?token|client[_\- ]?secret|"
        r"token|アクセスキー|シークレット|APIキー|トークン)[\"']?\s?[:=：]\s?[\"'「]?(?P<v>[A-Za-z0-9_\-./+=]{16,512})"), 1),
]


def secret_candidates(text: str) -> list[Candidate]:
    out = []
    for kind, rx, group in _SECRET_PATTERNS:
        for m in rx.finditer(text):
            s, e = (m.start("v"), m.end("v")) if group else (m.start(), m.end())
            if kind == "password" and _looks_like_prose(m.group("v")):
                continue
            score = 0.9 if kind in ("password", "api_key_assignment", "bearer") else 0.97
            out.append(Candidate(C.SECRET, s, e, score, "secret", {"kind": kind}))
    return out


def _looks_like_prose(value: str) -> bool:
    """'パスワードは定期的に変更' is advice, not a password: reject pure kana/kanji words."""
    return not any(c.isascii() and (c.isalnum() or c in "!#$%&*+-_=?@^~") for c in value)


# --------------------------------------------------------------------------------------------
# Confidentiality markers and organisation terms
# --------------------------------------------------------------------------------------------

_CONF_MARKERS = re.compile(
    r"社外秘|極秘|厳秘|部外秘|関係者外秘|社内秘|秘密情報|機密(?!性)(?:情報|文書|資料|事項|扱い)?|取扱注意|取り扱い注意|取扱い注意|"
    r"社内限り|社内限定|部内限り|持ち出し禁止|持出禁止|転送禁止|複製禁止|"
    r"(?i:(?<![A-Za-z])(?:strictly confidential|confidential|internal use only|internal only|for internal use|"
    r"proprietary and confidential|do not distribute|not for distribution|top secret)(?![A-Za-z]))"
)
_SENSITIVE_MARKERS = re.compile(
    r"人事評価|人事考課|査定結果|給与明細|懲戒処分|病歴|健康診断結果|診断書|顧客リスト|顧客名簿|会員名簿|社員名簿|個人情報一覧"
)


def confidential_candidates(text: str, org_terms: list[tuple[str, re.Pattern[str]]]) -> list[Candidate]:
    out = []
    for m in _CONF_MARKERS.finditer(text):
        s, e = m.start(), m.end()
        before = text[s - 1] if s > 0 else "\n"
        after = text[e] if e < len(text) else "\n"
        framed = before in "【[(<「『〔《\n#*" or after in "】])>」』〕》"
        score = 0.95 if framed else 0.75
        out.append(Candidate(C.CONFIDENTIAL, s, e, score, "confidential_marker", {"term": m.group()}))
    for m in _SENSITIVE_MARKERS.finditer(text):
        out.append(Candidate(C.CONFIDENTIAL, m.start(), m.end(), 0.7, "sensitive_marker", {"term": m.group()}))
    for _term, rx in org_terms:
        for m in rx.finditer(text):
            out.append(Candidate(C.CONFIDENTIAL, m.start(), m.end(), 0.95, "org_term"))
    return out


def compile_org_term(term: str) -> re.Pattern[str] | None:
    import unicodedata

    norm = unicodedata.normalize("NFKC", term).strip()
    if not norm:
        return None
    body = re.escape(norm)
    if norm[0].isascii() and norm[0].isalnum():
        body = r"(?<![A-Za-z0-9])" + body
    if norm[-1].isascii() and norm[-1].isalnum():
        body = body + r"(?![A-Za-z0-9])"
    return re.compile(body, re.IGNORECASE)
