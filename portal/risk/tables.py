"""Pasted tables: CSV, TSV (an Excel copy) and Markdown / pipe tables.

A header cell that names a category (氏名, フリガナ, 生年月日, 個人番号, 電話, Name, DOB ...) labels the
whole column: the cells below it are that category even with no label beside them. Each cell is
checked against the shape of its category (a date in a birth-date column, 12 digits in a My
Number column, letters in a name column), so a header such as 氏名 over a column of "済" does not
flag anything. Spans are the cell values, never the header.

Runs on the normalised text; offsets are normalised offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from portal.risk import validators as v
from portal.risk.detectors import Candidate
from portal.risk.findings import Category

C = Category

# Header vocabulary, matched against a header cell with spaces, brackets and marks removed and
# lower-cased. "exact" entries must be the whole cell; "contains" entries may be part of it.
_HEADER_EXACT: dict[str, Category] = {
    "名前": C.PERSON_NAME, "氏名": C.PERSON_NAME, "お名前": C.PERSON_NAME, "姓": C.PERSON_NAME, "名": C.PERSON_NAME,
    "姓名": C.PERSON_NAME, "担当": C.PERSON_NAME, "担当者": C.PERSON_NAME, "社員名": C.PERSON_NAME,
    "従業員名": C.PERSON_NAME, "顧客名": C.PERSON_NAME, "お客様名": C.PERSON_NAME, "受取人": C.PERSON_NAME,
    "名義": C.PERSON_NAME, "口座名義": C.PERSON_NAME, "名義人": C.PERSON_NAME, "申請者": C.PERSON_NAME,
    "参加者": C.PERSON_NAME, "出席者": C.PERSON_NAME, "応募者": C.PERSON_NAME, "候補者": C.PERSON_NAME,
    "面接官": C.PERSON_NAME, "上長": C.PERSON_NAME, "上司": C.PERSON_NAME, "承認者": C.PERSON_NAME,
    "依頼者": C.PERSON_NAME, "作成者": C.PERSON_NAME, "記入者": C.PERSON_NAME, "契約者": C.PERSON_NAME,
    "フリガナ": C.PERSON_NAME, "ふりがな": C.PERSON_NAME, "カナ": C.PERSON_NAME, "よみ": C.PERSON_NAME,
    "読み": C.PERSON_NAME, "ヨミ": C.PERSON_NAME, "セイ": C.PERSON_NAME, "メイ": C.PERSON_NAME,
    "name": C.PERSON_NAME, "fullname": C.PERSON_NAME, "firstname": C.PERSON_NAME, "lastname": C.PERSON_NAME,
    "surname": C.PERSON_NAME, "givenname": C.PERSON_NAME, "familyname": C.PERSON_NAME, "employee": C.PERSON_NAME,
    "given": C.PERSON_NAME, "givennames": C.PERSON_NAME, "forename": C.PERSON_NAME, "forenames": C.PERSON_NAME,
    "first": C.PERSON_NAME, "last": C.PERSON_NAME, "middlename": C.PERSON_NAME, "nameen": C.PERSON_NAME,
    "namelocal": C.PERSON_NAME, "nameja": C.PERSON_NAME, "namejp": C.PERSON_NAME, "namekana": C.PERSON_NAME,
    "namekanji": C.PERSON_NAME, "nameromaji": C.PERSON_NAME, "namelatin": C.PERSON_NAME, "displayname": C.PERSON_NAME,
    "contactname": C.PERSON_NAME, "passengername": C.PERSON_NAME, "guestname": C.PERSON_NAME,
    "travelername": C.PERSON_NAME, "travellername": C.PERSON_NAME, "holdername": C.PERSON_NAME,
    "cardholder": C.PERSON_NAME, "cardholdername": C.PERSON_NAME, "payee": C.PERSON_NAME, "beneficiary": C.PERSON_NAME,
    "recipient": C.PERSON_NAME, "recipientname": C.PERSON_NAME, "attendeename": C.PERSON_NAME,
    "membername": C.PERSON_NAME, "studentname": C.PERSON_NAME, "patientname": C.PERSON_NAME,
    "employeename": C.PERSON_NAME, "contact": C.PERSON_NAME, "contactname": C.PERSON_NAME,
    "contactperson": C.PERSON_NAME, "owner": C.PERSON_NAME, "assignee": C.PERSON_NAME, "customer": C.PERSON_NAME,
    "customername": C.PERSON_NAME, "attendee": C.PERSON_NAME, "member": C.PERSON_NAME, "manager": C.PERSON_NAME,
    "candidate": C.PERSON_NAME, "applicant": C.PERSON_NAME, "traveler": C.PERSON_NAME, "traveller": C.PERSON_NAME,
    "passenger": C.PERSON_NAME, "accountholder": C.PERSON_NAME, "holder": C.PERSON_NAME, "reporter": C.PERSON_NAME,
    "requester": C.PERSON_NAME, "approver": C.PERSON_NAME, "person": C.PERSON_NAME, "staff": C.PERSON_NAME,
    "生年月日": C.DATE_OF_BIRTH, "誕生日": C.DATE_OF_BIRTH, "dob": C.DATE_OF_BIRTH, "dateofbirth": C.DATE_OF_BIRTH,
    "birthdate": C.DATE_OF_BIRTH, "birthday": C.DATE_OF_BIRTH, "生年月日(西暦)": C.DATE_OF_BIRTH,
    "個人番号": C.MY_NUMBER, "マイナンバー": C.MY_NUMBER, "mynumber": C.MY_NUMBER,
    "電話": C.PHONE, "電話番号": C.PHONE, "tel": C.PHONE, "携帯": C.PHONE, "携帯番号": C.PHONE, "携帯電話": C.PHONE,
    "連絡先": C.PHONE, "緊急連絡先": C.PHONE, "自宅電話": C.PHONE, "fax": C.PHONE, "phone": C.PHONE,
    "phonenumber": C.PHONE, "mobile": C.PHONE, "cell": C.PHONE, "telephone": C.PHONE, "直通": C.PHONE,
    "住所": C.ADDRESS, "現住所": C.ADDRESS, "所在地": C.ADDRESS, "送付先": C.ADDRESS, "お届け先": C.ADDRESS,
    "自宅住所": C.ADDRESS, "address": C.ADDRESS, "homeaddress": C.ADDRESS, "street": C.ADDRESS,
    "shippingaddress": C.ADDRESS, "mailingaddress": C.ADDRESS,
    "郵便番号": C.POSTAL_CODE, "〒": C.POSTAL_CODE,
    "口座番号": C.BANK_ACCOUNT, "口座": C.BANK_ACCOUNT, "accountnumber": C.BANK_ACCOUNT, "accountno": C.BANK_ACCOUNT,
    "account": C.BANK_ACCOUNT, "iban": C.BANK_ACCOUNT,
    "旅券番号": C.PASSPORT, "パスポート番号": C.PASSPORT, "パスポート": C.PASSPORT, "passport": C.PASSPORT,
    "passportno": C.PASSPORT, "passportnumber": C.PASSPORT,
    "免許証番号": C.DRIVERS_LICENSE, "運転免許証番号": C.DRIVERS_LICENSE,
    "保険証番号": C.HEALTH_INSURANCE, "被保険者番号": C.HEALTH_INSURANCE, "保険者番号": C.HEALTH_INSURANCE,
    "基礎年金番号": C.PENSION_NUMBER, "年金番号": C.PENSION_NUMBER,
    "在留カード番号": C.RESIDENCE_CARD,
    "カード番号": C.CREDIT_CARD, "クレジットカード番号": C.CREDIT_CARD, "cardnumber": C.CREDIT_CARD,
    "cardno": C.CREDIT_CARD,
    "法人番号": C.CORPORATE_NUMBER, "corporatenumber": C.CORPORATE_NUMBER,
    "メール": C.EMAIL, "メールアドレス": C.EMAIL, "email": C.EMAIL, "e-mail": C.EMAIL, "mail": C.EMAIL,
    # Chinese and Korean group lists (tour operators, overseas offices)
    "姓名": C.PERSON_NAME, "名字": C.PERSON_NAME, "拼音": C.PERSON_NAME, "英文名": C.PERSON_NAME, "英文姓名": C.PERSON_NAME,
    "中文姓名": C.PERSON_NAME, "中文名": C.PERSON_NAME, "漢字氏名": C.PERSON_NAME, "氏名漢字": C.PERSON_NAME,
    "ローマ字氏名": C.PERSON_NAME, "氏名ローマ字": C.PERSON_NAME, "英字氏名": C.PERSON_NAME,
    "성명": C.PERSON_NAME, "이름": C.PERSON_NAME, "영문": C.PERSON_NAME, "영문명": C.PERSON_NAME, "영문이름": C.PERSON_NAME,
    "出生日期": C.DATE_OF_BIRTH, "出生年月日": C.DATE_OF_BIRTH, "生日": C.DATE_OF_BIRTH, "생년월일": C.DATE_OF_BIRTH,
    "护照号": C.PASSPORT, "护照号码": C.PASSPORT, "護照號碼": C.PASSPORT, "护照": C.PASSPORT, "여권번호": C.PASSPORT,
    "여권": C.PASSPORT, "电话": C.PHONE, "手机": C.PHONE, "手機": C.PHONE, "联系电话": C.PHONE, "전화": C.PHONE,
    "전화번호": C.PHONE, "휴대폰": C.PHONE, "연락처": C.PHONE, "地址": C.ADDRESS, "住址": C.ADDRESS, "주소": C.ADDRESS,
    "邮箱": C.EMAIL, "이메일": C.EMAIL,
}
_HEADER_CONTAINS: list[tuple[str, Category]] = [
    ("生年月日", C.DATE_OF_BIRTH), ("誕生日", C.DATE_OF_BIRTH), ("dateofbirth", C.DATE_OF_BIRTH),
    ("個人番号", C.MY_NUMBER), ("マイナンバー", C.MY_NUMBER),
    ("氏名", C.PERSON_NAME), ("フリガナ", C.PERSON_NAME), ("ふりがな", C.PERSON_NAME), ("名義", C.PERSON_NAME),
    ("電話", C.PHONE), ("携帯", C.PHONE), ("phone", C.PHONE),
    ("住所", C.ADDRESS), ("口座番号", C.BANK_ACCOUNT), ("旅券", C.PASSPORT), ("passport", C.PASSPORT),
    ("免許", C.DRIVERS_LICENSE), ("保険証", C.HEALTH_INSURANCE), ("被保険者番号", C.HEALTH_INSURANCE), ("健康保険", C.HEALTH_INSURANCE),
    ("記号番号", C.HEALTH_INSURANCE), ("年金", C.PENSION_NUMBER), ("kana", C.PERSON_NAME),
    ("furigana", C.PERSON_NAME),
    ("在留カード", C.RESIDENCE_CARD), ("カード番号", C.CREDIT_CARD), ("メール", C.EMAIL),
]
# A header with one of these is about something else ("部署名", "会社名", "商品名", "件名").
_HEADER_NOT = ("雇用", "部署", "会社", "社名", "商品", "製品", "品名", "件名", "店", "支店", "銀行", "部門", "チーム", "プロジェクト",
               "ファイル", "company", "product", "team", "file", "project", "bank", "branch", "dept", "department",
               "user", "id", "件数", "数", "率", "日時", "有無", "確認", "済", "フラグ", "区分", "種別", "種類", "方法")

# Columns of identifiers that are not personal data: a 13-digit JAN code is not a card number.
_NEGATIVE_HEADERS = ("jan", "ean", "品番", "型番", "注文", "受注", "発注", "伝票", "請求書", "見積", "管理番号", "商品コード",
                     "製品コード", "sku", "order", "invoice", "serial", "シリアル", "追跡", "tracking", "ticket", "チケット",
                     "isbn", "部品", "part", "lot", "ロット", "案件", "契約番号", "社員番号", "従業員番号", "employeeid", "id")


_NEGATIVE_RE = re.compile("^(?:" + "|".join(_NEGATIVE_HEADERS) + ")|(?:" + "|".join(_NEGATIVE_HEADERS) + ")$")


def header_is_negative(cell: str) -> bool:
    key = _STRIP.sub("", unicodedata.normalize("NFKC", cell)).lower()
    return bool(key) and len(key) <= 16 and _NEGATIVE_RE.search(key) is not None


_PLACE_HEADER = re.compile(r"地区|町名|大字|字名|地域|エリア|区域|市区町村|都道府県|行政区|校区|学区|地名|方面|行先|行き先|"
                           r"場所|区間|拠点|営業所|倉庫|店舗|発地|着地|出発地|到着地|経由|利用先|利用場所|設置場所|"
                           r"(?i:area|region|district|town|city|prefecture|destination)")
_READING_HEADER = re.compile(r"読み|よみ|ヨミ|ふりがな|フリガナ|かな|カナ|英字|ローマ字|(?i:reading|romaji|english)")
_STRIP = re.compile(r"[\s()（）\[\]【】「」『』<>《》*＊※:：_\-.#/／・]")

_NAME_CELL = re.compile(r"[A-Za-z一-龥々〆ヶぁ-んァ-ヴー・' .,]{1,40}")
_DIGITS = re.compile(r"[0-9]")


def header_category(cell: str) -> Category | None:
    key = _STRIP.sub("", unicodedata.normalize("NFKC", cell)).lower()
    if not key or len(key) > 16:
        return None
    if key in _HEADER_EXACT:
        return _HEADER_EXACT[key]
    if any(x in key for x in _HEADER_NOT):
        return None
    for word, cat in _HEADER_CONTAINS:
        if word in key:
            return cat
    return None


_MONTH_DAY_CELL = re.compile(r"[0-9]{1,2} ?月 ?[0-9]{1,2} ?日|[0-9]{1,2}/[0-9]{1,2}")


def _cell_fits(cat: Category, value: str) -> bool:
    digits = "".join(_DIGITS.findall(value))
    if cat is not C.PERSON_NAME and len(digits) >= 4 and len(set(digits)) == 1:
        return False  # 0000000, 000-0000-0000: a placeholder in a format example
    if cat is C.PERSON_NAME:
        return _NAME_CELL.fullmatch(value) is not None and any(ch.isalpha() for ch in value) \
            and value.lower() not in _NOT_NAME_CELLS and _ORG.search(value) is None \
            and not any(part.endswith(_TITLE_OR_UNIT) for part in value.split(" "))
    if cat is C.DATE_OF_BIRTH:
        return 6 <= len(digits) <= 8 or _MONTH_DAY_CELL.fullmatch(value) is not None or bool(re.search(r"[0-9]{1,4} ?[年/.\-] ?[0-9]{1,2}", value)) or \
            bool(re.search(r"(?i)[0-9]{1,2}[ -]?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", value))
    if cat is C.MY_NUMBER:
        return len(digits) == 12 and len(value) <= 16
    if cat is C.PHONE:
        if digits.startswith(("0120", "0800", "0570", "0990")):
            return False  # toll-free and navi-dial numbers in a hotline table are public company numbers
        return 8 <= len(digits) <= 15 and re.fullmatch(r"[0-9+()\- ]{8,22}(?: ?(?:ext\.?|内線) ?[0-9]{1,5})?", value) is not None
    if cat is C.ADDRESS:
        return len(value) >= 6 and bool(digits) and any(ch.isalpha() for ch in value)
    if cat is C.POSTAL_CODE:
        return len(digits) == 7 and len(value) <= 9
    if cat is C.BANK_ACCOUNT:
        return 6 <= len(digits) <= 34 and len(value) <= 40 and not value.count("*") and not value.count("●")
    if cat is C.CREDIT_CARD:
        return 13 <= len(digits) <= 19 and v.luhn_ok(digits)
    if cat in (C.PASSPORT, C.RESIDENCE_CARD):
        compact = value.replace(" ", "")
        return 7 <= len(compact) <= 14 and bool(digits) and compact.isalnum()
    if cat is C.CORPORATE_NUMBER:
        return len(digits) == 13 and v.is_valid_corporate_number(digits)
    if cat in (C.DRIVERS_LICENSE, C.HEALTH_INSURANCE, C.PENSION_NUMBER):
        return 4 <= len(digits) <= 14 and len(value) <= 20
    return False


_ORG = re.compile(r"株式会社|有限会社|合同会社|会社|銀行|病院|大学|協会|組合|事務所|部$|課$|室$|センター|グループ|チーム|"
                  r"^[カユドシザ][)）]|[(（][カユドシザ]$|[(（][カユドシザ][)）]|"
                  r"(?i:inc\.?$|ltd\.?$|llc$|corp\.?$|co\.$|gmbh$|plc$|team$|group$|dept\.?$)")
# "管理本部長 上田 浩", "製造一課 岩城": a department or title in the cell; the name detectors find the name.
_TITLE_OR_UNIT = ("部", "課", "室", "係", "長", "班", "店", "所", "センター", "グループ", "チーム")
_NOT_NAME_CELLS = {"-", "なし", "未定", "済", "未", "有", "無", "○", "×", "n/a", "na", "none", "tbd", "yes", "no", "true",
                   "false", "同上", "不明", "空欄", "未記入", "該当なし", "本人", "配偶者", "子", "父", "母", "manager", "staff"}


@dataclass(slots=True)
class _Cell:
    start: int
    end: int


def _split_cells(line: str, base: int, sep: str) -> list[_Cell]:
    """Cells of one delimited line, with quotes stripped (RFC 4180 style, no embedded newlines)."""
    cells: list[_Cell] = []
    i, n = 0, len(line)
    if sep == "|":
        stripped = line.strip()
        lead = line.index(stripped[0]) if stripped else 0
        i = lead + 1 if stripped.startswith("|") else lead
        n = len(line.rstrip())
        if line.rstrip().endswith("|"):
            n -= 1
    while i <= n:
        if i < n and line[i] == '"' and sep != "|":
            j = i + 1
            while j < n:
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            cells.append(_Cell(base + i + 1, base + min(j, n)))
            k = line.find(sep, j)
            i = (k if k != -1 and k < n else n) + 1
            continue
        k = line.find(sep, i, n)
        end = k if k != -1 else n
        s, e = i, end
        while s < e and line[s] in " \u3000":
            s += 1
        while e > s and line[e - 1] in " \u3000":
            e -= 1
        cells.append(_Cell(base + s, base + e))
        i = end + len(sep)
    return cells


_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _sep_of(line: str) -> str | None:
    if line.count('":') >= 2:
        return None  # a JSON line, not a CSV row
    if "\t" in line:
        return "\t"
    s = line.strip()
    if s.startswith("|") or s.count("|") >= 2:
        return "|"
    if line.count(",") >= 1:
        return ","
    if line.count(" / ") >= 2:
        return " / "  # a list typed by hand: 氏名 / 生年月日 / 携帯
    return None


def table_candidates(text: str) -> tuple[list[Candidate], list[tuple[int, int]], list[tuple[int, int]]]:
    """(findings in labelled columns, cell spans of identifier columns such as JAN or 注文番号,
    cell spans of place columns such as 地区 or 町名 and of their reading columns)."""
    if "\n" not in text or not ("\t" in text or "," in text or "|" in text or " / " in text):
        return [], [], []
    out: list[Candidate] = []
    negative: list[tuple[int, int]] = []
    places: list[tuple[int, int]] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        base, line = lines[i]
        sep = _sep_of(line)
        if sep is None:
            i += 1
            continue
        if i > 0 and _sep_of(lines[i - 1][1]) == sep and lines[i - 1][1].strip() and not _MD_RULE.match(lines[i - 1][1]):
            i += 1  # a header is the first line of a table, not a row in the middle of one
            continue
        header = _split_cells(line, base, sep)
        cats = [header_category(text[c.start : c.end]) for c in header]
        negs = [header_is_negative(text[c.start : c.end]) for c in header]
        plc = [_PLACE_HEADER.search(text[c.start : c.end]) is not None for c in header]
        if any(plc):
            # the reading / romanisation columns of a place column are places too (中里 | なかざと | Nakazato)
            plc = [p or (k > 0 and plc[k - 1] and _READING_HEADER.search(text[c.start : c.end]) is not None)
                   for k, (p, c) in enumerate(zip(plc, header))]
        if not (any(cats) or any(negs) or any(plc)) or len(header) < 2:
            i += 1
            continue
        # A form pasted as a two-column table (| 氏名 | <氏名> |, | 生年月日 | … |): when the cells below a
        # "header" are themselves field names, the column holds keys, not values.
        j0 = i + 1 + (1 if sep == "|" and i + 1 < len(lines) and _MD_RULE.match(lines[i + 1][1]) else 0)
        keys = [0] * len(header)
        for _rbase, rline in lines[j0 : j0 + 12]:
            if not rline.strip() or _sep_of(rline) != sep:
                break
            for col, cell in enumerate(_split_cells(rline, _rbase, sep)[: len(header)]):
                if header_category(text[cell.start : cell.end]) is not None:
                    keys[col] += 1
        if any(k >= 2 for k in keys):
            cats = [None if keys[col] >= 2 else cat for col, cat in enumerate(cats)]
        # The rows under this header: same separator, a similar number of cells.
        j = i + 1
        if sep == "|" and j < len(lines) and _MD_RULE.match(lines[j][1]):
            j += 1
        rows = 0
        while j < len(lines):
            rbase, rline = lines[j]
            if not rline.strip() or _sep_of(rline) != sep:
                break
            cells = _split_cells(rline, rbase, sep)
            if abs(len(cells) - len(header)) > 1:
                break
            for col, cat in enumerate(cats):
                if col >= len(cells):
                    continue
                if plc[col]:
                    places.append((cells[col].start, cells[col].end))
                    continue
                if negs[col] and cat is None:
                    negative.append((cells[col].start, cells[col].end))
                    continue
                if cat is None:
                    continue
                cell = cells[col]
                value = text[cell.start : cell.end]
                if value and _cell_fits(cat, value):
                    out.append(Candidate(cat, cell.start, cell.end, 0.9, "table_column",
                                         {"label": text[header[col].start : header[col].end]}))
            rows += 1
            j += 1
        i = j if rows else i + 1
    return out, negative, places

