"""Names found through the other names and the layout of the text.

Runs after the name detectors (``names``, ``latin_names``, tables) on their candidates:

- **speakers**: a name at the start of a chat or minutes line, before a colon
  (``[10:02] 田中 美咲: …``, ``三輪：…``, ``Priya: …``, ``周晓雯 10:21：…``);
- **lists**: the other members of a list that holds a name (``杉浦と林が担当``, ``東・林の2名体制``,
  ``出席：一ノ瀬、若林、熊谷、Chen``);
- **repeats**: every other occurrence of a name already found, and of the parts of a full name
  (``雲母 健司`` … ``雲母課長``; ``Rahul Venkataraman`` … ``thanks Rahul``);
- **Latin given names alone** in the places people are named (``Hi Priya,``, ``– Sayaka``,
  ``Megan will arrange``, ``(Grace)``), from the given-name lists;
- **Korean and Chinese names**: Hangul names before 님 / 씨 / 매니저 …, Han names after 收件人 / 联系人.

Runs on the normalised text; offsets are normalised offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from portal.risk.detectors import Candidate
from portal.risk.normalize import lower_of
from portal.risk.latin_names import _ASIAN_SURNAMES, _ORG_AFTER, _STOP, _english_word, _known, lone_name_score
from portal.risk.findings import Category
from portal.risk import tables

C = Category
_PUBLIC = Path(__file__).with_name("data") / "public_figures.txt"
_KANJI = "一-龥々〆ヶ\uf900-\ufaff"
_NAME_TOKEN = (
    rf"[{_KANJI}]{{1,4}}(?: [{_KANJI}]{{1,3}})?|[ァ-ヴー]{{2,8}}(?:[ ・][ァ-ヴー]{{2,8}})?|[가-힣]{{2,4}}|"
    r"[A-ZÀ-Þ][a-zß-ÿ]+(?:[ \-][A-ZÀ-Þ][a-zß-ÿ]+){0,2}"
)
_SPEAKER = re.compile(
    r"^[ \t>*・\-]*(?:[\[(]?(?:[0-9]{1,4}/[0-9]{1,2}(?:/[0-9]{1,4})? )?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?: ?[AP]M)?[\])]? ?)?"
    rf"(?P<n>{_NAME_TOKEN})(?:さん|様|くん|ちゃん)?(?: ?[(（][^()（）\n:：]{{1,24}}[)）])?(?: [0-9]{{1,2}}:[0-9]{{2}})? ?[:：](?!//)",
    re.MULTILINE,
)
# Words that stand before a colon at the start of a line and are not people.
_SPEAKER_TITLE = re.compile(r"(?:总经理|總經理|经理|經理|先生|女士|小姐|老师|老師|主任|部長|課長|係長|所長|店長|社長)\Z")
_NOT_SPEAKER = set(
    "件名 日時 日付 時間 場所 議題 備考 目的 参加者 出席 出席者 欠席 欠席者 結論 宿題 期限 回答 質問 依頼 対応 注意 補足 結果 内容 理由 "
    "原因 概要 状況 影響 対策 担当 担当者 氏名 名前 住所 電話 金額 合計 宛先 差出人 送信者 本文 添付 要望 課題 背景 現状 方針 予定 次回 "
    "決定 決定事項 確認 確認事項 懸念 リスク 論点 備品 持ち物 会場 集合 解散 費用 予算 場所 連絡 連絡先 所属 部署 役職 会社 社名 期間 "
    "開始 終了 締切 提出 申請 承認 理由 手順 方法 ステータス 優先度 カテゴリ タイトル メモ 注記 結論 前提 条件 対象 範囲 効果 判定 "
    "Subject From To Cc Bcc Date Time Note Notes Q A Summary Action Actions Status Owner Host Server Error Warning Info "
    "Debug Re Fwd Fw Total Name Id URL Tel Phone Mobile Fax Email Address Agenda Attendees Location Venue Topic Topics "
    "Decision Decisions Result Results Reason Cause Impact Next Step Steps Background Issue Issues Question Answer "
    "Request Response Ticket Priority Category Title Memo Comment Comments Update Updates Example Output Input Usage "
    "Expected Actual Environment Version Build Branch Commit Author Reviewer Assignee Reporter Sender Recipient "
    "Sent Received Importance Attachments Attachment Reply-To Organization Organisation Company Department Title "
    "Dependant Dependent Spouse Guardian Sponsor Holder Passport Visa Flight Hotel Room Seat Gate Terminal Billing "
    "Von An Betreff Datum Gesendet De À Objet Envoyé Para Asunto Fecha Enviado Oggetto Da A Escalated Details Visitor "
    "Parameters Default Resources Properties Outputs Type Value Values Metadata Spec Status Kind Data "
    "收件人 联系人 聯絡人 负责人 負責人 姓名 经办人 申请人 收货人 寄件人 电话 手机 邮箱 地址 公司 部门 职位 备注 日期 时间 "
    "備註 備考 電話 郵遞區號 手機 주소 전화 이메일 메모 받는 보내는".split()
)
_HIRAGANA_RUN = re.compile(r"[ぁ-ゖ]{2}")
_HIRA_SPEAKER = re.compile(
    r"^[ \t>*・\-]*(?P<t>[\[(]?(?:[0-9]{1,4}/[0-9]{1,2}(?:/[0-9]{1,4})? )?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?[\])]? ?)?"
    r"(?P<n>[ぁ-ゖー]{2,6})(?:さん|ちゃん|くん)? ?(?:[:：](?!//)|「)",
    re.MULTILINE,
)
_HONORIFIC_LITERAL = re.compile(r"さん|ちゃん|くん|様")
_HIRA_BEFORE_HONORIFIC = re.compile(r"(?:^|(?<=[\s、,。（(「『:：・/]))(?P<n>[ぁ-ゖ]{2,5})\Z", re.MULTILINE)
# Hiragana words that stand before さん or a colon and are not anybody's name.
_HIRA_NOT_NAME = set(
    "みな みんな みなさま あなた こちら そちら あちら どちら だれ どなた あかちゃん あか じい ばあ にい ねえ かあ とう おじ おば "
    "よめ むすめ まご いとこ ぼっ じょう あんちゃん まとめ おしらせ ねらい こたえ もんだい れい ただし なお ちなみに でも "
    "はい いいえ えっと あの その この じぶん わたし ぼく おれ うち".split()
)
_KIN = (r"妻|夫|長男|長女|次男|次女|三男|三女|四男|四女|長子|義父|義母|祖父|祖母|父|母|息子|娘|配偶者|奥様|奥さん|ご主人|"
        r"旦那|嫁|婿|孫|弟|妹|兄|姉")
_KIN_TRIGGER = re.compile(_KIN)
_KIN_BEFORE_OK = frozenset(" \t\n\u3000、,（(・:：")
_KIN_NAME = re.compile(  # matched right after a relation word found by _KIN_TRIGGER
    rf"(?P<sep>[：:]\s?|\s|の)(?P<n>[{_KANJI}]{{1,4}}|[ァ-ヴー]{{2,6}}|[ぁ-ゖ]{{2,5}})"
    r"(?=[（(\s、,:：・／/]|さん|ちゃん|くん|様|が|は|も|$)",
    re.MULTILINE,
)
_KIN_NAME_EN = re.compile(r"(?i:\b(?:my|our|his|her) (?:wife|husband|son|daughter|mother|father|brother|sister|partner),? )"
                          r"(?P<n>[A-Z][a-z]{2,})\b")
_LIST_SEP = re.compile(r"(?:[、,，・/／;]|と|及び|および| and | & |, and |, ) ?")
_AFTER_NAME_OK = re.compile(r"$|[、,，・/／;。.:：)）(（」』\]\s]|と|が|の|は|で|に|を|も|や|から|より|さん|様|氏|両名|の2名|の3名|委員|担当|課長|部長")
_KANJI_RUN = re.compile(rf"[{_KANJI}]{{1,4}}")
_KANJI_ONLY = re.compile(rf"[{_KANJI}]+")
_NOT_NAME_KANJI = set("他 等 各 両 全 私 僕 彼 皆 己 方 者 名 人 様 氏 社 部 課 外 内 以 上 下 中 前 後 自 当 弊 貴 御 本 今 次 同 新 旧 "
                      "甲 乙 丙 丁 例 案 注 計 件 問 答 記 済 未 可 否 有 無 要 急 至 自 宛 鍵 我 你 他 她 您 市 区 町 村 県 国 都 府 道 署 局 課 係 班 社 店 "
                      "院 園 校 会".split())
_DEPARTMENT_ENDINGS = ("部", "課", "室", "係", "局", "省", "庁", "店", "所", "社", "会", "班", "長", "組", "隊", "科", "署")

# Where a Latin given name alone is a person. Four patterns, each starting with a character class or
# literal so that the regex engine can skip ahead (one alternation of all four scans every position).
_LATIN_CONTEXTS = [
    re.compile(r"(?:Hi|Hello|Hey|Dear|Thanks|Thank you|thanks|Cheers|Congrats|cc|CC|Cc|ping|loop in|ask|tell|with|and|to|by|@) "
               r"(?P<n>[A-ZÀ-Þ][a-zß-ÿ]{2,})(?![A-Za-zÀ-ÿ])"),
    re.compile(r"^[ \t]*(?:[-–—~]+ ?)?(?P<n>[A-ZÀ-Þ][a-zß-ÿ]{2,})[ \t\"”]*$|[—–] (?P<m>[A-ZÀ-Þ][a-zß-ÿ]{2,})[ \t\"”]*$", re.MULTILINE),
    re.compile(r"[(（](?P<n>[A-ZÀ-Þ][a-zß-ÿ]{2,})[)）]"),
    re.compile(r"[A-ZÀ-Þ](?<![A-Za-zÀ-ÿ][A-ZÀ-Þ])[a-zß-ÿ]{2,}(?:'s| will| can| is| has| had| said| says| mentioned| wants| wanted|"
               r" confirmed| reported| asked| explained| agreed| noted| joined| left| sent| shared| approved| owns|"
               r" to (?:circulate|obtain|send|check|follow))(?![A-Za-z])"),
]
_HANGUL_NAME = re.compile(r"(?<![가-힣])(?P<n>[김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부가복태목형피두감음빈동온호범좌팽승간상시갈][가-힣]{1,2})"
                          r"(?= ?(?:님|씨|매니저|팀장|과장|부장|대리|사원|선생|대표|이사|실장|차장|입니다|이에요|예요))")
_EMAIL_LOCAL = re.compile(r"(?<![A-Za-z0-9._%+\-])(?P<local>[A-Za-z0-9._%+\-]{3,64})@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_NAME_BEFORE_EMAIL = re.compile(r"(?:^|(?<=[\s,;:\t|\"(]))(?P<n>[A-Za-zÀ-ÿ][a-zA-ZÀ-ÿ'\-]{1,30}(?: [A-Za-zÀ-ÿ][a-zA-ZÀ-ÿ'\-]{1,30}){1,3})"
                                r"[\s,;:\t|\"]{0,3}[<(\[]?[ ]?(?:mailto:)?\Z")


def _title_word(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


_EN_INTRO_TRIGGER = re.compile(r"This is |this is |[Mm]y name is |I am |I'm |I’m |^(?:From|To|Cc|CC|Attn|Sender|Requester|Reported by|Submitted by|Prepared by)[:：] ?",
                               re.MULTILINE)
_EN_INTRO = re.compile(  # matched right after a trigger of _EN_INTRO_TRIGGER
    r"(?P<n>[A-ZÀ-Þ][a-zß-ÿ'\-]+(?: [A-ZÀ-Þ][a-zß-ÿ'\-]+){1,3})(?=[ ,.;:(<\n]|$)"
)


def _intro_name_ok(text: str, end: int, words: list[str]) -> bool:
    """Two to four capitalised words after "This is" or a mail header are a name unless they are
    ordinary English ("Customer Service"), a place, a team or a firm."""
    if any(w in _STOP or w in _NOT_SPEAKER for w in words) or _ORG_AFTER.match(text, end):
        return False
    known = [lone_name_score(w) > 0 for w in words]
    english = [_english_word(w.lower()) for w in words]
    if english[-1] and not known[-1]:
        return False  # "Kumori Support", "the Night Team"
    return not all(e and not k for e, k in zip(english, known))


_ZH_INTRO = re.compile(r"(?:我是|我叫|我姓名是|本人是|我(?:先生|太太|丈夫|妻子|老公|老婆|儿子|兒子|女儿|女兒|母亲|母親|父亲|父親)(?:是)?)"
                       r"(?P<n>[一-龥]{2,3})(?=[，,。、！!\s的（(]|$)")
_HANGUL = re.compile(r"[가-힣]")
_KO_RELATION = re.compile(r"(?:남편|아내|아들|딸|어머니|아버지|인솔자|가이드|담당) (?P<n>[가-힣]{2,4})(?![가-힣])")
_HAN_LABEL = re.compile(r"(?:收件人|联系人|聯絡人|负责人|負責人|姓名|经办人|經辦人|申请人|申請人|收货人|收貨人|寄件人|联系人姓名|"
                        r"수취인|받는 사람|보내는 사람|성명|이름|담당자|예금주)"
                        r"[:： ]{1,2}(?P<n>[一-龥]{2,4}|[가-힣]{2,4})(?![一-龥가-힣])")


class _Taken:
    """Spans already claimed, as a sorted union: "does [s, e) overlap anything?" in O(log n)."""

    def __init__(self, spans=()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for s, e in sorted(spans):
            self.add(s, e)

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_left(self.starts, e)  # intervals starting before e
        return i > 0 and self.ends[i - 1] > s

    def add(self, s: int, e: int) -> None:
        i = bisect_left(self.starts, s)
        # merge with neighbours that touch [s, e)
        while i > 0 and self.ends[i - 1] >= s:
            i -= 1
            s = min(s, self.starts[i])
            e = max(e, self.ends[i])
            del self.starts[i], self.ends[i]
        while i < len(self.starts) and self.starts[i] <= e:
            e = max(e, self.ends[i])
            del self.starts[i], self.ends[i]
        self.starts.insert(i, s)
        self.ends.insert(i, e)


def _boundary_before(text: str, s: int) -> bool:
    if s == 0:
        return True
    ch = text[s - 1]
    return not (ch.isalnum() or ch in "ー々")


def _speaker_ok(name: str, chat: bool, timestamps: bool = False) -> bool:
    """Is ``name`` (before a colon at the start of a line) a person? Without a chat timestamp the
    word must be a known name: "Position:", "Salary:", "結論：" and "一次：" are headings."""
    if name in _NOT_SPEAKER or name.split(" ")[0] in _NOT_SPEAKER:
        return False
    if name[0].isascii():
        from portal.risk.latin_names import _score

        words = name.replace("-", " ").split(" ") if " " in name else [name]
        if len(words) > 1:
            return _score(name.split(" ")) > 0 or chat and all(w[:1].isupper() for w in words) and \
                not any(w.lower() in _COMMON_SPEAKER_WORDS for w in words)
        # One Latin word before a colon is a speaker only when it is a known name, or in a chat
        # with timestamps ("Properties:", "Default:" repeat in YAML and are not people).
        return lone_name_score(name) > 0 or (timestamps and len(name) >= 3 and name.lower() not in _COMMON_SPEAKER_WORDS
                                              and not _is_english_word(name))
    core = name.replace(" ", "")
    if _KANJI_ONLY.fullmatch(core):
        if len(core) == 1:
            return chat and core not in _NOT_NAME_KANJI
        if core.endswith(_DEPARTMENT_ENDINGS) or _is_common_noun(name) or (_is_place(name) and not _has_person_token(name)):
            return False  # "B：羽鳥・なし": a stop on a route, not a speaker
        return chat or _has_person_token(name)
    if re.fullmatch(r"[ァ-ヴー・ ]+", name) and _is_common_noun(name):
        return False
    if re.fullmatch(r"[ァ-ヴー・ ]+", name):
        return _has_person_token(name) or chat and not _is_common_noun(name)
    return chat


_PLACES = set(
    "北海道 青森 岩手 宮城 秋田 山形 福島 茨城 栃木 群馬 埼玉 千葉 東京 神奈川 新潟 富山 石川 福井 山梨 長野 岐阜 静岡 愛知 三重 "
    "滋賀 京都 大阪 兵庫 奈良 和歌山 鳥取 島根 岡山 広島 山口 徳島 香川 愛媛 高知 福岡 佐賀 長崎 熊本 大分 宮崎 鹿児島 沖縄 "
    "関東 関西 東北 北陸 中部 東海 近畿 中国 四国 九州 全国 海外 国内 首都圏 札幌 仙台 横浜 名古屋 神戸 博多".split()
)


def _is_place(word: str) -> bool:
    """True when Sudachi reads ``word`` as a place name and nothing else (山梨, 関東全域)."""
    from portal.risk.names import _analyse

    toks = [t for t in _analyse(word) if not t.is_space]
    return bool(toks) and toks[0].is_place and not any(t.is_person for t in toks)


def _single_kanji_tokens(word: str) -> bool:
    """心春 read as 心 + 春: a given name made of one-kanji words (無職, 同居, 専業主婦 are whole words)."""
    from portal.risk.names import _analyse

    toks = [t for t in _analyse(word) if not t.is_space]
    return len(toks) >= 2 and all(len(t.surface) == 1 and _KANJI_ONLY.fullmatch(t.surface) for t in toks)


def _has_person_token(word: str) -> bool:
    from portal.risk.names import _analyse

    return any(t.is_person for t in _analyse(word))


def _is_english_word(word: str) -> bool:
    from portal.risk.latin_names import _lists

    return word.lower() in _lists()[2]


_COMMON_SPEAKER_WORDS = {"user", "assistant", "system", "bot", "admin", "customer", "agent", "support", "me", "you",
                         "ai", "chatgpt", "claude", "gemini", "copilot", "operator", "client", "server", "log", "warn"}


def _is_common_noun(word: str) -> bool:
    """True when Sudachi reads every token of ``word`` as an ordinary noun (結論, 宿題, 決定事項)."""
    from portal.risk.names import _analyse

    toks = [t for t in _analyse(word) if not t.is_space]
    return bool(toks) and all(t.pos[0] in ("名詞", "接尾辞", "接頭辞") and t.pos[1] != "固有名詞" for t in toks) and \
        not any(t.oov for t in toks) and len(word) > 1


_KANA_PAIR = re.compile(r"(?<![ァ-ヴー])(?P<n>[ァ-ヴー]{2,8}(?: [ァ-ヴー]{1,8}){1,2})(?![ァ-ヴー])")
_KANA_LABEL = re.compile(r"(?:名義(?:人|カナ)?|口座名義|受取人(?:名)?|カナ|フリガナ|ふりがな|氏名カナ|振込先|普通|当座|[0-9]{6,8})[ :：]*\Z")
_READING = re.compile(r" ?[(（] ?(?P<r>[ァ-ヴー]{2,}(?:[・ =][ァ-ヴー]{1,})*|[ぁ-ゖ]{2,}(?: [ぁ-ゖ]{1,})?) ?[)）]")


_FIGURE_SEP = re.compile(r"[ \u3000・･=＝]")


@lru_cache(maxsize=1)
def _public_figures() -> frozenset[str]:
    """Well-known public figures' names, spaces removed and lower-cased; Latin two-word names in
    both orders ("Shigeru Ishiba", "ISHIBA SHIGERU")."""
    names: set[str] = set()
    for line in _PUBLIC.read_text(encoding="utf-8").splitlines():
        name = line.strip()
        if name and not name.startswith("#"):
            names.add(name.replace(" ", "").lower())
            names.add(_FIGURE_SEP.sub("", name).lower())  # スティーブ・ジョブズ also as スティーブジョブズ
            words = name.split(" ")
            if name.isascii() and len(words) == 2:
                names.add((words[1] + words[0]).lower())
    return frozenset(names)


@lru_cache(maxsize=1)
def _figure_words() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for line in _PUBLIC.read_text(encoding="utf-8").splitlines():
        name = line.strip()
        if name and not name.startswith("#") and name.isascii():
            words = tuple(name.split(" "))
            out[name.replace(" ", "").lower()] = words
            if len(words) == 2:
                out[(words[1] + words[0]).lower()] = words
    return out


@lru_cache(maxsize=1)
def _figure_bigrams() -> frozenset[str]:
    return frozenset(f[i : i + 2] for f in _public_figures() for i in range(len(f) - 1))


def _figure_around(text: str, s: int, e: int) -> str | None:
    """The public figure's name (spaces removed) that the name at [s, e) is part of, if any."""
    figures = _public_figures()
    value = re.sub(r"['’]s$", "", text[s:e]).replace(" ", "").lower()  # "Geoffrey Hinton's"
    if value[:2] not in _figure_bigrams():
        return None  # no public figure's name holds these letters: the common case, decided at once
    window = text[max(0, s - 12) : e + 12].replace(" ", "").lower()
    i = window.find(value)
    for a in range(max(0, i - 8), i + 1):
        for b in range(i + len(value), min(len(window), i + len(value) + 8) + 1):
            if window[a:b] in figures:
                return window[a:b]
    return None


def context_name_candidates(text: str, found: list[Candidate]) -> list[Candidate]:
    names = [c for c in found if c.category is C.PERSON_NAME and c.score >= 0.7]
    out: list[Candidate] = []

    # Speakers at the start of a line.
    if ":" in text:
        speakers = [(m, m.group("n")) for m in _SPEAKER.finditer(text)]
        # A chat or a dialogue: lines with timestamps, or a speaker who speaks more than once.
        counts: dict[str, int] = {}
        for _m, n in speakers:
            counts[n] = counts.get(n, 0) + 1
        timestamps = any(m.group().lstrip(" \t>*・-")[:1] in "[(0123456789" for m, _n in speakers)
        chat = timestamps or (len(counts) >= 2 and max(counts.values()) >= 2)
        for m, name in speakers:
            end = m.end("n")
            title = _SPEAKER_TITLE.search(name)
            if title is not None and title.start() > 0:
                name, end = name[: title.start()], m.start("n") + title.start()  # 张经理: → 张
            if _speaker_ok(name, chat, timestamps):
                out.append(Candidate(C.PERSON_NAME, m.start("n"), end, 0.8, "name_speaker"))

    # Hiragana speakers in a chat or a pasted dialogue: "みゆき：…", "[20:14] まゆみ: …", "えりかさん：…",
    # "みゆき「…」". Only where the text is a conversation (timestamps, or a speaker who speaks again).
    if _HIRAGANA_RUN.search(text):
        hira = [m for m in _HIRA_SPEAKER.finditer(text) if m.group("n") not in _HIRA_NOT_NAME]
        if hira:
            names_at = [m.group("n") for m in hira]
            others = [m.group("n") for m in _SPEAKER.finditer(text)] if (":" in text or "：" in text) else []
            every = names_at + others
            stamped = any(m.group("t") for m in hira)
            talk = stamped or (len(set(every)) >= 2 and max(every.count(n) for n in set(every)) >= 2) or \
                max(names_at.count(n) for n in set(names_at)) >= 2
            if talk:
                for m in hira:
                    if not _is_common_noun(m.group("n")):
                        out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_speaker"))
        # A hiragana given name before an honorific: "さとみさん", "ひまりちゃん".
        for hm in _HONORIFIC_LITERAL.finditer(text):  # look back from each honorific: far cheaper than a scan
            m = _HIRA_BEFORE_HONORIFIC.search(text, max(0, hm.start() - 6), hm.start())
            if m is None:
                continue
            n = m.group("n")
            if n not in _HIRA_NOT_NAME and not n.startswith(("お", "ご")) and not _is_common_noun(n):
                out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.72, "name_honorific"))

    # Family members after their relation: "長女：心春（2017/09/15生）", "長男 湊 H30.4.12生", "妻：ハツエ",
    # "my wife Mei".
    for km in _KIN_TRIGGER.finditer(text):
        if km.start() and text[km.start() - 1] not in _KIN_BEFORE_OK:
            continue
        m = _KIN_NAME.match(text, km.end())
        if m is None:
            continue
        n = m.group("n")
        if m.group("sep") == "の" and len(n) < 2:
            continue
        if n in _NOT_NAME_KANJI or (len(n) > 1 and _is_common_noun(n) and not _single_kanji_tokens(n)) \
                or n.endswith(_DEPARTMENT_ENDINGS) \
                or _is_place(n) and not _has_person_token(n) or n in _HIRA_NOT_NAME:
            continue
        out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_relation"))
    if "y " in text or "r " in text:  # my / our / his / her
        for m in _KIN_NAME_EN.finditer(text):
            n = m.group("n")
            if n not in _STOP and (_known(n)[0] or not _english_word(n.lower())):  # "my son Will", not "my wife Works"
                out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_relation"))

    # A Latin name written next to its own e-mail address: "Grace Park <grace.park@…>",
    # "kengo osawa,k.osawa@…" (a CSV export in lower case): the address confirms the name.
    if "@" in text:
        for m in _EMAIL_LOCAL.finditer(text):
            tokens = {t for t in re.split(r"[._\-+0-9]", m.group("local").lower()) if len(t) >= 3}
            if not tokens:
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            before = text[max(line_start, m.start() - 60) : m.start()]
            nm = _NAME_BEFORE_EMAIL.search(before)
            if nm is None:
                continue
            words = nm.group("n").split(" ")
            if any(w.lower() in tokens and (any(_known(w)) or not _is_english_word(w.lower())) for w in words) \
                    and not any(_title_word(w) in _NOT_SPEAKER for w in words) \
                    and not all(_is_english_word(w.lower()) and not lone_name_score(w.title()) for w in words):
                s0 = max(line_start, m.start() - 60) + nm.start("n")
                out.append(Candidate(C.PERSON_NAME, s0, s0 + len(nm.group("n")), 0.8, "name_email"))

    # English self-introductions and mail headers: "This is Siriporn Chaiyawat in room 1308",
    # "My name is Li Xiaoyu", "From: Marina Ebata, Senior Auditor".
    for tm in _EN_INTRO_TRIGGER.finditer(text):
        if tm.start() and text[tm.start() - 1].isalpha():
            continue  # "Whom I am …" is fine, "PRAM I am" not a trigger inside a word
        m = _EN_INTRO.match(text, tm.end())
        if m is not None and _intro_name_ok(text, m.end("n"), m.group("n").split(" ")):
            out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_self_intro"))

    # Korean and Chinese names.
    if _HANGUL.search(text):
        for m in _HANGUL_NAME.finditer(text):
            out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_context"))
    # Chinese self-introductions and relatives: 我是刘思远，/ 我先生黃俊傑的手機; Korean relatives: 남편 이현석.
    if "我" in text:
        for m in _ZH_INTRO.finditer(text):
            out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_self_intro"))
    if _HANGUL.search(text):
        for m in _KO_RELATION.finditer(text):
            out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.75, "name_relation"))
    for m in _HAN_LABEL.finditer(text):
        if m.group("n").endswith(_DEPARTMENT_ENDINGS):
            continue
        out.append(Candidate(C.PERSON_NAME, m.start("n"), m.end("n"), 0.8, "name_label", {"label": m.group()[:3]}))

    # Latin given names alone, where people are named.
    if re.search(r"[A-Z][a-z]", text):
        for rx in _LATIN_CONTEXTS:
            for m in rx.finditer(text):
                if "n" in rx.groupindex:
                    g = "n" if m.group("n") else "m"
                    s, e = m.start(g), m.end(g)
                else:  # "Megan will arrange": the word is the start of the match
                    s = m.start()
                    e = s + len(re.match(r"[A-ZÀ-Þ][a-zß-ÿ]+", text[s:]).group())
                score = lone_name_score(text[s:e])
                if score:
                    out.append(Candidate(C.PERSON_NAME, s, e, score + 0.1, "name_en_context"))

    # Katakana full names where only people's names are written in katakana pairs: after an
    # account number or a 名義 / カナ / 受取人 label (bank holders are written in half-width kana,
    # ｲﾏｲ ｿｳﾀ), or as a table cell of their own (ミナミ ミズホ between commas or tabs).
    for m in _KANA_PAIR.finditer(text):
        s, e = m.start("n"), m.end("n")
        line_start = text.rfind("\n", 0, s) + 1
        before = text[line_start:s]
        in_cell = (not before or before[-1] in "\t,|\"") and (e == len(text) or text[e] in "\t,|\"\n")
        after_label = _KANA_LABEL.search(before) is not None
        if after_label or (in_cell and not all(_is_common_noun(w) for w in m.group("n").split(" "))):
            out.append(Candidate(C.PERSON_NAME, s, e, 0.8, "name_context"))

    known = names + out
    # Members of a list that holds a name.
    spans = _Taken((c.start, c.end) for c in known)
    queue = list(known)
    seen: set[tuple[int, int]] = set()
    while queue:
        c = queue.pop()
        if (c.start, c.end) in seen:
            continue
        seen.add((c.start, c.end))
        for nc in _list_neighbours(text, c.start, c.end):
            if not spans.overlaps(nc.start, nc.end):
                spans.add(nc.start, nc.end)
                out.append(nc)
                queue.append(nc)

    # Every other occurrence of a name, and of the parts of a full name.
    strings: set[str] = set()
    for c in names + out:
        value = text[c.start : c.end]
        strings.add(value)
        if " " in value:
            for part in value.split(" "):
                if (part.isascii() and len(part) >= 3 and part[0].isupper() and not part.isupper()) or \
                        (not part.isascii() and len(part) >= 2):
                    strings.add(part)
    strings = {s for s in strings if len(s) >= 2}
    # A one-kanji surname of a full name found here (東 真理子 → 東): its other mentions count only
    # where nothing but a name could stand — between separators, or before an honorific or a
    # particle — never inside a word (東京, 森林).
    for c in names + out:
        value = text[c.start : c.end]
        head = value.split(" ", 1)[0]
        if " " in value and len(head) == 1 and _KANJI_ONLY.fullmatch(head) and head not in _NOT_NAME_KANJI:
            for i in _single_kanji_mentions(text, head, c.start):
                out.append(Candidate(C.PERSON_NAME, i, i + 1, 0.75, "name_repeated"))
    if strings:
        taken = _Taken([(c.start, c.end) for c in found if c.category is C.PERSON_NAME] + [(c.start, c.end) for c in out])
        # Where each name was found: repeats are looked for within _REPEAT_WINDOW of a mention
        # (a prompt is short; in a megabyte of text a name refers to its own neighbourhood).
        where: dict[str, list[int]] = {}
        for c in names + out:
            value = text[c.start : c.end]
            for key in [value] + (value.split(" ") if " " in value else []):
                where.setdefault(key, []).append(c.start)
        for value in sorted(strings, key=len, reverse=True):
            lo_hi = _windows(where.get(value) or [p for k, ps in where.items() if value in k for p in ps], len(text))
            for lo, hi in lo_hi:
                i = text.find(value, lo, hi)
                while i != -1:
                    j = i + len(value)
                    if _boundary_before(text, i) and _boundary_after(text, j, value) and not taken.overlaps(i, j):
                        out.append(Candidate(C.PERSON_NAME, i, j, 0.75, "name_repeated"))
                        taken.add(i, j)
                    i = text.find(value, j, hi)

    # Readings in brackets right after a name: NGUYEN Thi Lan（グエン・ティ・ラン）, 東（ひがし）.
    if "(" in text:
        for c in names + out:
            m = _READING.match(text, c.end)
            kanji = sum(1 for ch in text[c.start : c.end] if _KANJI_ONLY.match(ch))
            if m is not None and len(m.group("r").replace(" ", "").replace("・", "")) >= max(2, kanji):
                out.append(Candidate(C.PERSON_NAME, m.start("r"), m.end("r"), 0.85, "name_reading"))
    # The same person in another script, in brackets or after a slash: Liu Yanan（刘亚楠）, Okonkwo Chidi様
    # （オコンクォ チディ様）, Priya Raghunathan / プリヤ・ラグナタン, CHOI YUNA / 최유나, 박서연 (Park Seo-yeon).
    if "(" in text or "/" in text:
        for c in names + out:
            alt = _alternate_form(text, c.start, c.end)
            if alt is not None:
                out.append(Candidate(C.PERSON_NAME, alt[0], alt[1], 0.85, "name_reading"))
            elif text[c.start : c.start + 1].isascii():
                # 박서연 (Park Seo-yeon), 张伟强（ZHANG WEIQIANG）: the name before the brackets of a Latin name.
                before = _ALT_BEFORE.search(text, max(0, c.start - 8), c.start)
                if before is not None and text[c.end : c.end + 1] in ")）" and not _ALT_HAN_NOT.search(before.group("r")):
                    out.append(Candidate(C.PERSON_NAME, before.start("r"), before.end("r"), 0.85, "name_reading"))
    return out


_ALT_KATAKANA = r"[ァ-ヴ][ァ-ヴー]+(?:[・ =][ァ-ヴ][ァ-ヴー]*){0,3}"
_ALT_HAN = r"[一-龥]{2,4}"
_ALT_HANGUL = r"[가-힣]{2,4}"
_ALT_LATIN = r"[A-Z][A-Za-z'’\-]+(?: [A-Z][A-Za-z'’\-]+){0,3}"
_ALT_BRACKET = re.compile(rf"(?:様|さん|氏)? ?[(（] ?(?P<r>{_ALT_KATAKANA}|{_ALT_HAN}|{_ALT_HANGUL}|{_ALT_LATIN})(?: ?(?:様|さん|氏))? ?[)）]")
_ALT_SLASH = re.compile(rf" ?[/／] ?(?P<r>{_ALT_KATAKANA}|{_ALT_HANGUL})(?= ?(?:[/／|,、\n)）]|\Z))")
_ALT_SPACED_HAN = re.compile(rf"[ \u3000\t]{{1,3}}(?P<r>{_ALT_HAN})(?=[ \u3000\t,、]|\Z)", re.MULTILINE)
_ALT_BEFORE = re.compile(rf"(?<![一-龥가-힣])(?P<r>{_ALT_HAN}|{_ALT_HANGUL}) ?[(（] ?\Z")
# Notes in brackets after a name, never the name in another script: 社外, 欠席, 代理, 本人, 父 …
_BRACKET_NOTE = frozenset(
    "社外 社内 社員 欠席 出席 代理 同席 新任 退任 留任 予定 未定 本人 家族 確認 調整 担当 不在 休み 出張 在宅 遅刻 早退 任意 必須 "
    "代表 議長 書記 司会 通訳 講師 顧問 監査 理事 幹事 会計 外部 内部 常勤 非常勤 正社員 派遣 委託 契約 新人 新卒 中途 父 母 夫 妻 "
    "長男 長女 次男 次女 祖父 祖母 義父 義母 息子 娘 配偶者 同居 別居 保護者 後任 前任 兼任 専任 主担当 副担当 責任者 窓口".split())
_COUNTRY_WORDS = frozenset(
    "日本 中国 香港 台湾 韓国 北朝鮮 タイ ベトナム フィリピン インドネシア マレーシア シンガポール インド ネパール バングラデシュ "
    "スリランカ ミャンマー カンボジア ラオス モンゴル ブラジル ペルー メキシコ アメリカ 米国 カナダ イギリス 英国 フランス ドイツ "
    "イタリア スペイン オーストラリア 豪州 ニュージーランド ロシア トルコ エジプト ナイジェリア ケニア 南アフリカ 中华 中國 대한민국 한국 "
    "JPN CHN HKG TWN KOR PRK THA VNM PHL IDN MYS SGP IND NPL BGD LKA MMR KHM LAO MNG BRA PER MEX USA CAN GBR FRA DEU ITA ESP "
    "AUS NZL RUS TUR EGY NGA KEN ZAF Japan China Korea Taiwan Vietnam Thailand Philippines Indonesia Malaysia Singapore "
    "India Nepal Australia Canada Brazil Mexico Germany France Italy Spain Russia".split())
_ALT_HAN_NOT = re.compile(r"(?:部|課|室|係|社|店|局|所|員|長|役|担当|会社|大学|病院|工場|支店|本社|事業|営業|管理|[市区町村県都府国省州])$")


def _alternate_form(text: str, s: int, e: int) -> tuple[int, int] | None:
    value = text[s:e]
    latin = value[:1].isascii()
    m = _ALT_BRACKET.match(text, e) or _ALT_SLASH.match(text, e)
    if m is None and latin and any(w.lower() in _ASIAN_SURNAMES for w in re.split(r"[ ,\-]+", value)):
        m = _ALT_SPACED_HAN.match(text, e)  # CHAN Tai Man 陳大文 HKSAR …
    if m is None:
        return None
    r = m.group("r")
    if r in _BRACKET_NOTE or r in _COUNTRY_WORDS:
        return None  # Henrik Lindqvist（社外）, Nguyen Thi Lan（ベトナム）
    if r[:1].isascii():
        if latin or (" " not in r and "-" not in r) or any(_is_english_word(w.lower()) for w in re.split(r"[ \-]", r)):
            return None  # "Tanaka (Sales)": a Latin alternative only after a name in another script, and name-shaped
    elif "\u4e00" <= r[0] <= "\u9fa5":
        if not latin and not _HANGUL.match(value[:1]) or _ALT_HAN_NOT.search(r):
            return None  # "Tanaka（営業部）", "鈴木（東京都）"; a Han form only after a Latin or Hangul name
    elif "\u30a1" <= r[0] <= "\u30fa" and not latin:
        return None  # katakana after a Japanese name: the reading rule above
    return m.start("r"), m.end("r")


_COLLEAGUE_AFTER = re.compile(r"[ \u3000]?(?:さん|様|さま|くん|君|ちゃん|課長|部長|係長|主任|室長|次長|先輩|殿|-san)")


def demote_public_figures(text: str, cands: list[Candidate]) -> list[Candidate]:
    """Names of well-known public figures (渋沢栄一, Satya Nadella) and their later mentions
    (渋沢は…) are hints, not findings."""
    people = [c for c in cands if c.category is C.PERSON_NAME]
    found: set[str] = set()
    for c in people:
        figure = _figure_around(text, c.start, c.end)
        if figure is not None:
            found.add(figure)
    # A name with a public office or a public role next to it: 北海道知事の鈴木直道氏, 吉村洋文大阪府知事,
    # ドラマの半沢直樹, 創業者の竹鶴政孝.
    public_spans = set()
    for c in people:
        after = text[c.end : c.end + 8]
        before = text[max(0, c.start - 8) : c.start]
        if _PUBLIC_ROLE_AFTER.match(after) or _PUBLIC_ROLE_BEFORE.search(before):
            public_spans.add((c.start, c.end))
    if not found and not public_spans:
        return cands
    parts: set[str] = set()
    for figure in found:
        parts.add(figure)
        if figure.isascii():
            parts.update(w.lower() for w in _figure_words().get(figure, ()))
        else:
            parts.add(figure[:2])  # 渋沢栄一 … 渋沢は
            if len(figure) >= 4:
                parts.add(figure[2:])  # 徳川光圀 … 光圀は
    out = []
    for c in cands:
        if c.category is C.PERSON_NAME:
            value = re.sub(r"['’]s$", "", text[c.start : c.end]).replace(" ", "").lower()
            whole = any(value == f for f in found)
            if (whole or (value in parts or any(value in f for f in found)) and not _COLLEAGUE_AFTER.match(text, c.end)) \
                    or (c.start, c.end) in public_spans:
                # (a surname shared with a figure mentioned here is still a colleague's: 村上春樹 … 担当の村上さん)
                c = Candidate(c.category, c.start, c.end, 0.3, "name_public_figure")
        out.append(c)
    return out


_PUBLIC_OFFICE = (r"(?:北海道|東京都|京都府|大阪府|[一-龥]{1,3}県)?(?:知事|府知事|県知事|都知事)|[一-龥]{1,4}市長|首相|元首相|総理(?:大臣)?|"
                  r"官房長官|[一-龥]{1,4}大臣|衆議院議員|参議院議員|大統領|国家主席|天皇|国王|女王")
_PUBLIC_ROLE_AFTER = re.compile(rf"(?:[ 　]?(?:{_PUBLIC_OFFICE})|選手|投手|監督(?=[、。は」])|元総理)")
_PUBLIC_ROLE_BEFORE = re.compile(
    rf"(?:(?:{_PUBLIC_OFFICE})の|ドラマの|映画の|小説の|漫画の|アニメの|作品の|作家の|俳優の|女優の|歌手の|画家の|"
    r"探検家、?|創業者の?|偉人の|戦国武将の?|武将の|幕末の|歴史上の|登場人物の?|主人公の?|キャラクターの?)\Z"
)
_COUNT_AFTER = re.compile(r" ?[0-9]{1,5} ?(?:件|台|便|個|km|ｋｍ|分|号車)")  # 生麦 14件 / 岸谷 9件: stops on a route
_AREA_AFTER = re.compile(r"(?:[、,，・/／][一-龥ァ-ヴー]{1,6}){0,8}(?:の各?)?(?:地区|地域|エリア|方面|町内|区域|各地)")
_ITEM_BEFORE = re.compile(rf"(?P<n>[{_KANJI}ァ-ヴー]{{1,6}})[、,，・/／] ?\Z")
_ITEM_AFTER = re.compile(rf" ?[、,，・/／] ?(?P<n>[{_KANJI}ァ-ヴー]{{1,6}})")


_ARROW = "→⇔↔⇒➡"
_ROUTE_AFTER = re.compile(rf"[ 　]?(?:[0-9]{{1,2}}:[0-9]{{2}}(?:\+1)?[ 　]?)?[{_ARROW}][ 　]?(?:[0-9]{{1,2}}:[0-9]{{2}}[ 　]?)?(?P<w>[{_KANJI}ァ-ヴー]{{2,8}})")
_ROUTE_BEFORE = re.compile(rf"(?P<w>[{_KANJI}ァ-ヴー]{{2,8}})[ 　]?(?:[0-9]{{1,2}}:[0-9]{{2}}[ 　]?)?[{_ARROW}][ 　]?(?:[0-9]{{1,2}}:[0-9]{{2}}[ 　]?)?\Z")
_FLIGHT_BEFORE = re.compile(r"(?<![A-Za-z0-9])[A-Z0-9]{2}[0-9]{2,4}[ 　]\Z")


def demote_places_on_routes(text: str, cands: list[Candidate]) -> list[Candidate]:
    """A surname-like word that the dictionary alone found, on a route between places or after a
    flight number, is a place: "東京→小倉（のぞみ）", "那覇⇔羽田", "LH715 羽田 11:25 → フランクフルト".
    (檜山→本人 and 森→林 are people: the other side is not a place.)"""
    out = []
    for c in cands:
        if c.category is C.PERSON_NAME and c.reason_key == "name_dictionary_surname":
            am = _ROUTE_AFTER.match(text, c.end)
            bm = _ROUTE_BEFORE.search(text, max(0, c.start - 24), c.start)
            if _FLIGHT_BEFORE.search(text, max(0, c.start - 8), c.start) or \
                    any(m is not None and (m.group("w") in _PLACES or _is_place(m.group("w"))) for m in (am, bm)):
                c = Candidate(c.category, c.start, c.end, 0.3, "name_place_list")
        out.append(c)
    return out


def demote_places_in_lists(text: str, cands: list[Candidate]) -> list[Candidate]:
    """A surname-like word among place names ("山梨、長野、静岡") is a place: a hint, not a name."""
    out = []
    for c in cands:
        if c.category is C.PERSON_NAME and c.reason_key in ("name_dictionary_surname", "name_list", "name_repeated"):
            before = _ITEM_BEFORE.search(text, max(0, c.start - 8), c.start)
            after = _ITEM_AFTER.match(text, c.end)
            near = [m.group("n") for m in (before, after) if m is not None]
            tail = text[c.end : c.end + 20]
            if (near and any(n in _PLACES or _is_place(n) for n in near)) or (near and _AREA_AFTER.match(tail)) or \
                    _COUNT_AFTER.match(tail):
                c = Candidate(c.category, c.start, c.end, 0.3, "name_place_list")
        out.append(c)
    return out


_REPEAT_WINDOW = 6000


def _windows(positions: list[int], n: int) -> list[tuple[int, int]]:
    """Merged [lo, hi) windows of _REPEAT_WINDOW characters around each position."""
    out: list[tuple[int, int]] = []
    for p in sorted(positions):
        lo, hi = max(0, p - _REPEAT_WINDOW), min(n, p + _REPEAT_WINDOW)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _boundary_after(text: str, j: int, value: str) -> bool:
    if j >= len(text):
        return True
    ch = text[j]
    if value.isascii():
        return not (ch.isalnum() or ch in "-_@")
    if ch in "ー々" or ("ァ" <= ch <= "ヴ") or ("一" <= ch <= "龥"):
        # Glued to more kanji: 雲母課長 is fine (a title follows), 林業 is not.
        return text.startswith(_TITLES_AFTER, j)
    return True


_TITLES_AFTER = ("課長", "部長", "社長", "係長", "主任", "室長", "所長", "店長", "次長", "専務", "常務", "会長", "委員", "先生",
                 "弁護士", "担当", "様", "氏", "君", "殿", "両名")


_ONE_KANJI_BEFORE = re.compile(r"(?:^|(?<=[\s、,，・/／:：（(「『\[|→＋+＆&]))\Z")
_ONE_KANJI_AFTER = re.compile(r"(?:さん|様|さま|氏|君|くん|課長|部長|係長|主任|室長|所長|店長|委員|先生|[がはとも]"
                              r"(?![一-龥々])|[\s、,，・/／:：)）」』\]|→＋+＆&]|$)")


def _single_kanji_mentions(text: str, kanji: str, known_at: int) -> list[int]:
    out = []
    lo, hi = max(0, known_at - _REPEAT_WINDOW), min(len(text), known_at + _REPEAT_WINDOW)
    i = text.find(kanji, lo, hi)
    while i != -1:
        if i != known_at and _ONE_KANJI_BEFORE.search(text, max(0, i - 1), i) and _ONE_KANJI_AFTER.match(text, i + 1):
            if not (i + 1 < len(text) and text[i + 1] == " " and _KANJI_ONLY.match(text, i + 2)):  # 東 真理子 itself
                out.append(i)
        i = text.find(kanji, i + 1, hi)
    return out


_KATAKANA_WORD_ONLY = re.compile(r"[ァ-ヴー]+")


def _list_neighbours(text: str, s: int, e: int) -> list[Candidate]:
    out: list[Candidate] = []

    def csv_row() -> bool:
        ls = text.rfind("\n", max(0, s - 400), s) + 1 or max(0, s - 400)
        le = text.find("\n", e, e + 400)
        return text.count(",", ls, e + 400 if le < 0 else le) >= 3

    # After the name: "杉浦と林", "一ノ瀬、若林"
    m = _LIST_SEP.match(text, e)
    if m is not None:
        nm = re.compile(_NAME_TOKEN).match(text, m.end())
        if nm is not None and not ("," in m.group() and _KATAKANA_WORD_ONLY.fullmatch(nm.group()) and csv_row()):
            # (in a CSV row a katakana cell beside a name is another column: 森 美咲,ログイン,…)
            cand = _trim_name(text, nm.start(), nm.end())
            if cand is not None:
                out.append(Candidate(C.PERSON_NAME, cand[0], cand[1], 0.7, "name_list"))
    # Before the name: "東・林の2名体制" (林 known), "柳田・小西両名"
    window = text[max(0, s - 12) : s]
    bm = re.search(rf"(?P<n>{_NAME_TOKEN})(?:[、,，・/／]|と| and |, ) ?\Z", window)
    if bm is not None:
        bs = max(0, s - 12) + bm.start("n")
        be = max(0, s - 12) + bm.end("n")
        if _boundary_before(text, bs) or text[bs - 1] in "：:（(「":
            cand = _trim_name(text, bs, be)
            if cand is not None:
                out.append(Candidate(C.PERSON_NAME, cand[0], cand[1], 0.7, "name_list"))
    return out


def _trim_name(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The name part of a list member, or None when it is not a name."""
    value = text[s:e]
    if value[0].isascii():
        from portal.risk.latin_names import _score

        words = value.split(" ")
        from portal.risk.latin_names import _ORG_AFTER

        known = _score(words) > 0 if len(words) > 1 else lone_name_score(words[0]) > 0
        if not known or any(w in _NOT_SPEAKER for w in words) or _ORG_AFTER.match(text, e):
            return None
        return s, e
    # Kanji: cut at a following particle the token regex may have swallowed (林が → 林).
    if not _AFTER_NAME_OK.match(text, e):
        # Try shorter: 林の2名体制 → the run stops at kanji, so only check the boundary.
        return None
    if " " in value and not value[0].isascii():
        first, second = value.split(" ", 1)
        if first.endswith(_DEPARTMENT_ENDINGS + ("員",)) or _is_common_noun(first):
            s, value = s + len(first) + 1, second  # 外部委員 綾瀬 → 綾瀬
    core = value.replace(" ", "")
    if re.fullmatch(r"[ァ-ヴー・ ]+", value) and _is_common_noun(value):
        return None  # 森 美咲,ログイン: the next column, not a name
    if core in _PLACES or _is_place(value):
        return None  # 山梨、長野、静岡…: a list of places, not of people
    if _KANJI_ONLY.fullmatch(core):
        if len(core) == 1 and core in _NOT_NAME_KANJI:
            return None
        if core.endswith(_DEPARTMENT_ENDINGS) or (len(core) > 1 and _is_common_noun(value)):
            return None
    return s, e


def name_column_candidates(text: str, found: list[Candidate]) -> list[Candidate]:
    """Cells of a column that is mostly people's names: a pasted roster or rota often has no
    header (| 森 | 早 | 日 |), but when most of a column's cells are already names by other
    evidence, the rest of the column are names too (a column holds one kind of value).
    A column needs at least 3 rows, 2 cells found by other rules and half of its cells found."""
    if "\n" not in text or not ("\t" in text or "," in text or "|" in text):
        return []
    spans = sorted((c.start, c.end) for c in found if c.category is C.PERSON_NAME and c.score >= 0.7)
    if len(spans) < 2:
        return []
    starts = [s for s, _e in spans]

    def covered(cell) -> bool:
        k = bisect_left(starts, cell.end) - 1
        while k >= 0 and spans[k][1] > cell.start:
            if spans[k][0] >= cell.start and spans[k][1] <= cell.end:
                return True
            k -= 1
        return False

    out: list[Candidate] = []
    lines = tables._lines(text)
    i = 0
    while i < len(lines):
        sep = tables._sep_of(lines[i][1])
        if sep is None:
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j][1].strip() and tables._sep_of(lines[j][1]) == sep:
            j += 1
        lo, hi = lines[i][0], lines[j - 1][0] + len(lines[j - 1][1])
        rows_at = range(i, j)
        i = max(j, i + 1)
        if len(rows_at) < 4 or bisect_left(starts, hi) - bisect_left(starts, lo) < 2:
            continue  # fewer than 2 names found inside: nothing to vote with (no cells split)
        block = [tables._split_cells(lines[k][1], lines[k][0], sep) for k in rows_at
                 if not tables._MD_RULE.match(lines[k][1])]
        # Rows of the table's own width only (prose with a comma is not a row), and never the
        # first row: a header names the column, it is not a value of it.
        widths = [len(r) for r in block]
        width = max(set(widths), key=widths.count)
        rows = [r for r in block if len(r) == width][1:]
        if width < 2 or len(rows) < 3:
            continue
        for col in range(width):
            cells = [r[col] for r in rows if r[col].end > r[col].start]
            hits = [covered(c) for c in cells]
            if sum(hits) < 2 or sum(hits) * 2 < len(cells):
                continue
            for cell, hit in zip(cells, hits):
                value = text[cell.start : cell.end]
                if hit:
                    continue
                if tables._cell_fits(C.PERSON_NAME, value) and len(value) <= 30 and not _is_common_noun(value) \
                        and not (value.isascii() and _is_english_word(value)):
                    out.append(Candidate(C.PERSON_NAME, cell.start, cell.end, 0.75, "table_name_column"))
    return out


# Words that a spaced-name rule may take with the name: "畠山 携帯 080-…", "支配人 奈良", "IT 葛城".
_TRAILING_NOT_NAME = {"携帯", "直通", "自宅", "電話", "内線", "代表", "宛", "御中", "各位", "殿", "様方", "TEL", "Tel", "FAX", "Fax"}
_LEADING_ROLE = {"支配人", "店主", "添乗員", "巡査", "巡査部長", "警部", "担当", "担当者", "主任", "係長", "課長", "部長", "次長",
                 "社長", "専務", "常務", "代表", "取締役", "税理士", "弁護士", "司法書士", "行政書士", "医師", "看護師", "職員", "行員",
                 "社員", "スタッフ", "アルバイト", "パート", "顧客", "受付", "窓口", "検印者", "IT", "PM", "SE", "CS"}


def trim_name_edges(text: str, cands: list[Candidate]) -> list[Candidate]:
    """A role before a name or a word like 携帯 after it is not part of the name."""
    out = []
    for c in cands:
        if c.category is C.PERSON_NAME:
            value = text[c.start : c.end]
            parts = re.split(r"([ \u3000])", value)
            if len(parts) >= 3:
                s, e = c.start, c.end
                words = parts[0::2]
                if words[-1] in _TRAILING_NOT_NAME:
                    e -= len(words[-1]) + 1
                    words = words[:-1]
                if len(words) >= 2 and words[0] in _LEADING_ROLE:
                    s += len(words[0]) + 1
                if (s, e) != (c.start, c.end) and e > s:
                    c = Candidate(c.category, s, e, c.score, c.reason_key, c.params)
        out.append(c)
    return out



# Sample and test names (テスト 太郎, ﾃｽﾄ ﾊﾅｺ, 山田太郎 as the textbook placeholder) and account
# holders that are firms in bank kana (ｶ)ﾏﾙｵｶﾎｳｿｳ, ｿﾗﾘﾝｸ(ｶ, ﾕｳｹﾞﾝｶﾞｲｼｬ ﾐﾂﾜｳﾝｿｳ) are not people.
_SAMPLE_PART = re.compile(r"テスト|サンプル|ダミー|見本|(?i:\btest\b|\bdummy\b|\bsample\b)")
_SAMPLE_NAMES = frozenset({
    "山田太郎", "山田花子", "日本太郎", "日本花子", "特許太郎", "見本太郎", "見本花子", "名無権兵衛", "ヤマダタロウ", "ヤマダハナコ",
    "johndoe", "janedoe", "taroyamada", "yamadataro", "hanakoyamada", "yamadahanako",
})
# A row of made-up contact data: john.doe@example.com, 000-0000-0000, xxx@xxx.
_PLACEHOLDER_ROW = re.compile(r"0{2,4}-0{3,4}-0{4}|x{3,}@x{3,}|(?:john\.doe|jane\.doe|test(?:user)?[0-9]*|dummy|sample)@example\.")  # on lower-cased text
_FIRM_KANA_BEFORE = re.compile(r"(?:カ|ユ|ド|シヤ|ザイ|イ|ガク|フク|ノウ|ギヨ|ゼイ|ベン)\)[ \u3000]?\Z")
_FIRM_KANA_AFTER = re.compile(r"[ \u3000]?\((?:カ|ユ|ド|シヤ|ザイ|イ|ガク|フク)(?![ァ-ヴ])")
_FIRM_KANA_WORD = re.compile(r"カブシキガイシ[ヤャ]|ユウゲンガイシ[ヤャ]|ゴウドウガイシ[ヤャ]|ガイシ[ヤャ]")


# "Brandt Consulting GmbH", "Imamura Trading", "Hotel Kamakura Mori", "Hotel: Westin Bonaventure": a firm or a hotel.
_FIRM_WORD_AFTER = re.compile(r"[ \u3000]+(?:Consulting|Trading|Ventures|Partners|Holdings|Group|Labs?|Systems|Solutions|"
                              r"Technologies|Technology|Industries|Corporation|Corp\.?|Inc\.?|LLC|Ltd\.?|GmbH|AG|S\.?A\.?|Co\.|"
                              r"Company|Associates|Capital|Foods|Pharma|Logistics|Motors|Electric|Studio|Studios|Design|"
                              r"Law|LLP|Bank|Hotel|Hotels|Resort|Inn|University|Foundation|Institute|Dental|Clinic|Hospital|"
                              r"Salon|Cafe|Café|Restaurant|Travel|Tours|Realty|Insurance|Airlines|Express|Transport|"
                              r"Construction|Engineering|Printing|Media|Marketing|Consultants|Services|Trust|Securities)\b")
_HOTEL_BEFORE = re.compile(r"(?:Hotel|HOTEL|Hôtel)[ \t]*:?[ \t]*\Z")


def demote_samples_and_firms(text: str, cands: list[Candidate]) -> list[Candidate]:
    out = []
    # Placeholder contact data is rare: find it once, then ask per name whether its line holds some.
    low = lower_of(text)
    placeholders = [m.start() for m in _PLACEHOLDER_ROW.finditer(low)] if ("000" in text or "@" in text) and len(low) == len(text) else []
    for c in cands:
        if c.category is C.PERSON_NAME:
            value = text[c.start : c.end]
            key = re.sub(r"[ \u3000・.]", "", value).lower()
            placeholder_row = False
            if placeholders:
                ls = text.rfind("\n", max(0, c.start - 300), c.start) + 1 or max(0, c.start - 300)
                le = text.find("\n", c.end, c.end + 300)
                le = min(len(text), c.end + 300) if le < 0 else le
                k = bisect_left(placeholders, ls)
                placeholder_row = k < len(placeholders) and placeholders[k] < le
            if value in _COUNTRY_WORDS:
                continue  # 香港, ベトナム, AUS in a column next to the names: a country
            if _SAMPLE_PART.search(value) or key in _SAMPLE_NAMES or placeholder_row:
                c = Candidate(c.category, c.start, c.end, min(c.score, 0.3), "name_sample")
            elif _FIRM_KANA_WORD.search(value) or _FIRM_KANA_BEFORE.search(text, max(0, c.start - 4), c.start) \
                    or _FIRM_KANA_AFTER.match(text, c.end):
                continue  # a company's account name
            elif value[:1].isascii() and (_FIRM_WORD_AFTER.match(text, c.end) or _FIRM_WORD_AFTER.search(value)
                                          or _HOTEL_BEFORE.search(text, max(0, c.start - 8), c.start)):
                continue  # a firm or a hotel named after a person
        out.append(c)
    return out


# JSON and YAML fields that hold a person's name: "first_name": "Olivia", "display_name": "Ananya Krishnan".
_NAME_FIELD = re.compile(r"[\"']?(?P<k>(?i:first_?name|last_?name|given_?names?|family_?name|surname|full_?name|display_?name|"
                         r"contact_?name|customer_?name|passenger_?name|guest_?name|holder_?name|cardholder(?:_?name)?|"
                         r"firstName|lastName|givenName|familyName|displayName|fullName))[\"']?[ \t]*[:=][ \t]*[\"'](?P<v>[^\"'\n]{1,60})[\"']")
_NAME_VALUE = re.compile(r"[A-Za-zÀ-ÿ一-龥々ぁ-んァ-ヴー가-힣][A-Za-zÀ-ÿ一-龥々ぁ-んァ-ヴー가-힣.'’\- ]{0,58}")


# A reading after its label (ふりがな：まつなが たくみ, 【フリガナ】ニシムラ サクラ) and a name form's line
# (Surname/Ho: NGUYEN, Given names: VAN HUNG, First name: Olivia).
_READING_FIELD = re.compile(r"(?:ふりがな|フリガナ|よみがな|ヨミガナ|読み仮名|カナ氏名|氏名カナ|氏名\(カナ\)|氏名（カナ）)"
                            r"(?:[】\]][ \u3000]*|[ \u3000]*[:：][ \u3000]*|[ \u3000]+)(?P<v>[ぁ-ゖー]{1,8}(?:[ \u3000][ぁ-ゖー]{1,8})?|"
                            r"[ァ-ヴー]{1,10}(?:[ \u3000][ァ-ヴー]{1,10})?)(?![ぁ-ゖァ-ヴー])")
_FORM_NAME_LINE = re.compile(r"^[ \t]*(?i:surname|family name|last name|given names?|first name|forenames?|middle names?|"
                             r"full name)(?:[ \t]*/[^:：\n]{1,30})?[ \t]*[:：][ \t]*"
                             r"(?P<v>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’\-]*(?: [A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’\-]*){0,3})[ \t]*$", re.MULTILINE)


_FORM_VALUE_STOP = frozenset("required optional mandatory none unknown blank pending redacted hidden same n/a tbd tba "
                             "see below see above as above test sample example dummy".split(" "))


def form_name_candidates(text: str) -> list[Candidate]:
    out = []
    if "がな" in text or "ガナ" in text or "仮名" in text or "カナ" in text:
        for m in _READING_FIELD.finditer(text):
            out.append(Candidate(C.PERSON_NAME, m.start("v"), m.end("v"), 0.85, "name_label",
                                 {"label": text[m.start() : m.start("v")].strip(" \u3000:：【】[]")[:12]}))
    low = lower_of(text)
    if "name" in low:
        for m in _FORM_NAME_LINE.finditer(text):
            value = m.group("v")
            words = value.split()
            if _SAMPLE_PART.search(value) or value.lower() in _FORM_VALUE_STOP or \
                    all(_english_word(w.lower()) and not any(_known(w)) for w in words):
                continue  # "Surname: Required", "First name: Test"
            label = m.group(0)[: m.start("v") - m.start()].strip(" \t:：")
            out.append(Candidate(C.PERSON_NAME, m.start("v"), m.end("v"), 0.85, "name_label", {"label": label[:24]}))
    return out


def name_field_candidates(text: str) -> list[Candidate]:
    out = form_name_candidates(text)
    lower = lower_of(text)
    if "name" not in lower or len(lower) != len(text):
        return out
    # Match only where a field name ends: far cheaper than running the alternation over the text.
    hits = []
    i = lower.find("name")
    while i != -1:
        j = i + 4
        while j < len(text) and text[j] in "\"' \t":
            j += 1
        if j < len(text) and text[j] in ":=":
            m = _NAME_FIELD.search(text, max(0, i - 14), min(len(text), j + 70))
            if m is not None and (not hits or m.start() >= hits[-1].end()):
                hits.append(m)
        i = lower.find("name", i + 4)
    for m in hits:
        value = m.group("v").strip()
        if not _NAME_VALUE.fullmatch(value) or len(value.split()) > 5 or _SAMPLE_PART.search(value) or \
                re.sub(r"[ .]", "", value).lower() in _SAMPLE_NAMES:
            continue
        words = value.split()
        if value.isascii() and all(_english_word(w.lower()) and not _known(w)[0] and not _known(w)[1] for w in words):
            continue  # "display_name": "Platform Bot": words, not a person
        s = m.start("v") + (len(m.group("v")) - len(m.group("v").lstrip()))
        out.append(Candidate(C.PERSON_NAME, s, s + len(value), 0.85, "name_field", {"label": m.group("k")}))
    return out
