"""Person names.

Japanese: SudachiPy (sudachidict_small) runs only on short candidate regions — the run of
kanji/katakana just before an honorific or title (さん, 様, 氏, 部長 ...), just after a label
(氏名:, 担当:, 差出人:) or before a self-introduction (と申します, です) — never on the whole
prompt, which keeps the scanner above 1 MB/s. A region is a name when Sudachi tags its tokens
人名; proper nouns that are not in the dictionary count with medium confidence; organisation
and place suffixes (株式会社, 部, 課, 市, 駅 ...) suppress it.

English: capitalised words after a title (Mr., Ms., Dr.), after "Dear", after a name label
("Name:", "From:") or on the line after a sign-off ("Best regards,"), and "Yamada-san".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from portal.risk.detectors import Candidate
from portal.risk.findings import Category
from portal.risk.morph import Token, tokenize
from portal.sudachi import dictionary
from portal.risk.latin_names import _english_word, _known

C = Category

_NAME_CHARS = "一-龥々〆ヶァ-ヴー・"
_HONORIFIC = re.compile(
    r"(?:さん|様|さま|氏|殿|君|くん|ちゃん|先生|先輩|副社長|社長|会長|専務|常務|取締役|部長|次長|課長|係長|主任|室長|"
    r"所長|支店長|店長|マネージャー|リーダー|准教授|教授|博士|弁護士|医師|税理士)"
)
_SELF_INTRO = re.compile(r"(?:と申します|と申す|でございます|と言います|です|より)")
_JA_LABEL = re.compile(
    r"(?:氏名|お名前|名前|担当者名|担当者|担当|宛名|差出人|送信者|送付者|作成者|記入者|申請者|承認者|依頼者|責任者|"
    r"連絡者|応募者|候補者|講師|発表者|司会|参加者|出席者|欠席者|出席|欠席|同席|面接官|署名|社員情報|社員名|従業員名|顧客名|お客様名|"
    r"契約者名?|名義人?|口座名義|受取人|患者名?|利用者名|保護者|緊急連絡先|記入例|"
    r"受付者?|対応者|記録者|報告者|確認者|点検者|立会者|立会人|司会者|書記|議長|引率者?|運転者|運転手|乗務員|入力者|検印者|"
    r"実施者|訪問者|同行者|面談者|相談者|通訳者?|届出人|世帯主|筆頭者|被相続人|相続人|被保険者|扶養者|本人)"
    r"(?: ?[:：] ?| )"
)
_HEADER_AFTER_LABEL = re.compile(r"(?:ローマ字|フリガナ|ふりがな|カナ|よみ|読み|漢字|英字|生年月日|性別|年齢|住所|電話|所属|部署)")
_LIST_LABELS = ("参加者", "出席者", "欠席者", "出席", "欠席", "同席", "担当", "担当者")
_STRONG_LABELS = ("氏名", "名前", "お名前", "担当者名", "差出人", "署名", "社員情報", "社員名", "従業員名", "顧客名",
                  "お客様名", "契約者", "名義", "口座名義", "受取人", "患者") + _LIST_LABELS
# "石井 健太" (surname, space, given name) and CSV fields ",石井健太," need no anchor.
_SPACED_NAME = re.compile(rf"[一-龥々]{{1,3}} [一-龥々]{{1,3}}(?![{_NAME_CHARS}])")
_SPACE_BEFORE_KANJI = re.compile(r" (?=[一-龥々])")
_KANJI_RE = re.compile(r"[一-龥々]")
_FIELD_NAME = re.compile(r"[一-龥々]{2,6}(?=[,\t|])")
_ASCII_UPPER = re.compile(r"[A-Z]")
_NAME_CHAR_RE = re.compile(rf"[{_NAME_CHARS}A-Za-z]")
_JA_NAME_CHAR_RE = re.compile(rf"[{_NAME_CHARS}]")
_JA_SIGNOFF = re.compile(r"(?:よろしくお願い(?:いた|致)?します|以上(?:です|、よろしくお願いします)?)。?[ ]*\n+[ ]*")

_RUN_BEFORE = re.compile(rf"(?:[A-Z][a-z]+ )?[A-Z][a-z]+\Z|[{_NAME_CHARS}]{{1,8}}(?: [{_NAME_CHARS}]{{1,5}})?\Z")
_RUN_AFTER = re.compile(rf"[{_NAME_CHARS}]{{1,6}}(?: [{_NAME_CHARS}]{{1,5}})?|[A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}}")

# Tokens (or token endings) that make the run an organisation or a place, not a person.
_NOT_PERSON_ENDINGS = (
    "株式会社", "会社", "社", "部", "課", "室", "係", "局", "省", "庁", "店", "支店", "本店", "営業所", "工場", "事務所",
    "センター", "チーム", "グループ", "銀行", "病院", "大学", "高校", "学校", "組合", "協会", "財団", "法人", "商事",
    "市", "区", "町", "村", "県", "府", "都", "駅", "空港", "ホテル", "ビル", "部門", "委員会", "事業部", "本部",
    "様式", "皆", "客", "各位", "方々", "御社", "貴社", "弊社", "当社", "先方", "担当", "担当者", "ユーザー", "メンバー",
    "お客", "顧客", "利用者", "社員", "職員", "スタッフ", "講師", "みな", "皆様",
    "神", "王", "奥", "殿", "母", "父", "兄", "姉", "妹", "弟", "娘", "嫁", "孫", "妻", "夫", "各", "貴", "御", "王子", "姫",
    "仏", "医者", "患者", "業者", "先",
)
# One-kanji surnames common enough to read as a name before a title (東先生, 林課長, 森部長).
_ONE_KANJI_SURNAMES = frozenset("東林森原谷南北西関堀泉岡辻浜畑島岩星杉松菊桜柳楠椎桐萩菅荒沖浅平宮江堤坂滝池沼河湊峰城"
                                "館門井村里野沢川山吉仲丹丸金鈴斉向尾服橘樋槙榊柴芝蓮葛藍鷹鶴亀熊鹿鳩鷲")
_TITLE_LIKE = {"部長", "課長", "係長", "社長", "副社長", "会長", "専務", "常務", "取締役", "本部長", "次長", "主任", "室長",
               "所長", "支店長", "店長", "マネージャー", "リーダー", "教授", "准教授", "博士", "弁護士", "医師", "税理士", "先生"}


@lru_cache(maxsize=8192)
def _analyse(fragment: str) -> tuple[Token, ...]:
    return tuple(tokenize(fragment))


def _trailing_name(run: str, hon: str) -> tuple[int, float, str] | None:
    """Find the name at the end of ``run`` (followed by honorific ``hon``).
    Returns (offset_in_run, score, reason_key) or None."""
    toks = _analyse(run + hon)
    # The honorific must be a token of its own ("仕様" is one word, not 仕 + 様).
    hon_idx = next((i for i, t in enumerate(toks) if t.begin == len(run)), None)
    if hon_idx is None or hon_idx == 0:
        return None
    i = hon_idx - 1
    person: list[Token] = []
    while i >= 0 and (toks[i].is_person or (toks[i].is_space and person and i > 0 and toks[i - 1].is_person)):
        person.append(toks[i])
        i -= 1
    if person:
        start = person[-1].begin
        has_surname = any(t.is_surname for t in person) or len([t for t in person if not t.is_space]) >= 2
        return start, (0.92 if has_surname else 0.85), "name_honorific"
    last = toks[hon_idx - 1]
    surface = last.surface
    if any(surface.endswith(x) for x in _NOT_PERSON_ENDINGS) or last.is_suffix:
        return None
    if hon in _TITLE_LIKE and len(run) == 1 and surface in _ONE_KANJI_SURNAMES:
        return last.begin, 0.6, "name_unknown_honorific"  # 東先生, 林課長
    if hon in _TITLE_LIKE and not last.is_proper:
        return None
    if last.is_proper or last.oov:
        return last.begin, 0.6, "name_unknown_honorific"
    # One-kanji surnames (林, 森, 原 ...) are common nouns to the dictionary; お子様 / ご主人様 are not names.
    if len(run) == 1 and len(surface) == 1 and "一" <= surface <= "龥" and hon in ("さん", "様", "さま", "氏", "君", "くん"):
        return last.begin, 0.6, "name_unknown_honorific"
    if re.fullmatch(r"[ァ-ヴー・]{2,}", surface) and not last.is_common_noun and "・" not in run:
        return last.begin, 0.6, "name_unknown_honorific"
    return None


def _leading_name(run: str, strong_label: bool) -> tuple[int, float] | None:
    """Name at the start of ``run`` (after a label). Returns (length, score) or None."""
    toks = _analyse(run)
    person: list[Token] = []
    for i, t in enumerate(toks):
        # A place name can be a surname (千葉, 上野) when a given name follows or it is alone.
        place_as_surname = (
            i == 0 and t.is_place and strong_label
            and (len(toks) == 1 or toks[1].is_person or (toks[1].is_space and len(toks) > 2 and toks[2].is_person))
        )
        if t.is_person or place_as_surname or (t.is_space and person):
            person.append(t)
        else:
            break
    while person and person[-1].is_space:
        person.pop()
    if person:
        return person[-1].end, (0.9 if any(t.is_person for t in person) else 0.75)
    if strong_label and toks and (toks[0].is_proper or toks[0].oov) and not any(
        toks[0].surface.endswith(x) for x in _NOT_PERSON_ENDINGS
    ):
        return toks[0].end, 0.65
    # A one-kanji surname alone in a list ("出席者：野口、田中、林").
    if strong_label and len(run) == 1 and "一" <= run <= "龥" and run not in _NOT_PERSON_ENDINGS:
        return 1, 0.6
    return None


_EN_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_EN_NAME = rf"{_EN_WORD}(?: {_EN_WORD}){{0,2}}"
_EN_TITLE = re.compile(rf"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Mme|Mlle|Herr|Frau|Khun|Kuya|Ate|Encik|Puan|Ibu|Pak|Sr|Sra)\.? (?P<n>{_EN_NAME}(?: [A-Z]{{2,20}})?|[A-Z]{{2,20}}(?: {_EN_WORD})?)(?![A-Za-z])")
_EN_DEAR = re.compile(rf"Dear (?!(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.? )(?P<n>{_EN_NAME})(?![A-Za-z])")
_EN_SIGNOFF = re.compile(
    rf"(?:Best regards|Kind regards|Warm regards|Regards|Best wishes|Sincerely(?: yours)?|Yours sincerely|"
    rf"Many thanks|Thanks|Thank you|Cheers|Best),?[ ]*\n[ ]*(?P<n>{_EN_NAME})(?![A-Za-z])"
)
_EN_LABEL = re.compile(
    rf"(?:Full name|Name|Contact person|Contact|Attn|Attention|From|Author|Owner|Assignee|Reporter|"
    rf"Requested by|Prepared by|Submitted by|Approved by|Reviewed by|Signed|Candidate|Applicant|Employee|Interviewer|"
    rf"Host|Interpreter|Driver|Primary driver|Additional driver|Coordinator|Organi[sz]er|Facilitator|Presenter|Speaker|"
    rf"Moderator|Chair|Guide|Escort|Passenger|Guest|Traveller|Traveler|Patient|Resident|Tenant|Caller|Recipient|"
    rf"Beneficiary|Payee|Account holder|Cardholder|Name on card|Emergency contact|Next of kin|Spouse|Father|Mother|"
    rf"Insured|Policyholder|Student|Trainee|Intern|Visitor|Assigned to|Handled by|Escalated to|Owner)"
    rf" ?[:：] ?(?P<n>{_EN_NAME})(?![A-Za-z])"
)
_EN_GREETING = re.compile(rf"(?:Hi|Hello|Hey|Morning|Thanks|Thank you),? (?P<n>{_EN_NAME})(?=[,!.:\n])")
_EN_WITH_EMAIL = re.compile(rf"(?P<n>{_EN_NAME}) <[^<>\s@]+@[^<>\s]+>")
_EN_SAN = re.compile(r"(?P<n>[A-Z][a-z]+)-(?:san|sama|sensei|kun|chan)(?![A-Za-z])")
_EN_STOP = {
    "Sir", "Madam", "Customer", "Customers", "Team", "All", "Colleagues", "Hiring", "Valued", "Friends", "Member",
    "Members", "Partner", "Partners", "Client", "Clients", "Everyone", "Support", "Sales", "Manager", "Engineer",
    "Director", "Department", "Admin", "Service", "Services", "Staff", "Group", "Inc", "Ltd", "Corp", "Company",
    "University", "Bank", "Office", "Center", "Centre", "Japan", "Tokyo", "Osaka", "The", "Our", "Your", "This", "That",
    "Dear", "Hello", "Hi", "Thanks", "Regards", "Best", "Project", "Product", "Security", "Legal", "Finance", "Marketing",
    "Engineering", "Operations", "Infra", "Infrastructure", "Development", "Platform", "Data", "Board", "Committee",
    "Unknown", "None", "Anonymous", "Guest", "User", "Users", "Administrator", "System", "Bot", "Assistant", "Please",
    "Note", "Subject", "Re", "Fw", "Fwd", "Meeting", "Agenda", "Summary", "Internal", "Confidential", "Monday",
    "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May",
    "June", "July", "August", "September", "October", "November", "December", "Mr", "Ms", "Mrs", "Dr", "Prof", "Q",
    "Recruiting", "Recruitment", "Applicants", "Candidates", "Sirs", "Madams", "Supplier", "Vendor", "Teams",
}


# Common given names: "Kevin Wright から連絡" has no other cue.
_EN_FIRST_NAMES = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark "
    "Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary "
    "Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond "
    "Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter Christian "
    "Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe "
    "Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell Bradley Philip Eugene "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Margaret Ashley "
    "Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy "
    "Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn "
    "Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn "
    "Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia "
    "Sophie Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa "
    "Diana Brittany Doris Kayla Alexis Lori Marie Chloe Lucy Oliver Harry Charlie Liam Lucas Leo Max Tom Tim Ben Sam "
    "Mike Dave Chris Steve Tony Nick Alex Dan Matt Kate Jane Anne Claire Ellen Nina Mia Eva Laura Wei Li Ming Raj Priya"
).split()
_EN_FIRST_SET = frozenset(_EN_FIRST_NAMES)
_EN_GIVEN_SURNAME = re.compile(r"(?P<n>[A-Z][a-z]+ [A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![A-Za-z])")


_EN_TRIGGERS = {
    _EN_TITLE: ("Mr", "Ms", "Dr", "Prof", "Miss", "Mx", "Mme", "Mlle", "Herr", "Frau", "Khun", "Kuya", "Ate ", "Encik", "Puan", "Ibu", "Pak ", "Sr", "Sra"),
    _EN_DEAR: ("Dear ",),
    _EN_SIGNOFF: ("egards", "Sincerely", "sincerely", "Thanks", "Thank you", "Cheers", "Best", "wishes"),
    _EN_LABEL: (":", "："),
    _EN_SAN: ("-san", "-sama", "-sensei", "-kun", "-chan"),
    _EN_GREETING: ("Hi", "Hello", "Hey", "Morning", "Thanks", "Thank you"),
    _EN_WITH_EMAIL: (" <",),
}


_ORG_OR_TEAM_AFTER = re.compile(r" ?(?:&|and) (?:Co|Company|Partners|Sons|Associates)\b|,? (?:Inc|Ltd|LLC|LLP|Corp|Co|GmbH|SAS|"
                                r"AG|plc|Pte|Pty|KK)\b| (?:team|Team|department|Department|dept|group|Group|desk|Desk)\b|, [A-Z][a-z]+ (?:Partners|Group|Health|Holdings)")


def _lone_latin_name(word: str) -> bool:
    from portal.risk.latin_names import _known, lone_name_score

    return lone_name_score(word) > 0 or any(_known(word))


def _en_ok(name: str) -> bool:
    from portal.risk.latin_names import _ACRONYMS, _STOP

    words = name.split()
    return bool(words) and not any(w.strip(".") in _EN_STOP or w.strip(".") in _STOP or w in _ACRONYMS for w in words)


def _spaced_names(text: str):
    """"石井 健太": find each space between kanji (a literal scan), then match around it."""
    for sm in _SPACE_BEFORE_KANJI.finditer(text):
        p = sm.start()
        k = 0
        while k < 3 and p - k - 1 >= 0 and _KANJI_RE.match(text, p - k - 1):
            k += 1
        if k == 0:
            continue
        start = p - k
        if start > 0 and _JA_NAME_CHAR_RE.match(text, start - 1):
            continue
        m = _SPACED_NAME.match(text, start)
        if m is not None:
            yield m


def name_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    has_ascii_upper = _ASCII_UPPER.search(text) is not None

    # Japanese: honorifics and titles after the name.
    for m in _HONORIFIC.finditer(text):
        s = m.start()
        hon = m.group()
        if len(hon) == 1 and m.end() < len(text) and _KANJI_RE.match(text, m.end()) and text[m.end()] != "方":
            continue  # 様式, 様子, 氏名, 殿堂: the "honorific" starts another word
        if s > 0 and text[s - 1] == " ":
            s -= 1
        if s == 0 or not _NAME_CHAR_RE.match(text, s - 1):
            continue
        rm = _RUN_BEFORE.search(text, max(0, s - 14), s)
        if rm is None:
            continue
        run = rm.group()
        if len(run) == 1 and rm.start() > 0 and text[rm.start() - 1] in "おご御":
            continue  # お子様, ご主人様, 御中
        if run[0].isascii():
            if _en_ok(run):
                out.append(Candidate(C.PERSON_NAME, rm.start(), s, 0.85, "name_honorific", {"honorific": hon}))
            continue
        res = _trailing_name(run, hon)
        if res is not None:
            off, score, key = res
            out.append(Candidate(C.PERSON_NAME, rm.start() + off, s, score, key, {"honorific": hon}))

    # Japanese: self-introductions and sign-offs ("営業部の山田です", "田中より").
    for m in _SELF_INTRO.finditer(text):
        s = m.start()
        if s == 0 or not _JA_NAME_CHAR_RE.match(text, s - 1):
            continue
        rm = _RUN_BEFORE.search(text, max(0, s - 14), s)
        if rm is None or rm.group()[0].isascii() or (rm.start() > 0 and text[rm.start() - 1].isdigit()):
            continue
        run = rm.group()
        toks = _analyse(run)
        person: list[Token] = []
        for t in reversed(toks):
            if t.is_person or (t.is_space and person):
                person.append(t)
            else:
                break
        if not person and toks:
            last = toks[-1]
            before = text[max(0, rm.start() - 6) : rm.start()]
            strong = m.group() in ("と申します", "と申す", "と言います") or re.search(r"(?:部|課|室|社|係|チーム|グループ|センター)の$", before)
            if strong and (last.is_proper or last.oov) and len(toks) == 1 and not any(
                last.surface.endswith(x) for x in _NOT_PERSON_ENDINGS
            ):
                out.append(Candidate(C.PERSON_NAME, rm.start() + last.begin, s, 0.75, "name_self_intro"))
            continue
        # The name must start the run or follow a non-name token such as の (handled by the run
        # boundary) — a trailing 人名 token inside a longer compound is not trusted.
        first = person[-1]
        if first.begin != 0 and not toks[toks.index(first) - 1].is_space:
            prev = toks[toks.index(first) - 1]
            if not (prev.is_common_noun or prev.is_proper) or prev.surface in ("的",):
                continue
        score = 0.88 if m.group() in ("と申します", "と申す", "でございます", "と言います") else 0.8
        out.append(Candidate(C.PERSON_NAME, rm.start() + first.begin, s, score, "name_self_intro"))

    # Full names written with a space, and names alone in a CSV field.
    spaced = _spaced_names(text) if " " in text else ()
    fields = _FIELD_NAME.finditer(text) if ("," in text or "\t" in text or "|" in text) else ()
    for rx, found in ((_SPACED_NAME, spaced), (_FIELD_NAME, fields)):
        for m in found:
            if rx is _FIELD_NAME and m.start() > 0 and text[m.start() - 1] not in ",\t|\n":
                continue
            toks = _analyse(m.group())
            words = [t for t in toks if not t.is_space]
            if len(words) >= 2 and words[0].is_surname and words[-1].is_person and all(t.is_person for t in words):
                out.append(Candidate(C.PERSON_NAME, m.start(), m.end(), 0.88, "name_full"))

    # Labels before the name; lists such as "出席者: 田中、佐藤、鈴木".
    for lab in (_JA_LABEL, _JA_SIGNOFF):
        for m in lab.finditer(text):
            pos = m.end()
            strong = lab is _JA_SIGNOFF or m.group().startswith(_STRONG_LABELS)
            label = m.group().rstrip(" :：\n")
            if _HEADER_AFTER_LABEL.match(text, pos):
                continue  # "氏名 ローマ字 生年月日": a header row, not a name
            dept = _DEPT_BEFORE_NAME.match(text, pos)
            if dept is not None:
                pos = dept.end()  # 担当者：総務部 白石 崇 → the name after the department
            for _ in range(12):
                rm = _RUN_AFTER.match(text, pos)
                if rm is None:
                    break
                run = rm.group()
                if run[0].isascii():
                    if not _en_ok(run):
                        break
                    out.append(Candidate(C.PERSON_NAME, pos, rm.end(), 0.85, "name_label", {"label": label}))
                    end = rm.end()
                else:
                    res = _leading_name(run, strong)
                    if res is None:
                        break
                    length, score = res
                    end = pos + length
                    out.append(Candidate(C.PERSON_NAME, pos, end, score, "name_label", {"label": label}))
                if lab is _JA_SIGNOFF:
                    break
                sep = re.match(r"(?:さん|様|氏)?(?: ?[、,/／・] ?)", text[end : end + 6])
                if sep is None:
                    break
                pos = end + sep.end()

    if not has_ascii_upper:
        return out
    for rx, score, key in ((_EN_TITLE, 0.92, "name_en_title"), (_EN_DEAR, 0.85, "name_en_context"),
                           (_EN_SIGNOFF, 0.8, "name_en_context"), (_EN_LABEL, 0.85, "name_en_context"),
                           (_EN_SAN, 0.85, "name_en_context"), (_EN_GIVEN_SURNAME, 0.75, "name_en_given"),
                           (_EN_GREETING, 0.8, "name_en_context"), (_EN_WITH_EMAIL, 0.85, "name_en_context")):
        triggers = _EN_TRIGGERS.get(rx)
        if triggers is not None and not any(k in text for k in triggers):
            continue  # a plain substring test is much cheaper than a regex pass
        for m in rx.finditer(text):
            if m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalpha():
                continue
            name = m.group("n")
            if rx is _EN_GIVEN_SURNAME and name.split(" ", 1)[0] not in _EN_FIRST_SET:
                continue
            if rx is _EN_WITH_EMAIL and m.start() > 0 and text[m.start() - 1] not in " \n\t,;:\"'":
                continue
            if not _en_ok(name) and rx is not _EN_TITLE and not (
                    rx in (_EN_LABEL, _EN_SIGNOFF, _EN_WITH_EMAIL, _EN_DEAR) and name.count(" ") == 1
                    and _known(name.split(" ")[0])[0] and _known(name.split(" ")[1])[1]):
                continue  # (but "Name: Grace Park", "Will Stone <…>": a given name and a surname that is also a word)
            if _ORG_OR_TEAM_AFTER.match(text, m.end("n")):
                continue  # "Dear Soralink team", "Hollis Grange & Co."
            if " " not in name and rx in (_EN_DEAR, _EN_LABEL, _EN_GREETING) and not _lone_latin_name(name):
                continue  # "Dear Consul", "From: Procurement": one word must be a known name
            first = name.split(" ", 1)[0]
            if rx is _EN_LABEL and " " in name and _english_word(first.lower()) and not _known(first)[0]:
                continue  # "Guest: Deluxe King", "Host: Platform Engineering": words, not a given name
            if rx is _EN_TITLE and name.split()[0] in _EN_STOP:
                continue
            out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), score, key))
    return out


# --------------------------------------------------------------------------------------------
# Names without cues: a dictionary pass over every Japanese line.
#
# Sudachi tags surnames (人名,姓) and given names (人名,名) well; names in signatures, attendee
# lists, chat logs and table cells have no honorific or label next to them, so the context rules
# above cannot see them. Tokenising every line that holds kanji or katakana costs about 1 ms per
# 2,000 characters, inside the typing-time budget.
# --------------------------------------------------------------------------------------------

_KATAKANA_RUN = re.compile(r"[ァ-ヴー]+(?:[ ・=][ァ-ヴー]+)*")
_KATAKANA_SPACED = re.compile(r"(?<![ァ-ヴー])[ァ-ヴー]{2,8}[ ・　][ァ-ヴー]{2,8}(?![ァ-ヴー])")
# What may stand right before / after a lone surname for it to be a person rather than part of a
# compound ("鈴木商事", "本田技研", "新田中").
_SURNAME_BEFORE = re.compile(r"(?<![一-龥々〆ヶ\uf900-\ufaffァ-ヴー])([一-龥々〆ヶ\uf900-\ufaff]{1,3})[ \u3000]?\Z")
_GIVEN_AFTER = re.compile(
    r"[ \u3000]([一-龥々〆ヶ\uf900-\ufaff]{1,3}|[ぁ-ゖ]{2,4})(?=$|[\n \u3000、。,，()（）\t|:：/・」』\]]|さん|様|君|くん|ちゃん|氏|"
    r"医師|先生|弁護士|課長|部長|社長|係長|主任)"
)
_NOT_GIVEN = frozenset({"から", "まで", "より", "です", "ます", "でした", "さん", "さま", "くん", "ちゃん", "など", "なし", "あり",
                        "以上", "以下", "様", "殿", "氏", "課長", "部長", "社長", "主任", "係長", "担当", "宛", "宛て", "作成",
                        "確認", "承認", "提出", "対応", "連絡", "報告", "依頼", "参加", "出席", "欠席", "不在", "休み", "出張",
                        "番号", "記号"})
_ORG_ENDINGS = ("員", "株式会社", "会社", "社", "部", "課", "室", "係", "局", "省", "庁", "店", "支店", "所", "工場", "事務所",
                "センター", "銀行", "病院", "大学", "高校", "学校", "組合", "協会", "法人", "商事", "市", "区", "町", "村",
                "県", "府", "都", "駅", "港", "線", "便", "号", "棟", "階", "館", "長男", "長女", "次男", "次女", "の")
_SURNAME_NEXT_OK = frozenset({"助詞", "補助記号", "空白", "助動詞"})
_NOT_IN_NAME = re.compile(r"[^一-龥々〆ヶ\uf900-\ufaffぁ-んァ-ヴーA-Za-z]")
_CHUNK = 8000  # Sudachi refuses inputs over 49,149 bytes; lines are cut into chunks of this size


@lru_cache(maxsize=4096)
def _pos_flags(pos_id: int) -> tuple[str, str, str, str]:
    return tuple(dictionary().pos_of(pos_id)[:4])  # type: ignore[return-value]


# Only the stretches of a line that can hold a name are analysed (_SEGMENT below): runs of kanji /
# katakana with the spaces and ・ between the words of a name, their kana tail and the character
# after it (the particle or bracket that decides). Hiragana prose between them is skipped, which
# halves the work on ordinary Japanese text; segments are cached, so a prompt re-scanned while the
# learner types costs only its changed segments.


@lru_cache(maxsize=16384)
def _segment_tokens(segment: str) -> tuple[tuple[int, int, str, tuple[str, str, str, str], bool], ...]:
    """The segment's tokens, or () when none is a person token (most segments of prose: the
    check on part-of-speech ids is much cheaper than building the tokens)."""
    from portal.risk.morph import _tokenizer

    morphemes = _tokenizer().tokenize(segment)
    is_person = _person_matcher()
    if not any(is_person(m) for m in morphemes):
        return ()
    out = []
    for m in morphemes:
        b, e = m.begin(), m.end()
        flags = _pos_flags(m.part_of_speech_id())
        surface = segment[b:e]
        if flags[2] == "人名":
            cut = _NOT_IN_NAME.search(surface)
            if cut is not None:  # Sudachi sometimes swallows brackets into an unknown name
                if cut.start() == 0:
                    continue
                surface = surface[: cut.start()]
                e = b + len(surface)
        out.append((b, e, surface, flags, m.is_oov()))
    return tuple(out)




_SEGMENT = re.compile(
    r"[一-龥々〆ヶ\uf900-\ufaffァ-ヴー]+(?:[ \u3000・][一-龥々〆ヶ\uf900-\ufaffァ-ヴー]+)*"
    r"(?:[ \u3000][ぁ-ゖ]{2,4}(?=[\s、,，。.)）」』:：|/（(\[「]|です|さん|様|さま|ちゃん|くん|が|は|と|も|の|に|を|へ|より|から|\Z))?[ぁ-ゖー]{0,8}"
    r"(?:(?![一-龥々〆ヶ\uf900-\ufaffァ-ヴー])[^\s])?"
)


def _line_segments(line: str) -> list[tuple[int, int]]:
    """Runs of kanji / katakana with their kana tail and the character after it."""
    # Matches never overlap, and one that touches the previous one starts after the punctuation
    # that ended it: each is analysed on its own.
    return [m.span() for m in _SEGMENT.finditer(line)]


def _segment_has_person(segment: str) -> bool:
    return bool(_segment_tokens(segment))


@lru_cache(maxsize=1)
def _person_matcher():
    """Sudachi's matcher for person-name parts of speech (人名), built once."""
    return dictionary().pos_matcher(lambda pos: pos[2] == "人名")


_DEPT_BEFORE_NAME = re.compile(r"[一-龥ァ-ヴー]{1,10}(?:部|課|室|係|センター|グループ|チーム|本部|事業部)[ \u3000]")
_DEPARTMENT_WORDS = frozenset(
    "総務 人事 経理 営業 法務 財務 企画 広報 開発 製造 品証 品質 技術 情報 管理 購買 物流 設計 秘書 監査 受付 担当 窓口 事務 新人 "
    "社員 派遣 顧問 本社 支社 工場 本部 課長 部長 係長 主任 社長 室長 店長 所長 次長 専務 常務 会長 取締役 監査役 顧客 先方 当社 弊社 "
    "御社 各位 皆様 様 殿 宛 宛先 担当者 作成者 承認者 申請者 明日 今日 昨日 本日 毎朝 朝 夜 午前 午後 今週 来週 先週 今月 来月 "
    "先月 例 例文 記入例 氏名 名前 名義 住所 電話 連絡 連絡先 確認 了解 対応 変更 予定 参加 出席 欠席 全員 各自 以下 以上 上記 下記".split()
)


def _all_common(word: str) -> bool:
    """"航空券": ordinary nouns, not a given name (which is often one ordinary noun: 大地, 翼)."""
    toks = _analyse(word)
    return bool(toks) and all(t.is_common_noun for t in toks) and not any(t.oov for t in toks)


def _surname_ok(sur: str, toks, s: int, e: int, spaced: bool, given: bool, upto: int) -> bool:
    """May the kanji run ``sur`` before a person token be its (unknown) surname? ``upto`` is the
    index of the person token: the run's tokens are just before it."""
    if sur.endswith(_ORG_ENDINGS) or sur.endswith(tuple(_TITLE_LIKE)) or sur in _DEPARTMENT_WORDS:
        return False
    inner = []
    k = upto - 1
    while k >= 0 and toks[k][0] >= s:
        if toks[k][1] <= e:
            inner.append(toks[k])
        k -= 1
    if any(t[2] in _DEPARTMENT_WORDS for t in inner):
        return False
    proper = all(t[3][1] == "固有名詞" or t[4] for t in inner)
    if not spaced:
        return given and proper  # glued: 百目鬼拓海 yes, 明日朝イチ no
    return given or proper


def _is_person(tok) -> bool:
    return tok[3][1] == "固有名詞" and tok[3][2] == "人名" and not tok[2].isascii()


def _segment_tokens_at(text: str, s: int, e: int) -> list:
    """Tokens of text[s:e] (a name-bearing segment), offsets into ``text``; empty when the
    segment holds no person token (no rule can fire there)."""
    out = []
    for off in range(s, e, _CHUNK):
        segment = text[off : min(e, off + _CHUNK)]
        if _segment_has_person(segment):
            out.extend((off + b, off + te, surface, flags, oov) for b, te, surface, flags, oov in _segment_tokens(segment))
    return out


def dictionary_name_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    # Segments never cross a line, and every rule below looks only at its own segment's tokens
    # (plus the characters around them), so the text is walked segment by segment.
    line = text
    base = 0
    for seg_start, seg_end in _line_segments(text):
        if seg_end - seg_start <= _CHUNK:
            seg_toks = _segment_tokens(text[seg_start:seg_end])  # () when no person token: most segments
            if not seg_toks:
                continue
            toks = [(seg_start + b, seg_start + te, surface, flags, oov) for b, te, surface, flags, oov in seg_toks]
        else:
            toks = _segment_tokens_at(text, seg_start, seg_end)
            if not toks:
                continue
        n = len(toks)
        i = 0
        while i < n:
            if not _is_person(toks[i]):
                i += 1
                continue
            # A run of person tokens, spaces allowed between them: 鈴木 一郎, ジョン・スミス.
            first = i
            j = i + 1
            while j < n and toks[j][0] == toks[j - 1][1]:  # adjacent tokens only (segments leave gaps)
                if _is_person(toks[j]):
                    j += 1
                elif (toks[j][2] in (" ", "\u3000") or (toks[j][2] == "・" and _KATAKANA_RUN.fullmatch(toks[j + 1][2] if j + 1 < n else ""))) \
                        and j + 1 < n and _is_person(toks[j + 1]) and toks[j + 1][0] == toks[j][1]:
                    j += 1
                else:
                    break
            i = j
            parts = [t for t in toks[first:j] if _is_person(t)]
            b, end = toks[first][0], toks[j - 1][1]
            if len(parts) == 1:
                # An unknown surname before a given name: 石動 和也, 雲母 健司, 百目鬼 拓海, 春日 大地.
                sm = _SURNAME_BEFORE.search(line, max(0, b - 5), b)
                if sm is not None and _surname_ok(sm.group(1), toks, sm.start(1), sm.end(1), spaced=sm.end(1) < b,
                                                  given=parts[0][3][3] == "名" and not _KATAKANA_RUN.fullmatch(parts[0][2]),
                                                  upto=first):
                    b = sm.start(1)
                    while first > 0 and toks[first - 1][0] >= b:
                        first -= 1
                    parts.insert(0, toks[first])
            if b > 0 and line[b - 1].isdigit():
                continue  # 3日前, 2名: counters, not names
            if re.search(r"(?:株式会社|有限会社|合同会社|\(株\)|\(有\))[ \u3000]?\Z", line[max(0, b - 6) : b]):
                continue  # 有限会社 湘南建装: a company name
            prev = toks[first - 1] if first > 0 else None
            nxt = toks[j] if j < n else None
            if prev is not None and prev[1] == b and prev[3][0] in ("名詞", "接頭辞") and prev[3][1] != "数詞":
                # Glued to a noun before it: 株式会社鈴木 is a firm.
                if prev[2].endswith(("会社", "商事", "銀行")) or prev[3][1] == "固有名詞":
                    continue
            if nxt is not None and nxt[0] == end and nxt[3][0] == "名詞" and nxt[3][1] != "固有名詞":
                continue  # 鈴木商事, 本田技研, 田中家: a compound, not a person
            surf = line[b:end]
            if len(parts) == 1 and parts[0][3][3] == "姓":
                # A given name the dictionary does not know: 栗林 大地, 宮前 ひより.
                gm = _GIVEN_AFTER.match(line, end)
                if gm is not None and gm.group(1) not in _NOT_GIVEN and not (
                        len(gm.group(1)) >= 3 and _KANJI_RE.match(gm.group(1)) and _all_common(gm.group(1))):
                    end = gm.end(1)
                    nxt = None
                    parts.append(None)
            core = surf.replace(" ", "").replace("\u3000", "")
            if len(parts) >= 2 and len(core) <= 2 and line[end : end + 2].startswith((" ", "\u3000")) and \
                    re.match(r"[ \u3000][一-龥]", line[end : end + 2]):
                continue  # "請 求 書": letters spaced out by OCR, not 請 + 求
            if len(parts) == 1 and nxt is not None and nxt[0] == end and nxt[3][0] == "名詞":
                continue  # glued to the noun after it: メゾン高蔵寺
            if len(parts) >= 2:
                score, key = 0.9, "name_dictionary_full"
            elif parts[0][3][3] == "姓":
                if len(surf) < 2 or not re.search(r"[一-龥々ァ-ヴ]", surf):
                    continue  # a lone one-kanji surname (所, 高) needs a context rule; a kana-only one is a word
                if nxt is not None and nxt[0] == end and nxt[3][0] not in _SURNAME_NEXT_OK and nxt[3][0] != "接尾辞":
                    continue
                if prev is not None and prev[1] == b and prev[3][0] in ("名詞", "接頭辞") and prev[3][1] != "数詞":
                    continue  # VPN出口, 非常口: a lone surname glued to a noun is part of a compound
                score, key = 0.7, "name_dictionary_surname"
            elif _KATAKANA_RUN.fullmatch(surf):
                continue  # a lone katakana given name or foreign name: too often a product or place
            else:
                if len(surf) < 2 or not _KANJI_RE.search(surf):
                    continue  # a lone given name in kana (あお, はる) is too often an ordinary word
                score, key = 0.6, "name_dictionary_given"
            out.append(Candidate(C.PERSON_NAME, base + b, base + end, score, key))
        # Katakana full names: スズキ イチロウ (one of the words tagged 人名 is enough).
        if _KATAKANA_SPACED.search(line, seg_start, seg_end):
            starts = [t[0] for t in toks]
            for km in _KATAKANA_SPACED.finditer(line, seg_start, seg_end):
                ks, ke = km.start(), km.end()
                k = max(0, bisect_right(starts, ks) - 1)
                while k < n and toks[k][0] < ke:
                    if toks[k][1] > ks and _is_person(toks[k]):
                        out.append(Candidate(C.PERSON_NAME, base + ks, base + ke, 0.8, "name_dictionary_full"))
                        break
                    k += 1
    return out  # (readings in brackets after a name: name_context)
