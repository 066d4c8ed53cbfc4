"""Validation rules: check digits, card brands, calendar dates, IP octets, phone numbering.

Every function takes already-normalised ASCII text and returns a plain value; none of them
raises with the candidate value in the message.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re

_NON_DIGIT = re.compile(r"[^0-9]")


def digits_only(s: str) -> str:
    return _NON_DIGIT.sub("", s)


# --- My Number (個人番号) -------------------------------------------------------------------

def my_number_check_digit(first11: str) -> int:
    """Check digit of a 12-digit My Number (行政手続における特定の個人を識別するための番号の
    利用等に関する法律施行令 第8条): weights 2..7,2..6 from the right, modulus 11."""
    if len(first11) != 11 or not first11.isdigit():
        raise ValueError("My Number body must be 11 ASCII digits")
    total = 0
    for n in range(1, 12):  # n-th digit counted from the right
        p = int(first11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(digits: str) -> bool:
    if len(digits) != 12 or not digits.isdigit():
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])


# --- Corporate number (法人番号) ------------------------------------------------------------

def corporate_number_check_digit(body12: str) -> int:
    """Leading check digit of a 13-digit corporate number: 9 - (sum P_n*Q_n mod 9),
    Q_n = 1 for odd n, 2 for even n, n counted from the right of the 12-digit body."""
    if len(body12) != 12 or not body12.isdigit():
        raise ValueError("corporate number body must be 12 ASCII digits")
    total = 0
    for n in range(1, 13):
        p = int(body12[12 - n])
        total += p * (1 if n % 2 else 2)
    return 9 - (total % 9)


def is_valid_corporate_number(digits: str) -> bool:
    if len(digits) != 13 or not digits.isdigit():
        return False
    return corporate_number_check_digit(digits[1:]) == int(digits[0])


# --- Payment cards --------------------------------------------------------------------------

def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to ``partial`` (used by the corpus generator and tests)."""
    for d in "0123456789":
        if luhn_ok(partial + d):
            return partial + d
    raise AssertionError("unreachable")


def card_brand(digits: str) -> str | None:
    """The card brand whose prefix and length rules ``digits`` satisfies, else None."""
    n = len(digits)
    if not digits.isdigit():
        return None
    p2 = int(digits[:2]) if n >= 2 else -1
    p3 = int(digits[:3]) if n >= 3 else -1
    p4 = int(digits[:4]) if n >= 4 else -1
    p6 = int(digits[:6]) if n >= 6 else -1
    if digits[0] == "4" and n in (13, 16, 19):
        return "Visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "Mastercard"
    if p2 in (34, 37) and n == 15:
        return "American Express"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "JCB"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39) or p4 == 3095) and 14 <= n <= 19:
        return "Diners Club"
    if (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925) and 16 <= n <= 19:
        return "Discover"
    if p2 == 62 and 16 <= n <= 19:
        return "UnionPay"
    return None


def is_valid_card(digits: str) -> bool:
    return card_brand(digits) is not None and luhn_ok(digits)


# --- Dates ----------------------------------------------------------------------------------

# Era name -> (first Gregorian year, first day, last day).
ERAS: dict[str, tuple[int, _dt.date, _dt.date]] = {
    "明治": (1868, _dt.date(1868, 1, 25), _dt.date(1912, 7, 29)),
    "大正": (1912, _dt.date(1912, 7, 30), _dt.date(1926, 12, 24)),
    "昭和": (1926, _dt.date(1926, 12, 25), _dt.date(1989, 1, 7)),
    "平成": (1989, _dt.date(1989, 1, 8), _dt.date(2019, 4, 30)),
    "令和": (2019, _dt.date(2019, 5, 1), _dt.date(9999, 12, 31)),
}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}


def real_date(year: int, month: int, day: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def era_to_date(era: str, era_year: int, month: int, day: int) -> _dt.date | None:
    """A real calendar date inside the era's span, else None (e.g. 平成32年, 昭和64年2月)."""
    era = ERA_LETTERS.get(era.upper(), era) if len(era) == 1 else era
    if era not in ERAS or era_year < 1:
        return None
    first, lo, hi = ERAS[era]
    d = real_date(first + era_year - 1, month, day)
    if d is None or not (lo <= d <= hi):
        return None
    return d


def plausible_birth_date(d: _dt.date, today: _dt.date | None = None) -> bool:
    today = today or _dt.date.today()
    return _dt.date(1880, 1, 1) <= d <= today


# --- IP addresses ---------------------------------------------------------------------------

def ip_kind(s: str) -> str | None:
    """'public', 'private', 'local' (loopback/unspecified/link-local) or None if not an IP."""
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast:
        return "local"
    if ip.is_private:
        return "private"
    return "public"


# --- Phone numbers --------------------------------------------------------------------------

def jp_phone_kind(s: str) -> str | None:
    """Validate with Google's libphonenumber (region JP); return the number type name or None."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    try:
        num = phonenumbers.parse(s, "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    kind = phonenumbers.number_type(num)
    return {
        PhoneNumberType.MOBILE: "mobile",
        PhoneNumberType.FIXED_LINE: "fixed",
        PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed",
        PhoneNumberType.TOLL_FREE: "toll_free",
        PhoneNumberType.VOIP: "voip",
        PhoneNumberType.PAGER: "pager",
        PhoneNumberType.PREMIUM_RATE: "premium",
        PhoneNumberType.UAN: "uan",
        PhoneNumberType.PERSONAL_NUMBER: "personal",
    }.get(kind, "other")


# --- IBAN -----------------------------------------------------------------------------------

def iban_ok(s: str) -> bool:
    s = s.replace(" ", "").upper()
    if not (15 <= len(s) <= 34) or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    rearranged = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in rearranged)
    return int(num) % 97 == 1


def mrz_check_digit(field: str) -> int:
    """ICAO 9303 check digit of a machine-readable-zone field (weights 7, 3, 1; < is 0, A = 10)."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            val = int(ch)
        elif "A" <= ch <= "Z":
            val = ord(ch) - 55
        else:
            val = 0
        total += val * (7, 3, 1)[i % 3]
    return total % 10
