"""Phone numbers and street addresses of the countries a Japanese company deals with.

Phones: ``+<country code>`` numbers in any grouping, and national numbers of the regions below
next to a phone label (Tel., Phone, Mobile, DID, M, Tél., 电话, 手机, 전화 ...), each checked by
Google's ``phonenumbers``. Japanese national numbers (0...) stay with the Japanese phone
detector. A US number in the (415) 555-0134 / 415-555-0134 shape needs no label.

Addresses: US / UK / Singapore / Korean / German / French street lines, romanised Japanese
addresses ("4-18-2 Minami-Aoyama, Minato-ku, Tokyo") and Chinese addresses (上海市徐汇区…路398号).

Runs on the normalised text; offsets are normalised offsets.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from portal.risk.detectors import Candidate
from portal.risk.normalize import lower_of
from portal.risk.findings import Category

C = Category

REGIONS = ("JP", "US", "GB", "CN", "KR", "TW", "SG", "AU", "DE", "FR", "HK", "IN", "TH", "VN", "PH", "ID", "MY")

# +<cc> and up to 17 more digits in groups; brackets, dots, hyphens and spaces as separators.
_INTL = re.compile(r"\+(?<![0-9A-Za-z]\+)[1-9][0-9]{0,2}(?:[ .\-]?\(?[0-9]{1,5}\)?){1,6}(?![0-9])")
_NATIONAL = re.compile(
    r"[(0-9](?<![0-9A-Za-z_+@./\-][(0-9])\(?[0-9]{1,5}\)?(?:[ .\-][0-9]{2,8}){1,4}(?![0-9A-Za-z:])(?!-[0-9])"
)
_US_SHAPE = re.compile(r"(?<![0-9A-Za-z+\-])(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[.\-])[2-9][0-9]{2}[.\-][0-9]{4}(?![0-9A-Za-z\-])")
_PHONE_LABEL = re.compile(
    r"(?:tel|phone|mobile|mob|cell|fax|did|direct|office|main|whatsapp|line|telephone|tél|téléphone|handy|"
    r"numéro|numero|portable|handynummer|telefon|telefono|teléfono|celular|"
    r"電話|携帯|手机|手機|手提|电话|連絡先|联系电话|聯絡電話|行動電話|전화|전화번호|휴대폰|핸드폰|연락처|직통|m|t|p|h|o|w)\.?(?: ?(?:no\.?|number|#))? ?[:：]?"
    r"(?: (?:is(?: still)?|was|are)| \(?(?:home|work|mobile|cell|office)\)?)? ?\Z|"
    # "can be reached on 0412 684 307", "they may call you to / on …", "ring me on …", "text me at …"
    r"(?:reached|call(?: (?:me|you|us|him|her|them))?|ring(?: (?:me|us|him|her))?|text(?: (?:me|us))?|whatsapp(?: me)?|contact(?: me)?) (?:on|at|to) \Z",
    re.IGNORECASE,
)
_ID_LABEL_NEAR = re.compile(
    r"(?:order|invoice|ticket|tracking|serial|account|acct|iban|swift|sort code|bsb|routing|passport|licen[cs]e|"
    r"vat|reg|registration|company no|case|ref|po|sku|jan|isbn|注文|請求|伝票|追跡|番号|口座|型番|品番|id)\.?(?: ?(?:no\.?|number|#))? ?[:：]? ?\Z",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"[0-9]")
_JA_CHAR = re.compile(r"[ぁ-んァ-ヴ一-龥]")
_HANGUL = re.compile(r"[가-힣]")
_DATE_LIKE = re.compile(r"(?:19|20)[0-9]{2}[-.][01]?[0-9][-.][0-3]?[0-9]")


@lru_cache(maxsize=4096)
def _parse(raw: str, region: str | None) -> tuple[bool, bool]:
    """(valid, possible) of ``raw`` as a number of ``region`` (None: raw starts with +)."""
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False, False
    return phonenumbers.is_valid_number(num), phonenumbers.is_possible_number(num)


def _label_before(text: str, s: int, rx: re.Pattern[str], width: int = 16) -> bool:
    start = max(0, s - width, text.rfind("\n", 0, s) + 1)  # the label must be on the same line
    window = text[start:s]
    # A one-letter label ("M +65 ...", "T 03-...") must stand alone.
    m = rx.search(window)
    if m is None:
        return False
    i = start + m.start()
    if m.group()[:1].isascii() and m.group()[:1].isalpha() and i > 0 and text[i - 1].isalpha():
        return False  # inside a word: "Account No.:" is not the label "t No.:"
    return True


def phone_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    if "+" in text:
        for m in _INTL.finditer(text):
            raw = m.group().rstrip(" .-(")
            if raw.endswith(")") and raw.count(")") > raw.count("("):
                raw = raw[:-1].rstrip(" .-")  # "(+49 30 1234567)": the bracket around the number is not part of it
            if raw.startswith("+81"):
                continue  # the Japanese detector handles +81
            valid, possible = _parse(raw, None)
            if not possible:
                continue
            score = 0.92 if valid else 0.6
            out.append(Candidate(C.PHONE, m.start(), m.start() + len(raw), score, "phone_international",
                                 {"region": _region_of(raw)}))
    for m in _US_SHAPE.finditer(text):
        valid, possible = _parse(m.group(), "US")
        if possible and not _label_before(text, m.start(), _ID_LABEL_NEAR):
            toll_free = m.group().lstrip("(")[:3] in ("800", "888", "877", "866", "855", "844", "833")
            out.append(Candidate(C.PHONE, m.start(), m.end(), 0.45 if toll_free else (0.85 if valid else 0.7),
                                 "phone_business" if toll_free else "phone_international",
                                 {"kind": "toll_free"} if toll_free else {"region": "US"}))
    # National numbers of other regions, next to a phone label (or a Korean number on a Hangul line).
    for m in _NATIONAL.finditer(text):
        raw = m.group()
        if _DATE_LIKE.match(raw):
            continue
        if not _label_before(text, m.start(), _PHONE_LABEL):
            line = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
            if _HANGUL.search(line) and raw.count("-") == 2 and _parse(raw, "KR")[0]:
                out.append(Candidate(C.PHONE, m.start(), m.end(), 0.85, "phone_international", {"region": "KR"}))
            continue
        digits = sum(ch.isdigit() for ch in raw)
        if digits < 7 or digits > 13:
            continue
        if raw.startswith("0") and _JA_CHAR.search(text, text.rfind("\n", 0, m.start()) + 1, m.start()) and \
                (_parse(raw, "JP")[0] or not _parse(raw, "TW")[0] and not _parse(raw, "CN")[0]):
            continue  # a 0... number in Japanese text is Japanese: the Japanese detector decides
        if raw.startswith(("0120", "0800", "0570", "0990")) and _parse(raw, "JP")[0]:
            continue  # a Japanese toll-free or navi-dial number: the Japanese detector makes it a hint
        for region in REGIONS[1:]:
            valid, possible = _parse(raw, region)
            if valid:
                out.append(Candidate(C.PHONE, m.start(), m.end(), 0.88, "phone_international", {"region": region}))
                break
        else:
            if digits == 7 and re.fullmatch(r"[0-9]{3}-[0-9]{4}", raw):
                # "Tel: 555-0134": a local number without its area code.
                out.append(Candidate(C.PHONE, m.start(), m.end(), 0.7, "phone_international", {"region": "US"}))
    return out


def _region_of(raw: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(raw, None)) or "?"
    except phonenumbers.NumberParseException:
        return "?"


# --- Street addresses ---------------------------------------------------------------------------

_CAP = r"[A-Z][A-Za-zÀ-ÿ'’.\-]*"
_STREET_TYPE = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Parkway|Pkwy|Square|Sq|"
    r"Terrace|Highway|Hwy|Crescent|Close|Gardens|Walk|Quay|Link|Row|Mews|Hill|Green|Wharf|Circle|Cir|Trail|Plaza)\.?"
)
_UNIT = r"(?:,? (?:Suite|Ste\.?|Apt\.?|Unit|Floor|Fl\.?|Level|Room|Rm\.?|#) ?[0-9A-Z][0-9A-Z\-]*)"
_US_STATE = (r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
             r"OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|NSW|VIC|QLD|WA|SA|TAS|ACT|NT)")
_UK_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"
# Units, floors and building names written before the street: "Flat 12B, 18/F, Tower 3, Harbour Crest, ",
# "Rm 1503, 15/F, Kwun Tong Plaza, ", "Room 402, Kichijoji Park Heights, ", "Level 19, ", "14F, ".
_LEVEL_BEFORE = (
    r"(?:(?:(?:Flat|Unit|Room|Rm|Apt|Suite|Ste|Level|Floor|Fl)\.? ?[0-9A-Z][0-9A-Z/\-]{0,5}|[0-9]{1,3}/F|[0-9]{1,3}F|"
    r"(?:Tower|Block|Blk)\.? ?[0-9A-Z]{1,3}|"
    r"(?:[A-Z][A-Za-z'’]+ ){1,3}(?:Plaza|Heights|Court|Centre|Center|Tower|House|Building|Bldg\.?|Mansions?|Gardens?|"
    r"Residences?|Crest|Place|Square|Park|Terrace|Villa|Hills))(?:,| -) ){0,4}"
)

_ADDRESS_RES = [
    # 1450 W Fulton St, Suite 300, Chicago, IL 60607 / 41 Mincing Lane, London EC3R 7AE / 8 Cross Street, #14-02, Singapore 048424
    re.compile(
        rf"{_LEVEL_BEFORE}(?:Unit |Apt |Flat )?[0-9]{{1,6}}[A-Z]?(?:[-/][0-9]{{1,5}})? (?:[NSEW]\.? )?(?:{_CAP} ){{0,4}}{_STREET_TYPE}(?: [0-9]{{1,4}})?{_UNIT}?"
        rf"(?:, (?:#[0-9]{{1,3}}-[0-9]{{1,5}}[A-Z]?|{_CAP}(?: {_CAP}){{0,3}}(?: [0-9]{{1,2}})?)){{0,3}}"
        rf"(?:,? (?:{_US_STATE} [0-9]{{5}}(?:-[0-9]{{4}})?|{_US_STATE} [0-9]{{4}}|{_UK_POSTCODE}|Singapore [0-9]{{6}}|[0-9]{{4,6}}|"
        rf"[A-Z][0-9]{{2}} ?[A-Z0-9]{{4}}))?"
        r"(?![A-Za-z0-9])"
    ),
    # Hanauer Landstraße 146, 60314 Frankfurt am Main / 12 rue de la Chaussée-d'Antin, 75009 Paris
    re.compile(
        r"(?:[A-ZÄÖÜ][a-zäöüß]+(?:[ \-][A-ZÄÖÜ][a-zäöüß]+)?(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer)"
        r"|(?:[A-ZÄÖÜ][a-zäöüß]+ ){1,2}(?:Straße|Strasse|Str\.|Weg|Platz|Allee))"
        r" [0-9]{1,4}[a-z]?, [0-9]{4,5} [A-ZÄÖÜ][a-zäöüß]+(?: (?:am|an der|im) [A-Z][a-z]+)?"
    ),
    re.compile(
        r"[0-9]{1,4}(?: ?bis| ?ter)?,? (?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|quai|impasse|cours) "
        r"[^,\n]{2,50}, [0-9]{5} [A-Z][a-zéèàâêîôûç\-]+(?: [0-9]{1,2}e)?"
    ),
    # Nordic, Dutch and Polish streets: Södermannagatan 21, 116 40 Stockholm / ul. Mokotowska 48 m. 12, 00-543 Warszawa
    re.compile(
        r"(?:[A-ZÅÄÖÆØ][a-zåäöæøéü]+(?:gatan|vägen|gata|väg|gade|vej|veien|gate|straat|laan|gracht|plein)|"
        r"ul\. [A-ZŁŚŻŹĆ][a-ząćęłńóśźż]+(?: [A-ZŁŚŻŹĆ][a-ząćęłńóśźż]+)?)"
        r" [0-9]{1,4}[A-Za-z]?(?: m\. [0-9]{1,4})?, (?:[0-9]{3} ?[0-9]{2}|[0-9]{2}-[0-9]{3}|[0-9]{4} ?[A-Z]{2}) [A-ZÅÄÖÆØŁŚŻ][a-zåäöæøąćęłńóśźż]+"
    ),
    # Brazil / Portugal: Rua Pernambuco, 1188, apto 31, Centro, Londrina - PR, 86020-121
    re.compile(
        r"(?:Rua|Av\.|Avenida|Rodovia|Travessa|Alameda|Praça|Estrada) [^,\n]{2,40}, [0-9]{1,5}(?:, [^,\n]{1,24}){0,3}"
        r", [A-ZÁÉÍÓÚ][a-zà-ú]+(?: [A-Za-zà-ú]+){0,2} ?- ?[A-Z]{2},? [0-9]{5}-[0-9]{3}"
    ),
    # Canada: 4170 Rue Saint-Denis, App. 6, Montréal QC H2W 2M7
    re.compile(
        r"[0-9]{1,6} (?:Rue|rue|Avenue|Boulevard|Boul\.|Chemin|Place) [^,\n]{2,40}(?:, (?:App|Apt|Suite|Unit)\.? ?[0-9A-Z\-]{1,6})?"
        r", [A-Z][A-Za-zé\-]+(?: [A-Z][a-zé]+)?,? (?:QC|ON|BC|AB|MB|NS|NB|NL|PE|SK) [A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]"
    ),
    # A city line on its own under a street line: "Portland, OR 97202", "Bristol BS6 7BP", "Singapore 560412"
    re.compile(
        rf"(?m)^(?:[A-Z][A-Za-z.'\- ]{{1,30}},? (?:{_US_STATE} [0-9]{{5}}(?:-[0-9]{{4}})?|{_UK_POSTCODE}|"
        r"(?:QC|ON|BC|AB) [A-Z][0-9][A-Z] ?[0-9][A-Z][0-9])|Singapore [0-9]{6})[ \t]*$"
    ),
    # Korean road-name addresses: 서울특별시 마포구 월드컵북로12길 34, 502호
    re.compile(
        r"[가-힣]{2,6}(?:특별시|광역시|특별자치시|도) [가-힣]{1,6}(?:구|시|군)(?: [가-힣]{1,6}(?:구|읍|면|동))? "
        r"[가-힣0-9]{1,12}(?:로|길)(?:[0-9]{1,3}(?:번)?길)? [0-9]{1,4}(?:-[0-9]{1,4})?(?:, ?[0-9A-Z\-]{1,6}(?:호|동))*"
    ),
    # 418 Teheran-ro, Gangnam-gu, Seoul 06180 (Korean road names)
    re.compile(
        rf"{_LEVEL_BEFORE}[0-9]{{1,4}}(?:-[0-9]{{1,4}})? [A-Z][a-z]+-(?:ro|gil|daero)(?: [0-9]{{1,4}}(?:-gil)?)?, "
        r"[A-Z][a-z]+-(?:gu|si|gun)(?:, [A-Z][a-z]+(?:-si|-do)?)*(?: [0-9]{5})?"
    ),
    # Romanised Japanese: 4-18-2 Minami-Aoyama, Minato-ku, Tokyo / 1278-3 Oaza Honjo, Komaki, Aichi 485-0031 /
    # KCW Bldg. 3F, 88 Kankoboko-cho, Shimogyo-ku, Kyoto
    re.compile(
        rf"(?:{_CAP}(?: {_CAP})? (?:Bldg\.?|Building|Tower|Heights|Mansion|Residence) ?[0-9]{{0,3}}F?,? )?"
        rf"{_LEVEL_BEFORE}[0-9]{{1,4}}(?:-[0-9]{{1,4}}){{0,3}},? (?:{_CAP} ){{0,2}}{_CAP}(?: [0-9]-chome)?"
        r"(?:, (?:[A-Z][a-z]+-(?:ku|shi|cho|machi|gun|mura|son|ken|fu|to)|[A-Z][a-z]+)){1,3}(?:,? [0-9]{3}-[0-9]{4})?"
    ),
    # Chinese and Taiwanese: 上海市徐汇区漕溪北路398号汇智大厦18层1806室, 台北市信義區松高路68號12樓
    re.compile(
        r"[一-龥]{2,3}(?:省|自治区|市|縣|县)[一-龥]{0,6}?(?:市|区|區|县|縣|鎮|镇)[一-龥]{1,12}?(?:路|街|道|大道|巷|弄)"
        r"(?:[一二三四五六七八九十0-9]{1,3}段)?(?:[0-9]{1,4}巷)?(?:[0-9]{1,4}弄)?[0-9]{1,5}(?:号|號)"
        r"(?:[一-龥A-Za-z0-9]{1,12}?(?:大厦|大廈|大楼|大樓|中心|广场|廣場|楼|樓|座))?(?:[0-9]{1,3}(?:层|層|樓|楼|F))?"
        r"(?:之[0-9]{1,3})?(?:[0-9]{1,5}室)?"
    ),
]
_ROMAJI_MUNI = re.compile(r"-(?:ku|shi|cho|machi|gun|mura)\b|Tokyo|Osaka|Kyoto|Hokkaido|Aichi|Kanagawa|Saitama|Chiba|"
                          r"Fukuoka|Hyogo|Hiroshima|Miyagi|Japan")
_ADDR_TRIGGER = re.compile(r"Rua |Av\. |ul\. [A-Z]|[a-zäöå] [0-9]|[0-9] [A-Za-z]|[0-9]-[0-9]+ [A-Z]|straße|strasse|号|號|Bldg|Building|[로길] [0-9]|[0-9][A-Z]{2}\b")


# A cheap test per pattern, run on each line before the pattern itself.
_ROMAJI_INDEX = 9  # romanised Japanese (needs a ward, city or prefecture)
_CHINESE_INDEX = 10  # Chinese / Taiwanese (may follow its postal code)
# One cheap test per pattern above, in the same order (tests/unit/risk checks the pairing).
_ADDRESS_GATES = [
    re.compile(_STREET_TYPE + r"(?![a-z])"),
    re.compile(r"(?i:straße|strasse|str\.|weg|platz|allee|gasse|ring |damm|ufer)"),
    re.compile(r"(?i:rue |avenue |av\. |boulevard |bd |place |chemin |allée |quai |impasse |cours )"),
    re.compile(r"(?:gatan|vägen|gata|väg|gade|vej|veien|gate|straat|laan|gracht|plein) [0-9]|ul\. [A-ZŁŚŻŹĆ]"),
    re.compile(r"(?:Rua|Av\.|Avenida|Rodovia|Travessa|Alameda|Praça|Estrada) "),
    re.compile(r" (?:QC|ON|BC|AB|MB|NS|NB|NL|PE|SK) [A-Z][0-9]"),
    re.compile(r"[0-9][ \t]*$|[0-9][A-Z]{2}[ \t]*$"),
    re.compile(r"(?:로|길) [0-9]"),
    re.compile(r"-(?:ro|gil|daero)\b"),
    _ROMAJI_MUNI,
    re.compile(r"[号號]"),
]


_ANY_GATE = re.compile("|".join(f"(?:{g.pattern})" for g in _ADDRESS_GATES), re.MULTILINE)


# "Address: Flat 402, Sai Krupa Residency, 17th Cross, HSR Layout, Bengaluru 560102": the value of an
# address label on its own line, whatever the country's grammar (the label says what it is).
_ADDRESS_LINE = re.compile(
    r"^[ \t\u3000]*(?:[-*・•][ \t]*)?(?:(?i:(?:home|mailing|postal|street|current|permanent|registered|billing|shipping|"
    r"delivery|residential|local|new|old|previous)[ \t]+)?(?i:address(?:[ \t]+in[ \t]+[A-Z][a-z]+)?|ship(?:ping)?[ \t]+to|"
    r"deliver[ \t]+to|domicilio|direcci[oó]n|endere[cç]o|morada|adresse|anschrift|indirizzo|địa chỉ|alamat)|"
    r"住所|現住所|新住所|旧住所|住址|地址|주소)[ \t\u3000]*[:：][ \t\u3000]*(?P<v>[^\n]{6,200})$", re.MULTILINE)
_ADDRESS_VALUE_END = re.compile(r"[ \t\u3000]+/[ \t\u3000]|[ \t\u3000]+[—–][ \t\u3000]|[ \t\u3000]*[|｜\t]|\u3000|[ \t]+(?:携帯|電話|TEL|Tel|Mobile|E-?mail)|[ \t\u3000]*[（(](?:自宅|勤務先|home|work)|[ \t\u3000]+(?:Tel|TEL|Phone|電話)")
_LEADING_POSTAL = re.compile(r"〒?[ \u3000]?[0-9]{3}[-－ ]?[0-9]{4}[ \t\u3000,、]+")
_FOREIGN_VALUE = re.compile(r"[A-Za-z]{3}|[路街弄]|号楼|[省]")
_ADDRESS_VALUE_OK = re.compile(r"[0-9０-９].*(?:,|、|[市区町村県省路街号室楼])|(?:,|、|[市区町村県省路街号室楼]).*[0-9０-９]")
_ADDRESS_VALUE_NOT = re.compile(r"@|https?:|同上|上記|下記|未定|なし|(?i:same as|see below|see above|n/a|tbd|x{3,})|＿|_{3,}|YYYY|〇〇")


_ADDRESS_LABEL_WORDS = ("address", "ship", "deliver", "domicil", "direcci", "endere", "morada", "adresse", "anschrift",
                        "indirizzo", "địa chỉ", "alamat", "住所", "住址", "地址", "주소")


def labelled_address_lines(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _ADDRESS_LINE.finditer(text):
        s, e = m.start("v"), m.end("v")
        pm = _LEADING_POSTAL.match(text, s, e)
        if pm is not None:
            s = pm.end()  # the postal code is its own finding
        if text[m.start() : s].lstrip(" \t\u3000-*・•")[:1] in "住新旧現" and not _FOREIGN_VALUE.search(text, s, e):
            continue  # a Japanese address after 住所: the Japanese grammar finds it, with its exact extent
        cut = _ADDRESS_VALUE_END.search(text, s, e)
        if cut is not None:
            e = cut.start()
        while e > s and text[e - 1] in " ,.。、\u3000":
            e -= 1
        value = text[s:e]
        if e - s < 6 or not _ADDRESS_VALUE_OK.search(value) or _ADDRESS_VALUE_NOT.search(value):
            continue
        out.append(Candidate(C.ADDRESS, s, e, 0.9, "address_label", {"label": text[m.start() : s].strip(" \t\u3000:：-*・•")[:24]}))
    return out


def address_candidates(text: str) -> list[Candidate]:
    lower = lower_of(text)
    out: list[Candidate] = labelled_address_lines(text) if any(w in lower for w in _ADDRESS_LABEL_WORDS) else []
    if not _ADDR_TRIGGER.search(text):
        return out
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        if _DIGIT.search(line) and _ANY_GATE.search(line):
            lines.append((pos, line))
        pos += len(line) + 1
    for i, rx in enumerate(_ADDRESS_RES):
        gate = _ADDRESS_GATES[i]
        matches = [m for base, line in lines if gate.search(line)
                   for m in rx.finditer(text, base, base + len(line))]
        for m in matches:
            s, e = m.start(), m.end()
            if s > 0 and (text[s - 1].isalnum() or text[s - 1] in "-./") and not (rx is _ADDRESS_RES[_CHINESE_INDEX] and text[s - 1].isdigit()):
                continue  # (a Chinese address may follow its postal code: 106台北市…)
            span = m.group()
            if i == 0 and not re.search(_STREET_TYPE + r"(?![a-z])", span):
                continue
            if rx is _ADDRESS_RES[_ROMAJI_INDEX] and (not _ROMAJI_MUNI.search(span) or
                           ("-" not in span.split(",")[0] and not re.search(r"-(?:cho|machi|chome)\b|\b(?:Oaza|Aza) ", span))):
                continue  # "3-2 Lee, Kim" is not an address: a ward, city or prefecture must be named
            while e > s and text[e - 1] in ",. ":
                e -= 1
            out.append(Candidate(C.ADDRESS, s, e, 0.85, "address_international"))
    return out
