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
from functools import lru_cache
from dataclasses import dataclass, field

from portal.risk import validators as v
from portal.risk.normalize import lower_of
from portal.risk.context import nearest_label
from portal.risk.findings import Category


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
    r"[0-9](?<![0-9A-Za-z_+@./][0-9])(?<![0-9][.,][0-9])"
    r"[0-9]*(?:[ -][0-9]+){0,7}"
    r"(?![0-9A-Za-z_@])(?![.,:/][0-9])(?!-[0-9])"
)

_PHONE = re.compile(
    r"(?:\+81[ -]?(?:\(0\)[ -]?)?[1-9][0-9]{0,3}|\(\+81\)[ -]?[1-9][0-9]{0,3}|\(0[0-9]{1,4}\)|0[0-9]{1,4})"
    r"(?:[ -]|\)[ ]?|\(|(?=[0-9]))"
    r"[0-9]{1,4}\)?[ -]?[0-9]{3,4}"
    r"(?![0-9A-Za-z_@])(?!-[0-9])(?![.,][0-9])"
)

# Test numbers published by card brands and payment processors.
_TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556", "5555555555554444",
    "5105105105105100", "2223003122003222", "378282246310005", "371449635398431", "3530111333300000",
    "3566002020360505", "30569309025904", "38520000023237", "6011111111111117", "6011000990139424",
    "4000002760003184", "4000002500003155", "4000000000003220", "4000000000009995", "4000000000000002",
    "4000000000000077", "4000000000000341", "5200828282828210", "5105105105105100", "4000003920000003",
}
_CARD_GROUPINGS = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 2), (4, 4, 4, 3), (4, 4, 4, 1), (4, 4, 4, 4, 3),
                   (4, 4, 4, 4, 1), (4, 4, 4, 4, 2), (4, 4, 5)}


_GROUP_SEP = re.compile(r"[ -]")


def _groups(s: str) -> list[str]:
    return _GROUP_SEP.split(s)


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


_SHORT_ID_LABEL = re.compile(r"保険|年金")
_ROMAJI_PREFECTURES = (
    "Hokkaido|Aomori|Iwate|Miyagi|Akita|Yamagata|Fukushima|Ibaraki|Tochigi|Gunma|Saitama|Chiba|Tokyo|Kanagawa|Niigata|"
    "Toyama|Ishikawa|Fukui|Yamanashi|Nagano|Gifu|Shizuoka|Aichi|Mie|Shiga|Kyoto|Osaka|Hyogo|Nara|Wakayama|Tottori|"
    "Shimane|Okayama|Hiroshima|Yamaguchi|Tokushima|Kagawa|Ehime|Kochi|Fukuoka|Saga|Nagasaki|Kumamoto|Oita|Miyazaki|"
    "Kagoshima|Okinawa")
_ROMAJI_PREF_BEFORE = re.compile(r"(?:-(?:ku|shi|cho|machi|gun)|\b(?:" + _ROMAJI_PREFECTURES + r")(?:-(?:to|fu|ken))?)[,.]?[ \n]*(?:Japan[, ]+)?\Z",
                                 re.IGNORECASE)
_JAPAN_AFTER = re.compile(r"[ ,]*(?i:japan)\b")
_MY_NUMBER_WORDS = re.compile(r"マイナンバー|個人番号|(?i:my ?number)")


def _classify_number(text: str, s: int, e: int, raw: str) -> list[Candidate]:
    groups = _groups(raw)
    lens = tuple(len(g) for g in groups)
    digits = "".join(groups)
    n = len(digits)
    if n < 4 or n > 19:
        return []
    seps = {ch for ch in raw if ch in " -"}
    if len(seps) > 1:
        return []
    if n < 7 and lens != (3, 4) and not _SHORT_ID_LABEL.search(text, max(0, s - 24), s):
        return []  # short numbers matter only next to a health-insurance/pension label
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
        elif kind == "license":
            out.append(Candidate(C.DRIVERS_LICENSE, s, e, 0.93, "license_label", _label_params(hit)))
        elif kind in (None, "other_date") and "免許" in text[max(0, s - 120) : s] and not _MY_NUMBER_WORDS.search(text):
            # "…くんの免許、更新期限いつだっけ？ … 番号は3019 0452 8710": the licence talked about.
            out.append(Candidate(C.DRIVERS_LICENSE, s, e, 0.6, "license_nearby"))
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
        if kind != "bank" or (brand and v.luhn_ok(digits)):
            return out  # (a long account number next to an account label goes on below)

    if kind == "postal" and digits in ("1234567", "0000000", "1111111", "9999999"):
        return out  # 〒123-4567 / 000-0000: a format example
    if kind == "postal" and (lens == (3, 4) and seps == {"-"} or (n == 7 and len(groups) == 1)):
        mark = hit.text == "〒" and hit.distance <= 1
        out.append(Candidate(C.POSTAL_CODE, s, e, 0.96 if mark else 0.9, "postal_mark" if mark else "postal_label"))
        return out

    if kind == "bank" and hit.text.lower() in ("account", "deposit") and not (7 <= n <= 12 and len(groups) <= 2):
        kind = None  # "your account", "deposit 50,000": the bare word names an account only before one
    if kind == "bank" and len(set(digits)) == 1:
        return out  # 0000000 / 9999999: a placeholder in a format example
    if kind == "bank":
        if n == 7 and len(groups) == 1:
            out.append(Candidate(C.BANK_ACCOUNT, s, e, 0.9, "bank_label", _label_params(hit)))
            return out
        if lens in ((3, 7), (4, 3, 7)) or (lens[0] == 5 and len(groups) == 2 and 1 <= lens[1] <= 8) or (
            len(lens) == 3 and lens[0] == 5 and lens[1] == 1):
            out.append(Candidate(C.BANK_ACCOUNT, s, e, 0.88, "bank_label", _label_params(hit)))
            return out

    if kind == "bank" and 6 <= n <= 20 and len(groups) <= 5 and not (lens == (4, 6, 1) and "雇用" in text) and not (
            digits[0] == "0" and len(groups) == 3 and lens[-1] == 4 and seps == {"-"} and _phone_kind(raw)):  # 06-6712-0384: the branch's phone
        # Other account numbers: Japan Post 12180-39476511, UK 43918275, HK 848-301726-838.
        out.append(Candidate(C.BANK_ACCOUNT, s, e, 0.8, "bank_label", _label_params(hit)))
        return out

    if kind == "pension" and (lens == (4, 6) or (n == 10 and len(groups) == 1)):
        out.append(Candidate(C.PENSION_NUMBER, s, e, 0.92, "pension_label", _label_params(hit)))
        return out

    if kind == "health" and 4 <= n <= 10 and len(groups) <= 2 and text[e : e + 1] not in ("年", "歳") and \
            "雇用" not in text[max(0, s - 40) : s]:  # 2024年 / 雇用保険: 被保険者番号 …: not a health-insurance card
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
        elif _ROMAJI_PREF_BEFORE.search(text, max(0, s - 24), s) or _JAPAN_AFTER.match(text, e):
            # "…, Fujisawa-shi, Kanagawa 251-0046", "Osaka\n550-0004 JAPAN": a romanised Japanese address.
            out.append(Candidate(C.POSTAL_CODE, s, e, 0.8, "postal_address"))
        elif kind in (None, "address"):
            out.append(Candidate(C.POSTAL_CODE, s, e, 0.3, "postal_possible"))
    return out


@lru_cache(maxsize=4096)
def _phone_kind(raw: str) -> str | None:
    return v.jp_phone_kind(raw)


# Textbook placeholders such as 03-1234-5678 or 090-0000-0000.
_DUMMY_PHONE = re.compile(r"12345678$|(?:0000|1111|9999)[0-9]{0,4}$|00000")


_PHONE_BAD_BEFORE = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_+@./")


def phone_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    prev_end = -1
    for m in _PHONE.finditer(text):
        if m.start() and text[m.start() - 1] in _PHONE_BAD_BEFORE and not (
                text[m.start() - 1] == "/" and prev_end == m.start() - 1):
            continue  # (but 080-4782-3391／090-2845-6719: two numbers, the second after the slash)
        prev_end = m.end()
        raw = m.group()
        digits = v.digits_only(raw.replace("(0)", ""))  # +81 (0) 90 …: the trunk 0 is not dialled after +81
        intl = raw.lstrip("(").startswith("+")
        national = ("0" + digits[2:]) if intl else digits
        if not (10 <= len(national) <= 11):
            continue
        kind = _phone_kind(raw)
        if kind is None:
            continue
        s, e = m.start(), m.end()
        hit = nearest_label(text, s, e)
        lk = hit.kind if hit else None
        separated = any(c in raw for c in " -()") or intl
        if kind in ("toll_free", "premium", "uan"):
            score, key = 0.45, "phone_business"
        elif lk in ("other_id", "my_number", "card", "bank", "license", "passport", "pension", "health", "postal"):
            if not separated:
                continue
            score, key = 0.5, "phone_valid"
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

_ROLE_LOCAL = {"info", "support", "sales", "contact", "noreply", "no-reply", "admin", "help", "webmaster", "press",
               "pr", "hr", "recruit", "jobs", "service", "office", "postmaster", "security", "abuse"}


_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}\Z")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])")


def _emails(text: str):
    """(start, end) of e-mail addresses, found from each '@' (one pass of str.find)."""
    at = text.find("@")
    while at != -1:
        lm = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        dm = _EMAIL_DOMAIN.match(text, at + 1)
        if lm is not None and dm is not None:
            start = lm.start()
            if not (start > 0 and text[start - 1] in _EMAIL_LOCAL_CHARS):
                yield start, dm.end()
        at = text.find("@", at + 1)


_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


class _Span:
    __slots__ = ("_s", "_e", "_t")

    def __init__(self, text: str, s: int, e: int) -> None:
        self._t, self._s, self._e = text, s, e

    def start(self) -> int:
        return self._s

    def end(self) -> int:
        return self._e

    def group(self) -> str:
        return self._t[self._s : self._e]


_PLACEHOLDER_LOCAL = re.compile(r"(?:x+|your[._\-]?(?:name|email|mail|address|id)?|name|user(?:name)?|someone|somebody|"
                                r"sample|example|foo|bar|hoge|fuga|taro\.yamada|yamada\.taro|firstname\.lastname|"
                                r"first\.last|name\.surname|aaa+|abc|test(?:user)?|dummy|mail|email)")
_PLACEHOLDER_DOMAIN = re.compile(r"(?:x+(?:\.x+)+|(?:[a-z0-9\-]+\.)*(?:example|test|invalid|localhost)|"
                                 r"(?:company|domain|yourcompany|your-company|your-domain|email|mail)\.(?:com|co\.jp|jp|net))")


_GENERIC_LOCAL = re.compile(r"(?:admin|test(?:\+?[0-9a-z]{0,8})?|user[0-9]{0,3}|foo|bar|john\.?doe|jane\.?doe|someone|name|"
                            r"info|support|noreply|no-reply|contact|hello|example|sample|dummy|me|you)")
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "ssh.dev.azure.com", "vs-ssh.visualstudio.com")


def _placeholder_email(local: str, domain: str) -> bool:
    """your.name@company.com, xxx@xxx.co.jp, support@your-shop.example, admin@example.com, git@github.com:
    templates and SSH remotes, not mailboxes."""
    if local == "git" and domain in _CODE_HOSTS:
        return True
    if (domain.startswith("example.") or domain in ("example.com", "example.org", "example.net")) and \
            _GENERIC_LOCAL.fullmatch(local):
        return True
    if _PLACEHOLDER_DOMAIN.fullmatch(domain) and (domain.split(".")[-1] in ("example", "test", "invalid", "localhost")
                                                  or _PLACEHOLDER_LOCAL.fullmatch(local) or domain.startswith("x")):
        return True
    if re.fullmatch(r"x+", local) or domain.split(".")[0] in ("your-shop", "your-company", "yourcompany", "your-domain"):
        return True
    return _PLACEHOLDER_LOCAL.fullmatch(local) is not None and _PLACEHOLDER_DOMAIN.fullmatch(domain) is not None


def email_candidates(text: str) -> list[Candidate]:
    out = []
    if "@" not in text:
        return out
    for s, e in _emails(text):
        m = _Span(text, s, e)
        local, domain = m.group().lower().split("@", 1)
        if local.strip(".") != local or ".." in local:
            continue
        if _placeholder_email(local, domain):
            out.append(Candidate(C.EMAIL, m.start(), m.end(), 0.3, "email_placeholder"))
            continue
        if local in _ROLE_LOCAL:
            out.append(Candidate(C.EMAIL, m.start(), m.end(), 0.6, "email_role"))
        else:
            out.append(Candidate(C.EMAIL, m.start(), m.end(), 0.97, "email"))
    return out


_IPV4 = re.compile(r"[0-9](?<![0-9A-Za-z.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?:/[0-9]{1,2})?(?![0-9]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![0-9A-Fa-f.])(?<![0-9A-Fa-f]:)(?<!::)(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){7})(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])"
)


_IPV6_TRIGGER = re.compile(r"[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
_WELL_KNOWN_IPS = {"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222"}
_VERSION_BEFORE = re.compile(r"(?:(?<![A-Za-z])(?i:release|version|ver\.?|build|firmware|fw|agent|client|app|ios|android|update|"
                             r"patch|kernel|connector|driver|runtime|sdk|package|plugin)|リリース|バージョン|ビルド|アップデート)[ :：]*\Z")
_VERSION_AFTER = re.compile(r" ?(?:という|の)?(?:バージョン|版|version)", re.IGNORECASE)


_IP_LABEL = re.compile(r"(?i:ip|addr|address|host|server|src|dst|from|to|client|peer|gateway|gw|dns|サーバ|接続元|接続先|送信元|宛先|アドレス)[^\n]{0,6}\Z")


def _is_network(raw: str) -> bool:
    """10.20.0.0/16, 10.0.0.0/8, 19.21.0.0: a network range or a version, not one machine."""
    import ipaddress

    addr, _, prefix = raw.partition("/")
    if prefix:
        try:
            net = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            return False
        return net.prefixlen < 32 and str(net.network_address) == addr
    return addr.endswith(".0")


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
            if _VERSION_AFTER.match(text, e) or text[max(0, s - 2) : s] == "==" or _VERSION_BEFORE.search(text, max(0, s - 14), s):
                continue
            score, key = {"public": (0.9, "ip_public"), "private": (0.8, "ip_private"), "local": (0.3, "ip_local")}[kind]
            if addr in _WELL_KNOWN_IPS:
                score, key = 0.3, "ip_well_known"
            elif _is_network(m.group()):
                score, key = 0.3, "ip_network"
            elif kind == "public" and all(int(x) <= 30 for x in addr.split(".")) and \
                    _IP_LABEL.search(text, max(0, s - 16), s) is None:
                score, key = 0.3, "ip_version_like"  # "agent 2.10.0.3": a version number, most likely
            out.append(Candidate(C.IP_ADDRESS, s, e, score, key))
    if "::" in text or _IPV6_TRIGGER.search(text):
        for m in _IPV6.finditer(text):
            g, s6 = m.group(), m.start()
            if g.startswith(":") and not g.startswith("::"):
                g, s6 = g[1:], s6 + 1  # "：2400:…" after a (normalised) colon
            if g.startswith("::1:") and g[4:].isdigit():
                continue  # ::1:5432 is the loopback address with a port
            kind = v.ip_kind(g)
            if kind is None:
                continue
            score, key = {"public": (0.9, "ip_public"), "private": (0.8, "ip_private"), "local": (0.3, "ip_local")}[kind]
            out.append(Candidate(C.IP_ADDRESS, s6, m.end(), score, key))
    return out


_PASSPORT = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{7}(?![A-Za-z0-9])")
_RESIDENCE = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{8}[A-Z]{2}(?![A-Za-z0-9])")
_IBAN = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])")
_PASSPORT_TRIGGERS = ("パスポート", "旅券", "passport", "Passport", "PASSPORT", "PP", "护照", "護照", "여권")


_PASSPORT_LOOSE = re.compile(r"[A-Z0-9](?<![A-Za-z0-9][A-Z0-9])(?:[A-Z]{0,2}[0-9]{6,9}[A-Z]?|[0-9]{9}|[A-Z][0-9]{2}[A-Z0-9][0-9]{4,6}|(?<=[0-9])[0-9][A-Z]{2}[0-9]{5})(?![A-Za-z0-9])")
_RESIDENCE_LOOSE = re.compile(r"[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z] ?[0-9]{4} ?[0-9]{4} ?[A-Za-z]{2}(?![A-Za-z0-9])")
_HEALTH_JOINED = re.compile(r"[0-9](?<![0-9][0-9])[0-9]{0,7}[・･\-][0-9]{1,8}(?![0-9])")
_INVOICE_NO = re.compile(r"T(?<![A-Za-z0-9]T)([0-9]{13})(?![0-9])")


_PASSPORT_NEARBY = re.compile(r"パスポート|旅券|(?i:passport)|护照|護照|여권")


def _labelled(text: str, s: int, e: int, kind: str, before: int = 24) -> object | None:
    hit = nearest_label(text, s, e, before=before, after=0)
    return hit if hit is not None and hit.kind == kind else None


# A passport's machine-readable zone, second line (TD3): number, its check digit, nationality, birth
# date, its check digit, sex, expiry, its check digit. The layout alone gives medium; the check digits high.
_MRZ_LINE2 = re.compile(r"^(?P<n>[A-Z0-9<]{9})(?P<c>[0-9])[A-Z<]{3}(?P<b>[0-9]{6})(?P<bc>[0-9])[MFX<](?P<x>[0-9]{6})(?P<xc>[0-9])",
                        re.MULTILINE)
_MRZ_LINE1 = re.compile(r"^P[A-Z<][A-Z<]{3}(?P<name>[A-Z]+(?:<{1,2}[A-Z]+)*)<*$", re.MULTILINE)
# A Japanese licence prints its number as 第 ############ 号 (digits sometimes spaced by OCR).
_LICENSE_FRAME = re.compile(r"第[ \u3000]?(?P<v>[0-9](?:[ \u3000]?[0-9]){11})[ \u3000]?号")
# Licences of other countries: D4471920 (California), F263-4418-7290 (Illinois), N03-14-027551.
_LICENSE_FOREIGN = re.compile(r"(?<![A-Za-z0-9\-])[A-Z]{0,2}[0-9]{2,}(?:-[0-9]{2,}){0,3}(?![A-Za-z0-9]|-[0-9])")
_DRIVING = re.compile(r"(?i:driv)|運転|免許|\bDL\b")
# (no look-behind or \b first: either keeps re from skipping ahead on the first character)
_DRIVING_LOWER = re.compile(r"driv|運転|免許|dl(?![a-z])")
_LICENSE_WORD_LOWER = re.compile(r"licen[cs]e|dl(?![a-z])|運転免許|免許")
_LICENSE_WORD_ONLY = re.compile(r"(?i:licen[cs]e)|\bDL|運転免許|免許")
_LICENSE_WORD = re.compile(r"(?:(?i:licen[cs]e)|\bDL|運転免許|免許)[^\n]{0,24}\Z")
# 記号 藤沢 番号 0098213: the number of a health-insurance card after its symbol.
_HEALTH_SYMBOL_NUMBER = re.compile(r"記号[ \u3000:：]*[^\s\u3000]{1,10}[ \u3000、,]+番号[ \u3000:：]*(?P<v>[0-9]{1,10})(?![0-9])")


# An airline booking's passport line (SSR DOCS, APIS): P/JPN/TR8802147/JPN/19MAY88/F/11OCT32/KOBAYASHI/SAORI,
# and the form of identification of an e-ticket (FOID: PPM82746193).
_SSR_DOCS = re.compile(r"DOCS[ A-Z0-9]{0,14}?[ /]P?/(?P<iss>[A-Z]{3})?/(?P<no>[A-Z0-9]{5,15})/(?P<nat>[A-Z]{3})?/"
                       r"(?P<dob>[0-9]{2}(?P<mon>[A-Z]{3})[0-9]{2})/[MFUX]I?/(?:[0-9]{2}[A-Z]{3}[0-9]{2})?/")
_FOID = re.compile(r"FOID[: ]{1,3}PP(?P<no>[A-Z0-9]{6,15})(?![A-Za-z0-9])")


def _birth_year(yy: int) -> int:
    """A two-digit birth year in the century that puts it in the past."""
    return 2000 + yy if 2000 + yy <= _dt.date.today().year else 1900 + yy


def _yymmdd(digits: str) -> "_dt.date | None":
    """MRZ birth dates: YYMMDD."""
    try:
        yy, mm, dd = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    except ValueError:
        return None
    return v.real_date(_birth_year(yy), mm, dd)


def _airline_candidates(text: str) -> list[Candidate]:
    out = []
    for m in _SSR_DOCS.finditer(text):
        out.append(Candidate(C.PASSPORT, m.start("no"), m.end("no"), 0.95, "passport_label", {"label": "SSR DOCS"}))
        dob = m.group("dob")
        mon = _MONTHS.get(m.group("mon").lower())
        if mon:
            d = v.real_date(_birth_year(int(dob[5:7])), mon, int(dob[:2]))
            if d is not None and v.plausible_birth_date(d):
                out.append(Candidate(C.DATE_OF_BIRTH, m.start("dob"), m.end("dob"), 0.9, "dob_label", {"label": "SSR DOCS"}))
    for m in _FOID.finditer(text):
        out.append(Candidate(C.PASSPORT, m.start("no"), m.end("no"), 0.9, "passport_label", {"label": "FOID PP"}))
    return out


def _mrz_candidates(text: str) -> list[Candidate]:
    out = []
    for m in _MRZ_LINE2.finditer(text):
        number, birth, expiry = m.group("n"), m.group("b"), m.group("x")
        valid = (v.mrz_check_digit(number) == int(m.group("c")) and v.mrz_check_digit(birth) == int(m.group("bc"))
                 and v.mrz_check_digit(expiry) == int(m.group("xc")))
        core = number.rstrip("<")
        if len(core) < 5 or not any(ch.isdigit() for ch in core):
            continue
        # The layout alone is specific; the check digits make it certain (retyped zones often break them).
        out.append(Candidate(C.PASSPORT, m.start("n"), m.start("n") + len(core), 0.97 if valid else 0.85,
                             "passport_mrz" if valid else "passport_mrz_layout"))
        born = _yymmdd(birth)
        if born is not None and v.plausible_birth_date(born):
            out.append(Candidate(C.DATE_OF_BIRTH, m.start("b"), m.end("b"), 0.9, "dob_label", {"label": "MRZ"}))
    # The holder's name on the first line (P<JPNISHII<<MAKOTO<<<…), also when the second line was retyped badly.
    for nm in _MRZ_LINE1.finditer(text):
        line = text[nm.start() : nm.end()]
        if len(line) >= 30 and "<<" in line:
            out.append(Candidate(C.PERSON_NAME, nm.start("name"), nm.end("name"), 0.9, "name_mrz"))
    return out


def _license_candidates(text: str) -> list[Candidate]:
    out = []
    if "免許" in text and "第" in text:
        for m in _LICENSE_FRAME.finditer(text):
            out.append(Candidate(C.DRIVERS_LICENSE, m.start("v"), m.end("v"), 0.9, "license_label", {"label": "第…号"}))
    lower = lower_of(text)
    if len(lower) == len(text) and _DRIVING_LOWER.search(lower) or _DRIVING.search(text):
        found = []
        for wm in (_LICENSE_WORD_LOWER.finditer(lower) if len(lower) == len(text) else _LICENSE_WORD_ONLY.finditer(text)):
            found.extend(mm for mm in _LICENSE_FOREIGN.finditer(text, wm.end(), min(len(text), wm.end() + 40))
                         if not found or mm.start() >= found[-1].end())
        for m in found:
            raw = m.group()
            digits = sum(ch.isdigit() for ch in raw)
            if digits < 7 or digits > 16 or "-" in raw and raw[0].isdigit() and len(raw.split("-")) == 3 and digits in (10, 11):
                continue  # too short or long, or a phone-shaped number
            lm = _LICENSE_WORD.search(text, max(0, m.start() - 30), m.start())
            if lm is None:
                continue
            if any(ch.isdigit() for ch in text[max(0, m.start() - 30) : m.start()].split("\n")[-1][-12:]):
                continue  # another number stands between the word and this one
            out.append(Candidate(C.DRIVERS_LICENSE, m.start(), m.end(), 0.85, "license_foreign", {"label": lm.group().strip()[:24]}))
    return out


# A fixed-width or space-separated list under a header line (社員番号 氏名 ローマ字 生年月日 旅券,
# "No  NAME  D.O.B  PASSPORT"): the dates below a birth header are birth dates, the passport-shaped
# tokens below a passport header are passport numbers.
_HEADER_BIRTH = re.compile(r"生年月日|(?i:d\.?o\.?b\.?|date of birth|birth ?date|birthday)|出生日期|생년월일")
_HEADER_PASSPORT = re.compile(r"旅券|パスポート|(?i:passp[o0]rt)|護照|护照|여권")
_HEADER_BIRTH_LOWER = re.compile(r"生年月日|d\.?o\.?b\.?|date of birth|birth ?date|birthday|出生日期|생년월일")
_HEADER_PASSPORT_LOWER = re.compile(r"旅券|パスポート|passp[o0]rt|護照|护照|여권")
_HEADER_WORDS = ("生年月日", "d.o.b", "dob", "birth", "出生日期", "생년월일", "旅券", "パスポート", "passport", "passp0rt", "護照", "护照", "여권")
_ROW_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}[0-9]{7,8}(?![A-Za-z0-9])")


def header_line_candidates(text: str, today: _dt.date | None = None) -> list[Candidate]:
    out: list[Candidate] = []
    done = -1
    lower = lower_of(text)
    src = lower if len(lower) == len(text) else text
    for hm in sorted(list(_HEADER_BIRTH_LOWER.finditer(src)) + list(_HEADER_PASSPORT_LOWER.finditer(src)), key=lambda m: m.start()):
        ls = text.rfind("\n", max(0, hm.start() - 200), hm.start()) + 1
        if ls == 0 and hm.start() > 200:
            continue  # a line of over 200 characters is no header row
        if ls <= done:
            continue  # this header line was read already
        le = text.find("\n", hm.end())
        le = len(text) if le == -1 else le
        line = text[ls:le]
        done = ls
        birth, passport = _HEADER_BIRTH.search(line), _HEADER_PASSPORT.search(line)
        if len(line) > 200 or any(ch.isdigit() for ch in line) or len(line.split()) < 3 \
                or "\t" in line or "|" in line or "," in line:
            continue
        base = le + 1
        for _ in range(100):
            if base >= len(text):
                break
            end = text.find("\n", base)
            end = len(text) if end == -1 else end
            row = text[base:end]
            if not row.strip():
                break
            if birth:
                for m in _DATE_JA.finditer(row):
                    d = _parse_date(m)
                    if d is not None and v.plausible_birth_date(d, today):
                        out.append(Candidate(C.DATE_OF_BIRTH, base + m.start(), base + m.end(), 0.8, "dob_label",
                                             {"label": birth.group()}))
            if passport:
                for m in _ROW_PASSPORT.finditer(row):
                    out.append(Candidate(C.PASSPORT, base + m.start(), base + m.end(), 0.85, "passport_label",
                                         {"label": passport.group()}))
            base = end + 1
            done = end
    return out


def id_candidates(text: str) -> list[Candidate]:
    out = []
    lower = lower_of(text)
    if any(w in lower for w in _HEADER_WORDS):
        out += header_line_candidates(text)
    if "<" in text:
        out += _mrz_candidates(text)
    if "DOCS" in text or "FOID" in text:
        out += _airline_candidates(text)
    if "免許" in text or "icen" in text or "ICEN" in text or "DL" in text:
        out += _license_candidates(text)
    if "記号" in text and "保険" in text:
        for m in _HEALTH_SYMBOL_NUMBER.finditer(text):
            out.append(Candidate(C.HEALTH_INSURANCE, m.start("v"), m.end("v"), 0.85, "health_label", {"label": "記号・番号"}))
    if any(k in text for k in _PASSPORT_TRIGGERS):
        for m in _PASSPORT_LOOSE.finditer(text):
            if _PASSPORT.fullmatch(m.group()) or re.search(r"0{6}|X{2}0", m.group()):
                continue  # the strict form below; placeholders such as XX0000000
            hit = _labelled(text, m.start(), m.end(), "passport")
            if hit is not None:
                out.append(Candidate(C.PASSPORT, m.start(), m.end(), 0.85, "passport_label", _label_params(hit)))
    if "在留" in text or "esidence" in text:
        for m in _RESIDENCE_LOOSE.finditer(text):
            if _labelled(text, m.start(), m.end(), "residence") is not None:
                out.append(Candidate(C.RESIDENCE_CARD, m.start(), m.end(), 0.9, "residence_card"))
    if "番号" in text and ("・" in text or "･" in text or "保険" in text):
        for m in _HEALTH_JOINED.finditer(text):
            if re.match(r"-[0-9]", text[m.end() : m.end() + 2]) or "雇用" in text[max(0, m.start() - 40) : m.start()]:
                continue  # 5012-384716-3: an employment-insurance number (雇用保険被保険者番号)
            hit = _labelled(text, m.start(), m.end(), "health")
            if hit is not None:
                out.append(Candidate(C.HEALTH_INSURANCE, m.start(), m.end(), 0.85, "health_label", _label_params(hit)))
    if "T" in text:
        for m in _INVOICE_NO.finditer(text):
            if v.is_valid_corporate_number(m.group(1)):
                out.append(Candidate(C.CORPORATE_NUMBER, m.start(1), m.end(1), 0.85, "corporate_number"))
    passports = _PASSPORT.finditer(text) if any(k in text for k in _PASSPORT_TRIGGERS) else ()
    for m in passports:
        s, e = m.start(), m.end()
        hit = nearest_label(text, s, e)
        if hit is not None and hit.kind == "passport":
            out.append(Candidate(C.PASSPORT, s, e, 0.95, "passport_label", _label_params(hit)))
        elif hit is None and _PASSPORT_NEARBY.search(text, max(0, s - 160), s):
            # The text talks about passports just before: "son Kaito (we only have Shingo's: TK3019472)".
            out.append(Candidate(C.PASSPORT, s, e, 0.6, "passport_nearby"))
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

_DATE_G = (
    r"(?P<g>[12](?<![0-9][12])(?P<gy>(?<=1)[89][0-9]{2}|(?<=2)0[0-9]{2}) ?(?P<s1>[年/.\-]) ?(?P<gm>[0-9]{1,2}) ?(?P<s2>[月/.\-]) ?"
    r"(?P<gd>[0-9]{1,2})(?: ?日)?(?![0-9]))"
)
_DATE_J = (
    r"(?P<j>(?P<era>明治|大正|昭和|平成|令和|[MTSHR]\.?) ?(?P<jy>[0-9]{1,2}|元) ?[年/.\-] ?(?P<jm>[0-9]{1,2}) ?[月/.\-] ?"
    r"(?P<jd>[0-9]{1,2})(?: ?日)?(?![0-9]))"
)
_DATE_E1 = r"(?P<e1>(?P<e1m>" + _MONTH_RE + r")\.? (?P<e1d>[0-9]{1,2})(?:st|nd|rd|th)?,? (?P<e1y>1[89][0-9]{2}|20[0-9]{2})(?![0-9]))"
_DATE_E2 = (
    r"(?P<e2>[0-9](?<![0-9][0-9])(?P<e2d>(?<=[0-9])[0-9]?|)(?:st|nd|rd|th)?(?P<e2s>[ \-])(?P<e2m>" + _MONTH_RE
    + r")\.?,?(?P=e2s)(?P<e2y>1[89][0-9]{2}|20[0-9]{2})(?![0-9]))"
)
_DATE_U = (r"(?P<u>[0-9](?<![0-9/.\-][0-9])(?P<ua>(?<=[0-9])[0-9]?|)(?P<usep>[/.\-])(?P<ub>[0-9]{1,2})(?P=usep)"
           r"(?P<uy>1[89][0-9]{2}|20[0-9]{2})(?![0-9/]|[.\-][0-9]))")  # 03/05/1985, 05.11.1990, 03-05-1985
_DATE_JA = re.compile(_DATE_G + "|" + _DATE_J + "|" + _DATE_U)
_DATE_EN = re.compile(_DATE_E1 + "|" + _DATE_E2, re.IGNORECASE)
_DATE = _DATE_JA  # used to check "another date between the label and this one"


def text_before_is_letter(m: re.Match[str]) -> bool:
    ch = m.string[m.start() - 1]
    return ch.isascii() and ch.isalpha()


def _parse_date(m: re.Match[str]) -> _dt.date | None:
    g = m.groupdict()
    if g.get("g"):
        if g["s1"] == "年" and g["s2"] != "月":
            return None
        return v.real_date(int(g["g"][0] + g["gy"]), int(g["gm"]), int(g["gd"]))
    if g.get("j"):
        era = g["era"].rstrip(".")
        if len(era) == 1 and m.start() > 0 and text_before_is_letter(m):
            return None
        jy = g["jy"]
        return v.era_to_date(era, 1 if jy == "元" else int(jy), int(g["jm"]), int(g["jd"]))
    if g.get("e1"):
        return v.real_date(int(g["e1y"]), _MONTHS[g["e1m"].lower()[:3]], int(g["e1d"]))
    if g.get("e2"):
        day = int(g["e2"][: 1 + len(g["e2d"])])
        return v.real_date(int(g["e2y"]), _MONTHS[g["e2m"].lower()[:3]], day)
    if g.get("u"):
        a = int(g["u"][: 1 + len(g["ua"])])
        b, y = int(g["ub"]), int(g["uy"])
        return v.real_date(y, a, b) or v.real_date(y, b, a)
    return None


_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUM = r"[〇一二三四五六七八九十]{1,3}"
_KANJI_DATE = re.compile(rf"(?P<era>明治|大正|昭和|平成|令和) ?(?P<y>元|{_KANJI_NUM}) ?年 ?(?P<m>{_KANJI_NUM}) ?月 ?(?P<d>{_KANJI_NUM}) ?日")


def _kanji_number(s: str) -> int | None:
    """十一 -> 11, 二十九 -> 29, 一〇 -> 10; None for malformed numerals."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        if "十" in ones or len(tens) > 1 or len(ones) > 1:
            return None
        return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)
    value = 0
    for ch in s:
        value = value * 10 + _KANJI_DIGITS[ch]
    return value


def _kanji_date(m: re.Match[str]) -> _dt.date | None:
    y = 1 if m.group("y") == "元" else _kanji_number(m.group("y"))
    mo, dy = _kanji_number(m.group("m")), _kanji_number(m.group("d"))
    if not y or not mo or not dy:
        return None
    return v.era_to_date(m.group("era"), y, mo, dy)


_BIRTH_AFTER = re.compile(r"^ ?(?:生まれ|生|出生|誕生)")
_DATE_THEN_BORN = re.compile(r"[0-9](?:日)? ?生(?![活産成徒命涯地協])")


_BIRTH_TRIGGER_JA = re.compile(r"生|誕|생년월일")
_BIRTH_TRIGGER_LOWER = re.compile(r"birth|born|dob|d\.o\.b|geburt|naissance|nacimiento|nascimento|ngày sinh|lahir")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Bare 生 (as in 1985年3月5日生) is handled by _BIRTH_AFTER; as a window trigger it is far too
# common (生成AI, 学生).
_BIRTH_WORD = re.compile(r"生年月日|誕生日|生まれ|出生|생년월일")
_BIRTH_WORD_EN = re.compile(r"date[ _]of[ _]birth|birth[ _]?date|birthday|born|d\.?o\.?b|geburtsdatum|geboren|"
                            r"date de naissance|fecha de nacimiento|data de nascimento|ngày sinh|tanggal lahir|생년월일")


def dob_candidates(text: str, today: _dt.date | None = None) -> list[Candidate]:
    out: list[Candidate] = []
    if not (_BIRTH_TRIGGER_JA.search(text) or _BIRTH_TRIGGER_LOWER.search(lower_of(text))):
        return out
    # Look for dates only where a birth label can reach them: up to 30 characters after a
    # label, or right before 生まれ/生/誕生.
    windows: list[tuple[int, int]] = []
    found = list(_BIRTH_WORD.finditer(text))
    lower = lower_of(text)
    if len(lower) == len(text) and ("b" in lower or "d" in lower):
        found += [mm for mm in _BIRTH_WORD_EN.finditer(lower)]
    for lm in found:
        windows.append((max(0, lm.start() - 24), min(len(text), lm.end() + 30)))
    for gm in _DATE_THEN_BORN.finditer(text):  # 昭和11年4月2日生, 2012.03.09生
        windows.append((max(0, gm.start() - 16), gm.end()))
    windows.sort()
    matches: list[re.Match[str]] = []
    seen: set[int] = set()
    last_end = -1
    for ws, we in windows:
        ws = max(ws, last_end)
        if ws >= we:
            continue
        last_end = we
        has_en = _ASCII_LETTER.search(text, ws, we) is not None
        for rx in (_DATE_JA, _DATE_EN) if has_en else (_DATE_JA,):
            for mm in rx.finditer(text, ws, we):
                if mm.start() in seen:
                    continue
                if rx is _DATE_EN and mm.group("e1") and mm.start() and text_before_is_letter(mm):
                    continue
                seen.add(mm.start())
                matches.append(mm)
    for m in matches:
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
    # Era dates in kanji numerals (昭和十一年三月三日), as in handwritten-style forms.
    if "年" in text:
        for km in _KANJI_DATE.finditer(text):
            d = _kanji_date(km)
            if d is None or not v.plausible_birth_date(d, today):
                continue
            s, e = km.start(), km.end()
            label = "生まれ" if _BIRTH_AFTER.match(text[e : e + 4]) else None
            if label is None:
                hit = nearest_label(text, s, e, before=30, after=0)
                if hit is not None and hit.kind == "birth":
                    label = hit.text
            if label is not None:
                out.append(Candidate(C.DATE_OF_BIRTH, s, e, 0.9, "dob_label", {"label": label}))
    # Compact dates after a birth label: "生年月日 19850305".
    for lm in found:
        m = _COMPACT_YMD.match(text, lm.end())
        if m is not None:
            d = v.real_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            if d is not None and v.plausible_birth_date(d, today):
                out.append(Candidate(C.DATE_OF_BIRTH, m.start("v"), m.end("v"), 0.9, "dob_label",
                                     {"label": text[lm.start() : lm.end()]}))
    # Airline / APIS form after a DOB label: "DOB 21APR79".
    for lm in found:
        m = _DOB_COMPACT.match(text, lm.end())
        if m is not None and m.group("m").lower()[:3] in _MONTHS:
            out.append(Candidate(C.DATE_OF_BIRTH, m.start("d"), m.end("d"), 0.9, "dob_label",
                                 {"label": text[lm.start() : lm.end()]}))
    # A birthday without a year, right after its label: "誕生日：5月12日", "Birthday: 14 Mar".
    for lm in found:
        m = _MONTH_DAY.match(text, lm.end())
        if m is None or any(mm.start() <= m.start("d") < mm.end() for mm in matches):
            continue
        mo, dy = _month_day(m)
        if mo and 1 <= mo <= 12 and 1 <= dy <= 31:
            out.append(Candidate(C.DATE_OF_BIRTH, m.start("d"), m.end("d"), 0.8, "dob_label",
                                 {"label": text[lm.start() : lm.end()]}))
    # ... and right before it: "9月2日で誕生日なので", "（7/15）が誕生日", "12/9 is her birthday".
    for lm in found:
        word = text[lm.start() : lm.end()].lower()
        if word not in ("誕生日", "birthday") or text[lm.end() : lm.end() + 1] in ("会", "パ") or \
                text[lm.end() : lm.end() + 6].lower().startswith(" party"):
            continue
        m = _MONTH_DAY_BEFORE.search(text, max(0, lm.start() - 20), lm.start())
        if m is None or any(mm.start() <= m.start("d") < mm.end() for mm in matches):
            continue
        mo = int(m.group("m1") or m.group("m2"))
        dy = int(m.group("d1") or m.group("d2"))
        if 1 <= mo <= 12 and 1 <= dy <= 31:
            out.append(Candidate(C.DATE_OF_BIRTH, m.start("d"), m.end("d"), 0.7, "dob_label", {"label": text[lm.start() : lm.end()]}))
    return out


_MONTH_DAY_BEFORE = re.compile(
    r"(?<![0-9/])(?P<d>(?P<m1>[0-9]{1,2})月(?P<d1>[0-9]{1,2})日|(?P<m2>[0-9]{1,2})/(?P<d2>[0-9]{1,2}))(?![0-9/])[)）]?"
    r"[ 　]?(?:が|は|で|の|、|,)?[ 　]?(?:お|ご)?(?:(?i:is|was) (?:(?i:my|his|her|their|the) )?)?\Z")
_KINSHIP_DATE = re.compile(r"(?:長男|長女|次男|次女|三男|三女|四男|四女|長子|実子|養子|[Ss]on|[Dd]aughter)[ 　:：\t、,]{1,3}"
                           r"(?=[0-9明大昭平令MTSHR])")
_PAREN_DATE = re.compile(r" ?[（(] ?(?=[0-9明大昭平令MTSHR])")
_SPACED_DATE = re.compile(r"(?:[（(][^()（）\n0-9]{1,6}[)）])?[ \u3000\t]{1,4}(?=[0-9明大昭平令MTSHR])")
_FAMILY_LINE = re.compile(r"扶養|配偶者|家族|続柄|同居|世帯|(?i:dependent|spouse)")


def dob_near_people(text: str, names: list[Candidate], today: _dt.date | None = None) -> list[Candidate]:
    """Birth dates without a birth label, told by who they belong to: right after a child's
    relation (長男　平成24年5月2日) or in brackets right after a person's name (五十嵐 こはる（令和2年5月7日）).
    Only full dates at least a year old: a date in brackets after a name is also how meetings
    and hires are noted, and those are recent."""
    today = today or _dt.date.today()
    out: list[Candidate] = []
    starts = [m.end() for m in _KINSHIP_DATE.finditer(text)] if ("男" in text or "女" in text or "子" in text
                                                                 or "son" in text or "daughter" in text) else []
    paren, spaced = [], []
    for c in names:
        if c.category is C.PERSON_NAME and c.score >= 0.7:
            pm = _PAREN_DATE.match(text, c.end)
            if pm is not None:
                paren.append(pm.end())
                continue
            # 控除対象配偶者：石黒 典子　昭和46年11月2日 / 扶養親族：石黒 大翔（子）　平成17年4月18日: a family list.
            sm = _SPACED_DATE.match(text, c.end)
            if sm is not None and _FAMILY_LINE.search(text, text.rfind("\n", max(0, c.start - 60), c.start) + 1 or
                                                      max(0, c.start - 60), c.start):
                spaced.append(sm.end())
    for pos, need_close in [(p, False) for p in starts + spaced] + [(p, True) for p in paren]:
        m = _DATE_JA.match(text, pos) or _KANJI_DATE.match(text, pos)
        if m is None:
            continue
        d = _kanji_date(m) if m.re is _KANJI_DATE else _parse_date(m)
        if d is None or not v.plausible_birth_date(d, today) or (today - d).days < 365:
            continue
        if need_close and not re.match(r" ?[）)]", text[m.end() : m.end() + 2]):
            continue
        out.append(Candidate(C.DATE_OF_BIRTH, m.start(), m.end(), 0.75, "dob_person"))
    return out


_COMPACT_YMD = re.compile(r"[ :：\t]{0,3}(?P<v>(?P<y>19[0-9]{2}|20[0-9]{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12][0-9]|3[01]))(?![0-9])")
_DOB_COMPACT = re.compile(r"[ :：]{0,3}(?P<d>[0-3][0-9](?P<m>[A-Z]{3})[0-9]{2}(?:[0-9]{2})?)(?![A-Za-z0-9])", re.IGNORECASE)
_MONTH_DAY = re.compile(
    r"(?:[ :：は、]|(?:は|が)?(?:、)?| is| on| was){0,3}[（(]?(?P<d>(?P<m1>[0-9]{1,2})月(?P<d1>[0-9]{1,2})日|(?P<m2>[0-9]{1,2})/(?P<d2>[0-9]{1,2})(?![0-9/])|"
    r"(?P<d3>[0-9]{1,2}) (?P<m3>" + _MONTH_RE + r")\.?(?![a-z])|(?P<m4>" + _MONTH_RE + r")\.? (?P<d4>[0-9]{1,2})(?![0-9]))",
    re.IGNORECASE,
)


def _month_day(m: re.Match[str]) -> tuple[int, int]:
    g = m.groupdict()
    if g["m1"]:
        return int(g["m1"]), int(g["d1"])
    if g["m2"]:
        return int(g["m2"]), int(g["d2"])
    if g["m3"]:
        return _MONTHS[g["m3"].lower()[:3]], int(g["d3"])
    return _MONTHS[g["m4"].lower()[:3]], int(g["d4"])


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
_BLOCK_TAIL = r"(?:[0-9]{1,4}(?:番地?(?:の[0-9]{1,4})?|-)(?:[0-9]{1,4}(?:号|-[0-9]{1,4})?)?|[0-9]{1,4}(?![0-9\-]))?"
_BLOCK = re.compile(
    r"[0-9](?<![0-9][0-9])[0-9]{0,3}"
    r"(?:丁目" + _BLOCK_TAIL + r"|-[0-9]{1,4}(?:-[0-9]{1,4}){0,2}|番地?(?:の?[0-9]{1,4}号?)?)"
    r"(?![0-9])"
)
_KNUM = "0-9一二三四五六七八九十〇"
_BLOCK_KANJI = re.compile(r"[一二三四五六七八九十]{1,3}丁目(?:" + _BLOCK_TAIL[3:-2] + rf"|[{_KNUM}]{{1,4}}番地?(?:[{_KNUM}]{{1,4}}号)?)?(?![0-9])")
_RUN_TAIL = re.compile(rf"(?:[{_ADDR_CHARS}]|[0-9]{{1,2}}条){{1,30}}\Z")  # 札幌市中央区北5条西2丁目
_MUNI_SUFFIX = re.compile(r"[市区町村郡]")


_ADDR_CHAR_RE = re.compile(rf"[{_ADDR_CHARS}]")
_ADDR_TRIGGER = re.compile(r"[都道府県市区町村郡]")


def address_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    if not _ADDR_TRIGGER.search(text):
        return out
    blocks = list(_BLOCK.finditer(text))
    if "丁目" in text:
        blocks += list(_BLOCK_KANJI.finditer(text))
    for m in blocks:
        s, e = m.start(), m.end()
        if s == 0 or not _ADDR_CHAR_RE.match(text, s - 1) or text[s - 1] == "第":
            continue  # (第2024-018号 is a document number)
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
        # Include a room number written after the block ("-101", " 101号室") and the building
        # with its floor or room ("北斗第二ビル 8階", "メゾン名駅 501号室").
        room = re.match(r"(?:号室|号)", text[e : e + 2])
        if room:
            e += room.end()
        bm = _BUILDING_AFTER.match(text, e)
        if bm is not None and bm.end() > e:
            e = bm.end()
        out.append(Candidate(C.ADDRESS, start, e, score, key))
    return out


_BUILDING_WORD = (r"(?:ビル(?:ディング)?|マンション|ハイツ|コーポ|レジデンス|タワー|アパート|荘|館|プラザ|ヒルズ|センター|ハウス|"
                  r"パレス|コート|テラス|メゾン|棟|号館|Bldg\.?|Building)")
_BUILDING_AFTER = re.compile(
    rf"(?:[ ]?(?:[^\s\t,、。|()（）「」]{{0,16}}{_BUILDING_WORD}[^\s\t,、。|()（）「」]{{0,8}}|{_BUILDING_WORD}[^\s\t,、。|()（）]{{1,16}})"
    r"(?:[ ]?[0-9一二三四五六七八九〇]{1,4}(?:階|F|号室|号|(?![0-9\-])))?|[ ]?[0-9]{1,4}(?:階|F|号室))"
)


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

_W = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# (kind, regex, value group or 0, trigger substrings (case-insensitive), characters not allowed before the match)
_SECRET_PATTERNS: list[tuple[str, re.Pattern[str], int, tuple[str, ...], frozenset[str]]] = [
    ("private_key", re.compile(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
        r"[A-Za-z0-9+/=\s:,\-]{0,20000}?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
     0, ("private key",), frozenset()),
    ("anthropic_key", re.compile(r"sk-ant-[A-Za-z0-9_\-]{20,200}(?![A-Za-z0-9_\-])"), 0, ("sk-ant-",), frozenset(_W + "_-")),
    ("openai_key", re.compile(r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,200}(?![A-Za-z0-9_\-])"), 0, ("sk-",),
     frozenset(_W + "_-")),
    ("aws_access_key", re.compile(r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}(?![A-Za-z0-9])"), 0,
     ("akia", "asia", "agpa", "aida", "aroa", "anpa"), frozenset(_W)),
    ("github_token", re.compile(r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])"), 0,
     ("gh", "github_pat_"), frozenset(_W + "_")),
    ("slack_token", re.compile(r"xox[baprse]-[A-Za-z0-9\-]{10,200}(?![A-Za-z0-9\-])"), 0, ("xox",), frozenset(_W + "-")),
    ("google_key", re.compile(r"AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])"), 0, ("aiza",), frozenset(_W + "_-")),
    ("stripe_key", re.compile(r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,200}(?![A-Za-z0-9_])"), 0, ("_live_", "_test_"),
     frozenset(_W + "_")),
    ("jwt", re.compile(r"eyJ[A-Za-z0-9_\-]{8,2000}\.eyJ[A-Za-z0-9_\-]{8,4000}\.[A-Za-z0-9_\-]{8,2000}(?![A-Za-z0-9_\-])"), 0,
     ("eyj",), frozenset(_W + "_-")),
    ("webhook_url", re.compile(
        r"https://(?:hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]{20,300}|"
        r"[A-Za-z0-9\-]{1,63}\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/\-]{40,500}|"
        r"(?:discord|discordapp)\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_\-]{20,200}|"
        r"chat\.googleapis\.com/v1/spaces/[A-Za-z0-9_\-]{4,64}/messages\?key=[A-Za-z0-9_\-]{20,100}&token=[A-Za-z0-9_%\-]{20,200})"), 0,
     ("hooks.slack.com", "webhook.office.com", "/api/webhooks/", "chat.googleapis.com"), frozenset()),
    ("stripe_webhook_secret", re.compile(r"whsec_[A-Za-z0-9]{20,200}(?![A-Za-z0-9])"), 0, ("whsec_",), frozenset(_W + "_")),
    ("sendgrid_key", re.compile(r"SG\.[A-Za-z0-9_\-]{16,64}\.[A-Za-z0-9_\-]{16,128}(?![A-Za-z0-9_\-])"), 0, ("sg.",),
     frozenset(_W)),
    ("gitlab_token", re.compile(r"gl(?:pat|ptt|dt|rt)-[A-Za-z0-9_\-]{20,100}(?![A-Za-z0-9_\-])"), 0, ("glpat-", "glptt-", "gldt-", "glrt-"),
     frozenset(_W + "_-")),
    ("live_key", re.compile(r"[a-z]{2,8}_live_[A-Za-z0-9]{16,200}(?![A-Za-z0-9_])"), 0, ("_live_",), frozenset(_W + "_")),
    ("azure_storage_key", re.compile(r"AccountKey=(?P<v>[A-Za-z0-9+/]{40,120}={0,2})"), 1, ("accountkey=",), frozenset()),
    ("sas_signature", re.compile(r"[?&]sig=(?P<v>[A-Za-z0-9%+/=]{20,200})"), 1, ("sig=",), frozenset()),
    ("docker_token", re.compile(r"dckr_pat_[A-Za-z0-9_\-]{20,100}"), 0, ("dckr_pat_",), frozenset(_W + "_")),
    ("shopify_token", re.compile(r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])"), 0, ("shpat_", "shpca_", "shppa_", "shpss_"),
     frozenset(_W + "_")),
    ("basic_auth", re.compile(r"[Aa]uthorization:[ \t]*Basic (?P<v>[A-Za-z0-9+/]{12,400}={0,2})"), 1, ("basic ",), frozenset()),
    ("telegram_bot", re.compile(r"(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_\-]{30,40}(?![A-Za-z0-9_\-])"), 0, (":aa",), frozenset()),
    # PGPASSWORD='…', MYSQL_ROOT_PASSWORD=…: an environment variable whose name ends in PASSWORD.
    ("env_password", re.compile(r"(?<![A-Za-z0-9_$])[A-Z][A-Z0-9_]{0,30}(?:PASSWORD|PASSWD|_PWD|_PASS)[\"']?[ \t]*=[ \t]*[\"']?"
                                r"(?P<v>[^\s\"'`;]{4,128})"), 1, ("password=", "passwd=", "_pwd=", "_pass=", "password =", "password='",
                                                               'password="'), frozenset()),
    ("bearer", re.compile(r"[Bb]earer (?P<v>[A-Za-z0-9._~+/\-]{20,2000}=*)(?![A-Za-z0-9._~+/\-])"), 1, ("bearer",),
     frozenset(_W)),
    ("connection_password", re.compile(
        r"[a-z][a-z0-9+]{1,20}://[^\s:/@]{0,100}:(?P<v>[^\s:/@]{1,200})@[A-Za-z0-9.\-]{1,255}"), 1, ("://",),
     frozenset()),
    ("password", re.compile(
        r"(?i:password|passwd|pwd|passcode|pass|パスワード|暗証番号|pw|pin)[\"']?"
        r"(?:[ \t]{0,8}[:=：][ \t]{0,8}|\s?(?:は|is)\s?|(?<=ド)[ 　](?=[\x21-\x7e]{6,}(?:\s|$)))[\"'「]?(?P<v>[^\s\"'」、。,;\u0080-\uffff]{4,128})"), 1,
     ("pass", "pwd", "pw", "pin", "パスワード", "暗証番号"), frozenset(_W)),
    # The password mail that follows an attachment: a line about the password, then the value alone
    # on its line ("先ほどのファイルのパスワードです。\nKcs#2410_esc!"); kept only when password-like.
    ("password_next_line", re.compile(r"(?i:password|passcode|パスワード|暗証番号)[^\n=(){}\"'$<>\[\]]{0,40}\n[ \t\u3000]*"
                                      r"(?P<v>[\x21-\x7e]{5,63}[^\s:,;=({\[])[ \t\u3000]*(?=\n|$)"), 1,
     ("password", "passcode", "パスワード", "暗証番号"), frozenset()),
    ("cli_password", re.compile(
        r"(?:-p|--password[= ])(?P<q>['\"]?)(?P<v>[\x21-\x7e]{6,64}?)(?P=q)(?=\s|$)|-u [A-Za-z0-9._\-]{1,64}:(?P<w>[\x21-\x7e]{6,64})(?=\s)"),
     -1, ("-p", "--password", "-u "), frozenset(_W + "-")),
    # ~/.pgpass lines: host:port:database:user:password
    ("pgpass", re.compile(r"^[A-Za-z0-9.\-_*]{1,255}:(?:[0-9]{2,5}|\*):[^\s:]{1,64}:[^\s:]{1,64}:(?P<v>[^\s]{4,128})$",
                          re.MULTILINE), 1, ("pgpass", ":5432:", ":*:"), frozenset()),
    # A password passed to a login call: smtp.login("user", "…"), ldap.bind("cn=…", "…")
    ("login_call", re.compile(r"\.(?:login|auth|authenticate|bind|connect)\(\s*[\"'][^\"'\n]{1,128}[\"']\s*,\s*"
                              r"(?:password\s*=\s*)?[\"'](?P<v>[^\"'\s]{4,128})[\"']"), 1,
     (".login(", ".auth(", ".authenticate(", ".bind(", ".connect("), frozenset()),
    # "PW Lobby#Yotei2025", "admin / N1seko!Ctrl#88", "qa-user01 / Qa!2026-stg#71": kept only when the value is
    # password-like (three kinds of characters, see _strong_password).
    ("password_spaced", re.compile(r"(?<![A-Za-z])(?:PW|Pw|pw|PASS|Pass|パス|暗証) (?P<v>[\x21-\x7e]{6,64})(?=[\s)）、。]|$)"), 1,
     ("pw ", "pass ", "パス ", "暗証 "), frozenset()),
    ("user_password", re.compile(r"(?<![\w./:\-])(?:admin|root|user|[a-z][a-z0-9._\-]{1,30}[0-9])[ \t]?/[ \t]?"
                                 r"(?P<v>[\x21-\x7e]{8,64}?)(?=[\s)）、。,]|$)"), 1, (" / ", "/"), frozenset()),
    ("api_key_assignment", re.compile(
        r"(?i:api[_\- ]?key|apikey|secret(?:[_\- ]?(?:key|id))?|access[_\- ]?token|auth[_\- ]?token|client[_\- ]?secret|"
        r"token|アクセスキー|シークレット|apiキー|トークン)[\"']?[ \t]{0,8}[:=：][ \t]{0,8}[\"'「]?(?P<v>[A-Za-z0-9_\-./+=]{16,512})"), 1,
     ("key", "token", "secret", "キー", "トークン", "シークレット"), frozenset(_W)),
]


_KEYWORD_FIRST: dict[str, re.Pattern[str]] = {
    "password": re.compile(r"password|passwd|pwd|passcode|pass|パスワード|暗証番号|pw|pin"),
    "password_next_line": re.compile(r"password|passcode|パスワード|暗証番号"),
    "api_key_assignment": re.compile(
        r"api[_\- ]?key|apikey|secret|access[_\- ]?token|auth[_\- ]?token|client[_\- ]?secret|token|"
        r"アクセスキー|シークレット|apiキー|トークン"
    ),
}


def secret_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    lower = lower_of(text)
    for kind, rx, group, triggers, bad_before in _SECRET_PATTERNS:
        if not any(k in lower for k in triggers):
            continue
        if kind in _KEYWORD_FIRST and len(lower) == len(text):
            # Find the keyword in the lower-cased text (a plain literal search), then match the
            # full pattern only there: far cheaper than a case-insensitive scan of everything.
            found = (rx.match(text, km.start()) for km in _KEYWORD_FIRST[kind].finditer(lower))
            found = (m for m in found if m is not None)
        else:
            found = rx.finditer(text)
        for m in found:
            if bad_before and m.start() > 0 and text[m.start() - 1] in bad_before:
                continue
            if group == -1:
                g = "v" if m.group("v") else "w"
                s, e = m.start(g), m.end(g)
            else:
                s, e = (m.start("v"), m.end("v")) if group else (m.start(), m.end())
            value = text[s:e]
            if kind == "password" and value[-1:] in "()[].":
                if _IDENTIFIER.fullmatch(value.rstrip("()[].")) and value[-1:] in ")]":
                    continue  # password=DB_PASS) / pwd=get_pw(): code, the value comes from elsewhere
                if not _IDENTIFIER.fullmatch(value.rstrip("()[].")):
                    e -= len(value) - len(value.rstrip("()[]."))  # "Zx1000!q（。": the bracket is not part of it
                    value = text[s:e]
            if kind in ("password_spaced", "user_password", "password_next_line") and not _strong_password(value):
                continue
            if kind == "password_next_line" and ("=" in value or text[m.start() : s].rstrip().endswith(":") and
                                                 "\n" in text[m.start() : s] and _CODE_LINE.search(text, max(0, m.start() - 200), m.start())):
                continue  # a key of a config file, not a value
            if kind == "user_password" and not _LOGIN_WORDS.search(text, max(0, m.start() - 80), s):
                continue
            head = text[max(0, m.start() - 16) : m.start()]
            if "${" in head and "}" not in head[head.rindex("${") :]:
                continue  # ${POSTGRES_PASSWORD:?set}: the keyword is a variable name inside a template
            if kind in ("password", "cli_password", "api_key_assignment", "env_password") and (
                    _looks_like_prose(value) or _not_a_value(text, s, e)):
                continue
            if _PLACEHOLDER_SECRET.search(value) or (kind in ("password", "env_password") and _weak_placeholder(value)):
                continue
            if kind == "connection_password" and (value.startswith(("$", "<", "{", "%")) or set(value) <= set("*x")):
                continue
            score = 0.9 if kind in ("password", "cli_password", "api_key_assignment", "bearer", "env_password") else 0.97
            out.append(Candidate(C.SECRET, s, e, score, "secret", {"kind": kind}))
    out += _entropy_near_keyword(text, lower, out)
    return out


# Values that are not secrets: templates, variables, code that reads a secret, masks, samples.
_PLACEHOLDER_SECRET = re.compile(
    r"^(?:\$\{|\$[A-Z_]|\$\(|<[^<>]{1,60}>?$|\{\{|%\(|%[A-Z_]+%|\[[A-Z_ ]+\]$|[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}$|(?i:yes|no)\)?$)|"
    r"(?i:^(?:x{4,}|\*{3,}|•{3,}|●{3,}|\.{3,}|your[_\-]|<your|changeme|change_me|dummy|sample|example|placeholder|"
    r"redacted|masked|none|null|undefined|true|false|secret|password|passw0rd|p@ssw0rd|test|todo|tbd|xxx)|"
    r"example(?:key)?$|x{6,}|0{8,}|(?:_test_)x{4,})|"
    r"(?:os\.environ|os\.getenv|getenv\(|process\.env|env\[|ENV\[|settings\.|config\.|secrets\.|vault|"
    r"InputBox\(|input\(|prompt\(|var\.|keyring|ssm:|arn:aws|"
    r"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c)"  # jwt.io's sample token
)


_CODE_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_.\-]*\s*[:=]", re.MULTILINE)
_LOGIN_WORDS = re.compile(r"(?i:account|login|log in|sign in|user|admin|root|credential|ログイン|アカウント|ユーザ|管理者|ID)")


def _strong_password(value: str) -> bool:
    """A password-like token: three of lower case, upper case, digits, symbols, and no path or URL."""
    if "/" in value or "\\" in value or "://" in value or value.count(".") >= 2:
        return False
    kinds = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value),
                 any(not c.isalnum() for c in value)))
    return kinds >= 3


def _weak_placeholder(value: str) -> bool:
    return len(set(value)) <= 2


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _not_a_value(text: str, s: int, e: int) -> bool:
    """The text after the keyword is code or prose: "password = os.environ[...]", "password: Permission denied",
    "password is missing."."""
    value = text[s:e]
    core = value.rstrip("([.")
    if (core != value or text[e : e + 1] in ("(", "[")) and _IDENTIFIER.fullmatch(core):
        return True  # os.environ[ / InputBox( / getenv( / "is missing."
    if value.isalpha() and value[:1].isupper() is False and value.lower() == value and len(value) < 12:
        return True  # password is missing / pwd = input
    return value.isalpha() and value.istitle()  # "Permission", "Required"


_SECRET_WORD_LINE = re.compile(
    r"(?i:key|token|secret|password|passwd|pwd|credential|api|パスワード|トークン|キー|シークレット)"
)
_SECRET_WORD_LOWER = re.compile(r"key|token|secret|password|passwd|pwd|credential|api|パスワード|トークン|キー|シークレット")
_ENTROPY_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{20,200}")
_HASH_WORDS = re.compile(r"(?i:sha|md5|hash|digest|commit|checksum|fingerprint|uuid|request[_ -]?id|trace|etag|build|image|"
                         r"ハッシュ|コミット)")


def _entropy(s: str) -> float:
    from collections import Counter
    from math import log2

    n = len(s)
    return -sum(c / n * log2(c / n) for c in Counter(s).values())


def _entropy_near_keyword(text: str, lower: str, found: list[Candidate]) -> list[Candidate]:
    """A long random-looking token on a line that talks about a key or token: "new one is c1e1…",
    datadog_api_key = "…"."""
    out: list[Candidate] = []
    if not _SECRET_WORD_LINE.search(text):
        return out
    taken = [(c.start, c.end) for c in found]
    starts: list[int] = []  # the lines that mention a key or token
    src, rx = (lower, _SECRET_WORD_LOWER) if len(lower) == len(text) else (text, _SECRET_WORD_LINE)
    for wm in rx.finditer(src):
        ls = text.rfind("\n", 0, wm.start()) + 1
        if not starts or starts[-1] != ls:
            starts.append(ls)
    for pos in starts:
        end = text.find("\n", pos)
        line = text[pos : len(text) if end == -1 else end]
        prev_line = text[text.rfind("\n", 0, max(0, pos - 1)) + 1 : max(0, pos - 1)] if pos else ""
        if not _HASH_WORDS.search(line) and not _HASH_WORDS.search(prev_line):
            for m in _ENTROPY_TOKEN.finditer(line):
                s, e = pos + m.start(), pos + m.end()
                tok = m.group()
                if any(a < e and s < b for a, b in taken):
                    continue
                if m.start() > 0 and (line[m.start() - 1].isalnum() or line[m.start() - 1] in "./@:"):
                    continue
                if tok.startswith("/") or re.fullmatch(r"(?:[\w.\-]+/){2,}[\w.\-]*", tok):
                    continue  # a file path
                if "=" in tok.rstrip("=") or tok.count("-") >= 2 and re.search(r"(?:^|-)[a-z]{3,}(?:-|$)", tok):
                    continue  # KEY=value pairs, pod names such as orders-api-7d9c8b6f54-kx2lp
                classes = sum(bool(re.search(p, tok)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
                hexy = re.fullmatch(r"[0-9a-f]{32,}", tok) is not None
                if (hexy or (classes >= 2 and _entropy(tok) >= 3.5)) and not _PLACEHOLDER_SECRET.search(tok) \
                        and not re.fullmatch(r"[A-Za-z_\-]+", tok):
                    out.append(Candidate(C.SECRET, s, e, 0.8, "secret", {"kind": "high_entropy"}))
    return out


def _looks_like_prose(value: str) -> bool:
    """'パスワードは定期的に変更' / 'パスワードは12文字以上' is advice, not a password: a value with any
    non-ASCII character (or none that a password would have) is rejected."""
    return not value.isascii() or not any(c.isalnum() or c in "!#$%&*+-_=?@^~" for c in value)


# --------------------------------------------------------------------------------------------
# Confidentiality markers and organisation terms
# --------------------------------------------------------------------------------------------

_CONF_MARKERS = re.compile(
    r"社外秘|極秘|厳秘|部外秘|庁外秘|局外秘|課外秘|所外秘|室外秘|院外秘|署外秘|団外秘|校外秘|関係者外秘|社内秘|機密(?!性)(?:情報|文書|資料|事項|扱い)?|取扱注意|取り扱い注意|取扱い注意|"
    r"社内限り|社内限定|部内限り|社内関係者限り|関係者限り|持ち出し禁止|持出禁止|転送禁止|複製禁止"
)
_CONF_MARKERS_EN = re.compile(
    r"(?i:(?:confidentiality notice|strictly confidential|confidential|internal use only|internal only|for internal use|"
    r"proprietary and confidential|do not distribute|not for distribution|top secret)(?![A-Za-z]))"
)
_CONF_MARKERS_EN_LOWER = re.compile(
    r"(?:confidentiality notice|strictly confidential|confidential|internal use only|internal only|for internal use|"
    r"proprietary and confidential|do not distribute|not for distribution|top secret)(?![a-z])"
)
_CONF_EN_TRIGGERS = ("confidential", "internal", "distribut", "top secret")
_SENSITIVE_MARKERS = re.compile(
    r"人事評価|人事考課|査定結果|給与明細|懲戒処分|病歴|健康診断結果|診断書|顧客リスト|顧客名簿|会員名簿|社員名簿|個人情報一覧"
)


# A marker word used as vocabulary rather than put on the material: a contract's 機密保持 /
# 秘密情報, a classification scheme that lists 「社外秘」 and defines it, a comparison
# 「社外秘と部外秘の違い」, "confidential computing", "Confidential Information means".
_CONF_VOCAB_AFTER = re.compile(
    r"(?:保持|性|保護|管理|区分|レベル|度|指定|扱いとする|の定義|の違い|とは|に区分|に分類|として(?:取り?扱|扱|管理)|"
    r"文書は|情報は|資料は|の取扱い|の取り扱い|を含む(?:文書|情報)の|と(?:は|の)|[ ]?と(?:入れ|書|記載|表示|押|付け|いう|明記)|[：:](?!\s*$)|は(?!.{0,2}(?:です|だ|である))|も|"
    r"[」』\"”][ ]?(?:と|や|、|・|の|に|を|は|として|に区分|に該当|扱い|区分))"
)
_CONF_VOCAB_BEFORE = re.compile(r"(?:区分|分類|レベル|等級|ラベル|定義|指定|「|『|“|\"|'|[(（][0-9]{1,2}[)）] ?|[0-9]\. ?)\Z")
_CONF_EN_VOCAB_AFTER = re.compile(
    r"(?i: ?(?:information|computing|vm|containers?|treatment|obligations?|nature|data means|clause|agreement|"
    r"(?:and|or) (?:proprietary|non-public)|basis|relationship|manner)(?![a-z]))"
)
_CONF_HEADING_AFTER = re.compile(r"[ \u3000]?(?:[-–—:：|/／]|\n|$)")
_CONF_LIST_SEP = re.compile(r"[ \u3000]?(?:[・、,，/／]|and|or|と|や)[ \u3000]?", re.IGNORECASE)
_CONF_NOTICE = re.compile(r"本メール|このメール|本資料|この資料|本書|本文書|添付|当資料|e-?mail|this message|attachment", re.IGNORECASE)
_CONF_GENERIC = frozenset({"機密", "機密情報", "機密文書", "機密資料", "機密事項"})
_ATTACHED_BEFORE = re.compile(r"(?:添付の|以下の|下記の|次の|この|貼り付けた|貼った|送った|共有した)\Z")
_ATTACHED_AFTER = re.compile(r"(?:の結果|を(?:貼|添付|要約|分析|集計)|です|（抜粋）|\(抜粋\)|[:：]\s*\n)")
_CONF_EN_NOTICE = re.compile(r"(?i:e-?mail|message|attachment|intended recipient|transmission|privileged)")


def confidential_candidates(text: str, org_terms: list[tuple[str, re.Pattern[str]]]) -> list[Candidate]:
    out = []
    lower = lower_of(text)
    matches = list(_CONF_MARKERS.finditer(text))
    if any(k in lower for k in _CONF_EN_TRIGGERS):
        # Match on the lower-cased copy when lower() kept every offset (it nearly always does).
        src, rx = (lower, _CONF_MARKERS_EN_LOWER) if len(lower) == len(text) else (text, _CONF_MARKERS_EN)
        matches += [mm for mm in rx.finditer(src)
                    if not (mm.start() > 0 and src[mm.start() - 1].isascii() and src[mm.start() - 1].isalpha())]
    matches.sort(key=lambda mm: mm.start())
    spans = [(m.start(), m.end()) for m in matches]
    framed_end = -1
    notice_until = -1  # the paragraph of a "CONFIDENTIALITY NOTICE:" footer: its words are the notice's, not new markers
    for m in matches:
        s, e = m.start(), m.end()
        if s < notice_until:
            continue
        if text[s:e].lower() == "confidentiality notice":
            para = text.find("\n\n", e)
            notice_until = len(text) if para == -1 else para
        before = text[s - 1] if s > 0 else "\n"
        after = text[e] if e < len(text) else "\n"
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        line_end = len(text) if line_end == -1 else line_end
        lead = text[line_start:s].strip(" \u3000【[(<#*-|>・")
        alone = not lead and not text[e:line_end].strip(" \u3000】])>*-|:：")
        heading = not lead and _CONF_HEADING_AFTER.match(text, e) is not None
        framed = before in "【[<〔《#*" or after in "】]>〕》" or alone or heading
        # "CONFIDENTIAL – Do not distribute", "社内限り／取扱注意": a second marker in a framed heading.
        if framed_end >= 0 and line_start <= framed_end <= s and not text[framed_end:s].strip(" \u3000-–—/／|・:："):
            framed = True
        if framed:
            framed_end = e
        # An enumeration of markers ("社外秘・部外秘として指定", "(極秘, 社外秘, 社内限り)") talks about them.
        listed = any(0 < (s - oe) <= 5 and _CONF_LIST_SEP.fullmatch(text[oe:s]) or
                     0 < (os_ - e) <= 5 and _CONF_LIST_SEP.fullmatch(text[e:os_]) for os_, oe in spans)
        near_before = text[max(0, s - 3) : s].strip()[-1:] or "\n"
        near_after = text[e : e + 3].strip()[:1] or "\n"
        english = text[s].isascii() and near_before.isascii() and near_after.isascii()
        notice = _CONF_NOTICE.search(text, line_start, line_end) is not None
        if framed:
            score = 0.95
        elif listed:
            score = 0.3
        elif english:
            upper = text[s:e].isupper() and len(text[s:e]) > 3
            if _CONF_EN_NOTICE.search(text, line_start, line_end) and re.search(r"(?i)e-?mail|message|attachment",
                                                                                   text[line_start:line_end]):
                score = 0.8  # "This e-mail ... may contain confidential information": a notice on the e-mail
            elif _CONF_EN_VOCAB_AFTER.match(text, e):
                score = 0.3
            elif upper or _CONF_EN_NOTICE.search(text, line_start, line_end):
                score = 0.8
            else:
                score = 0.35
        elif _CONF_VOCAB_AFTER.match(text, e) or _CONF_VOCAB_BEFORE.search(text, max(0, s - 6), s):
            score = 0.3
        elif text[s:e] in _CONF_GENERIC and not notice:
            score = 0.35  # 会社の機密情報を開示してはならない: a rule about such information
        else:
            score = 0.75
        out.append(Candidate(C.CONFIDENTIAL, s, e, score, "confidential_marker" if score >= 0.5 else "confidential_word",
                             {"term": text[s:e]}))
    for m in _SENSITIVE_MARKERS.finditer(text):
        # Topic words are a marker only when they name material that is pasted or attached
        # ("添付の顧客リスト", "以下の人事評価"); otherwise they are a hint ("人事評価シートのテンプレート").
        attached = _ATTACHED_BEFORE.search(text, max(0, m.start() - 6), m.start()) is not None or \
            _ATTACHED_AFTER.match(text, m.end()) is not None
        out.append(Candidate(C.CONFIDENTIAL, m.start(), m.end(), 0.7 if attached else 0.35, "sensitive_marker",
                             {"term": m.group()}))
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
