"""Person names written in Latin letters, with or without a cue next to them.

"Andrew R. Clark", "Tomasz Wieczorek", "SUZUKI Ichiro", "Ichiro Suzuki", "HASEBE SATOSHI",
"TAN Siew Ling", "Nguyen Thi Lan", "Marco De Santis". A run of two to four capitalised words
(middle initials and particles such as de / van / bin allowed) is a name when:

- a known given name and a known surname stand at either end (Western or family-name-first
  order), from the name lists in ``data/latin_names.txt`` (built from Faker's providers);
- a known given name (that is not also a common English word) is followed by a capitalised word
  that is not a common word; or a capitalised word is followed by a known surname;
- the run is romanised Japanese: both words spell Hepburn syllables and one is a common Japanese
  surname (or the family name is written in capitals, as Japanese business documents do);
- the family name is in capitals next to a capitalised given name ("KITO Masayuki").

Words that name places, organisations, days, months and roles stop a run from being a name.
"""

from __future__ import annotations

import hashlib
import re
import sys
from array import array
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from portal.risk.detectors import Candidate
from portal.risk.findings import Category

_DATA = Path(__file__).with_name("data") / "latin_names.txt"

# Common Japanese surnames in Hepburn romanisation (both long-vowel spellings where usual).
_JA_SURNAMES = set("""
sato satou satoh suzuki takahashi tanaka ito itou itoh watanabe yamamoto nakamura kobayashi kato katou katoh
yoshida yamada sasaki yamaguchi matsumoto inoue kimura hayashi saito saitou saitoh shimizu yamazaki yamasaki mori
abe ikeda hashimoto yamashita ishikawa nakajima nakashima maeda fujita ogawa goto gotou gotoh okada hasegawa
murakami kondo kondou kondoh ishii sakamoto endo endou endoh aoki fujii nishimura fukuda ota oota ohta miura
fujiwara okamoto matsuda nakagawa nakano harada ono oono ohno tamura takeuchi kaneko wada nakayama ishida ueda
morita hara shibata sakai kudo kudou kudoh yokoyama miyazaki miyamoto uchida takagi ando andou andoh taniguchi
ohno maruyama imai takada fujimoto takeda murata ueno sugiyama masuda sugawara hirano otsuka ootsuka ohtsuka
chiba kubo matsui iwasaki sakurai kinoshita noguchi matsuo kikuchi nomura arai watabe sano sugimoto kojima
kojima oshima ooshima ohshima nishida mizuno hirata kawaguchi kawamura koyama matsushita okabe azuma higashi
minami kita nishi yano takano kurihara kuwajima hasebe kono kouno kohno kito kitou kitoh kumagai okonogi
yamane yamagishi miyake hori horie iida iwata kawai kawakami kawano kitamura kubota kuroda kurosawa machida
makino maruta masuko matsuura mikami miyagawa miyata mochizuki morimoto murayama nagai nagano nagata naito
naitou naitoh nakata nakazawa nakanishi nakatani narita niwa noda nozaki obara ochiai oda ogata ogura oishi
okabe okazaki okubo ookubo okumura onishi oonishi ozawa ozaki sakata sakuma sasaki sawada seki sekiguchi
shibuya shimada shinohara shiraishi sonoda sugai sugiura suga suzuki tada tahara tajima takayama takemoto
takenaka tamaki tanabe tani tanimoto terada tomita toyama tsuchiya tsuda tsukamoto uchiyama umeda uno usui
wakabayashi yagi yamaoka yamauchi yamashita yasuda yokota yoshikawa yoshimura yoshino yoshioka akiyama amano
arakawa asano baba chiba doi ebihara egawa fujikawa fukui fukushima furukawa furuya hamada hamano hanada
hattori hayakawa higuchi hirose honda hosokawa hosono ichikawa igarashi iguchi imamura inaba inagaki ishihara
ishizuka iwamoto izumi kajiwara kamata kameda kanda kaneda kasai katayama kawabata kawashima kikuchi
kishimoto kitagawa kobayashi komatsu konishi koike kubo kuwahara maeda masuda matsuyama mizutani momose
morikawa morishita motoyama murase nagao nakahara nakamoto nakao nishikawa nishimoto nishiyama nitta noguchi
nonaka oba ohashi ohara okuda omori oomori ono osawa sakaguchi sakamoto sekine shiba shimizu shimomura
shinoda sugita suzumura tabata tachibana takagi takahara takai takeshita takeyama tamai tamura tanimura
tokuda toda tsujimoto uehara ueno umemoto wakamatsu watari yamaji yamakawa yamamura yamanaka yamano
yoshihara yoshizawa azuma kimura shoji shouji oyama ooyama ohyama
""".split())

# Common Japanese given names in Hepburn romanisation (Kohei, Sayaka ...): with _JA_SURNAMES they make
# "Minami Yuma" and "Hi Kohei," names.
_JA_GIVEN = set("""
akira akiko akihiro ai aiko asuka atsushi aya ayaka ayako ayumi chiaki chihiro daichi daiki daisuke eiji emi eri
erika fumiko fumio haruka haruki haruto hayato hideo hideki hikari hina hinata hiroki hiromi hiroshi hiroto hiroyuki
hitomi honoka iori jun junichi junko kaito kana kanako kaori kaoru kasumi katsuya kazuki kazuko kazuo kazuya keiko
keisuke kenji kenta kenichi kento koharu kohei koji kosuke kota kotaro kumiko kyoko mai maiko makoto mami mana manami
mao mari mariko masaki masako masashi masato masayuki mayu mayumi megumi mei miho miki minako minami mio misaki mitsuki
miyu miyuki mizuki momoka nana nanami naoki naoko naomi naoto natsuki natsumi noriko nozomi reina ren rena riko rin
rina riku rio risa ryo ryota ryohei ryosuke ryuichi saki sakura satoshi sayaka sayuri shin shinji shingo shinya shiori
shota shun shunsuke sora sota sosuke souta takashi takeshi takuma takumi takuya taro tatsuya tetsuya tomoko tomomi
tomoya tsubasa wataru yamato yoko yoshiko yu yua yuka yukari yuki yukiko yuko yuma yumi yumiko yuna yuri yusuke yuta
yutaka yuto yuya kenichiro shigeru tetsu hajime isamu osamu susumu tadashi tsuyoshi yoshio yoshiro hiroko sachiko
""".split())

# Chinese, Korean, Vietnamese and Singaporean surnames in romanisation (family name first or last).
_ASIAN_SURNAMES = set("""
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie song tang han feng
deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao cui zhong tan lau chan
cheung leung ho yeung chow kwok wong ng lim teo goh koh chua ong tay low lee kim park choi jung jeong kang cho yoon
jang lim han oh seo shin kwon hwang ahn song yoo hong jeon ko moon yang son bae baek nguyen tran le pham hoang huynh
phan vu vo dang bui do ngo duong ly chang chiang hsu tsai lai liao kuo
""".split())

_STOP = {
    # places and organisations
    "Tokyo", "Osaka", "Kyoto", "Kobe", "Nagoya", "Yokohama", "Sapporo", "Fukuoka", "Sendai", "Hiroshima", "Chiba",
    "Saitama", "Kawasaki", "Japan", "Japanese", "Minato", "Chiyoda", "Chuo", "Shibuya", "Shinjuku", "Ginza",
    "Marunouchi", "Roppongi", "Umeda", "Namba", "Singapore", "London", "Sydney", "Melbourne", "Paris", "Berlin",
    "Frankfurt", "Munich", "Seoul", "Taipei", "Beijing", "Shanghai", "Shenzhen", "Hong", "Kong", "New", "York",
    "Francisco", "San", "Los", "Angeles", "Chicago", "Boston", "Seattle", "Texas", "California", "America",
    "American", "British", "England", "Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Drive", "Way",
    "Square", "Park", "Place", "Building", "Tower", "Floor", "Suite", "Station", "Airport", "Hotel", "Bank",
    "Office", "Group", "Holdings", "Inc", "Ltd", "LLC", "LLP", "Corp", "Corporation", "Company", "Co", "GmbH",
    "Partners", "Associates", "Limited", "Trust", "Fund", "Capital", "Systems", "Solutions", "Services", "Logistics",
    "Trading", "Foods", "Industries", "SAS", "SARL", "Pte", "Pty", "Bhd", "Sdn", "Tbk", "AB", "ASA", "Oy", "SpA", "Srl",
    "Tsusho", "Shoji", "Sangyo", "Kogyo", "Seiki", "Denki", "Kensetsu", "Ginko", "Shoken", "Seimei", "Kaijo", "Unyu",
    "Butsuryu", "Messe", "Seisakusho", "Shokai", "Kosan", "Bussan", "Holdings", "Bay", "Beach", "Hills", "Valley", "Lake", "River",
    "Island", "Bridge", "Harbour", "Harbor", "Port", "Castle", "Palace", "Garden", "Gardens", "Mall", "Plaza", "Hall",
    "Museum", "Temple", "Shrine", "Resort", "Inn", "Sands", "Marina", "Bangkok", "Jakarta", "Manila", "Hanoi", "Dubai",
    "Mumbai", "Delhi", "Bangalore", "Rotterdam", "Amsterdam", "Madrid", "Rome", "Milan", "Vienna", "Zurich", "Geneva",
    "Toronto", "Vancouver", "Auckland", "Perth", "Brisbane", "Adelaide", "Osaka", "Indonesia", "Vietnam", "Thailand",
    "Malaysia", "Philippines", "India", "China", "Korea", "Taiwan", "Germany", "France", "Italy", "Spain", "Australia", "University", "College", "School", "Hospital", "Clinic", "Center", "Centre",
    "Institute", "Ministry", "Agency", "Department", "Division", "Team", "Teams", "Committee", "Board", "Council",
    # roles and titles
    "Manager", "Director", "President", "Chairman", "Officer", "Head", "Lead", "Senior", "Junior", "Chief",
    "Engineer", "Developer", "Analyst", "Consultant", "Partner", "Counsel", "General", "Executive", "Assistant",
    "Representative", "Sales", "Support", "Customer", "Account", "Accounts", "Payable", "Receivable", "Legal",
    "Finance", "Compliance", "Marketing", "Operations", "Security", "Product", "Project", "Human", "Resources",
    "Dear", "Hi", "Hello", "Thanks", "Regards", "Best", "Kind", "Sincerely", "Mr", "Mrs", "Ms", "Dr", "Prof",
    "Media", "Launch", "Event", "Events", "Serum", "Glow", "Maison", "Comunicação", "Communications", "Consulting",
    "Studio", "Studios", "Labs", "Lab", "Digital", "Creative", "Agency", "Works", "Collective", "Ventures",
    "Foundation", "Brand", "Brands", "Surname", "Firstname", "Lastname", "Forename",
    "Aza", "Oaza", "Chome", "Banchi", "Machi", "Cho", "Mura", "Gun", "Ku", "Shi",
    "Flat", "Unit", "Room", "Suite", "Apt", "Level", "Floor", "Block", "Tower", "Branch", "Minh", "Chí", "Chi", "Hồ",
    "Quận", "Phường", "Đường",
    "Desk", "Duty", "Consul", "Admissions", "Dependant", "Dependent", "Residency", "Residence", "Hungaria", "Asia",
    "Europe", "Africa", "Americas", "Pacific", "Nuea", "Tai", "Soi",
    # calendar
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Spring", "Summer",
    "Autumn", "Fall", "Winter", "Christmas", "Easter", "Golden", "Week",
    # documents and software
    "Agreement", "Contract", "Invoice", "Policy", "Notice", "Report", "Summary", "Meeting", "Minutes", "Agenda",
    "Confidential", "Internal", "Draft", "Final", "Version", "Release", "Update", "Server", "Cloud", "Data",
    "Microsoft", "Google", "Amazon", "Apple", "Azure", "Windows", "Linux", "Excel", "Word", "Outlook", "Slack",
    "Zoom", "Chrome", "Python", "Java", "Node", "Docker", "Kubernetes", "Terraform", "Stripe", "Salesforce",
    "Oracle", "Cisco", "Visa", "Mastercard", "Express", "Gateway", "Enterprise", "Standard", "Premium", "Pro",
    "Max", "Plus", "Mini", "Air", "Edition", "Model", "Phase", "Step", "Plan", "Option", "Item", "Total", "Note",
    "Please", "Attached", "Regarding", "Subject", "Re", "Fw", "Fwd", "Yes", "No", "Not", "And", "Or", "The", "Of",
    "For", "To", "From", "With", "In", "On", "At", "By", "As", "An", "A", "I", "We", "You", "He", "She", "They",
    "It", "Our", "Your", "Their", "His", "Her", "This", "That", "These", "Those", "All", "Any", "Each", "Every",
}
_ACRONYMS = {
    "CEO", "CFO", "CTO", "COO", "CIO", "CISO", "VP", "GM", "HR", "IT", "PR", "QA", "UX", "UI", "API", "SDK", "CLI",
    "SQL", "DB", "AWS", "GCP", "VPN", "DNS", "URL", "HTTP", "HTTPS", "SSH", "TLS", "SSL", "JSON", "YAML", "CSV", "PDF",
    "USA", "US", "UK", "EU", "JP", "SG", "AU", "DE", "FR", "CN", "KR", "TW", "NDA", "MOU", "SLA", "KPI", "OKR", "ROI",
    "LLC", "LLP", "INC", "LTD", "CO", "GMBH", "PLC", "AG", "SA", "BV", "TBD", "TBC", "FYI", "ASAP", "ETA", "OK", "NG",
    "DO", "NOT", "NO", "YES", "AND", "OR", "THE", "OF", "FOR", "TO", "FROM", "ALL", "NEW", "END", "TOP", "SECRET",
    "CONFIDENTIAL", "INTERNAL", "ONLY", "USE", "DRAFT", "FINAL", "NOTE", "IMPORTANT", "URGENT", "ERROR", "WARN",
    "WARNING", "INFO", "DEBUG", "FATAL", "TODO", "FIXME", "GET", "POST", "PUT", "DELETE", "PATCH", "READ", "WRITE",
    "MR", "MRS", "MS", "DR", "JR", "SR", "II", "III", "IV", "AM", "PM", "JST", "UTC", "GMT", "PST", "EST", "LLM",
    "AI", "GPT", "ID", "PIN", "ATM", "IBAN", "BIC", "SWIFT", "TEL", "FAX", "DOB", "ZIP", "POBOX", "ATTN", "CC", "BCC",
    "RE", "FW", "FWD", "IPO", "M&A", "ESG", "SaaS", "PoC", "MTG", "SURNAME", "GIVEN", "FAMILY", "FIRST", "LAST", "NAME",
    "TCP", "UDP", "CI", "CD", "IP", "ICA", "MOM", "IO", "AR", "AP", "EDI", "ERP", "CRM", "SFA", "BI", "OCR", "NFC", "IoT",
    "HIPAA", "BAA", "GDPR", "SOC", "ISO", "JIS", "PMO", "CSR", "IR", "CX", "DX", "EC", "PO", "SO", "ASP", "OEM", "ODM",
}

_PARTICLES = r"(?:de|da|di|do|du|dos|das|del|della|van|von|der|den|ter|la|le|bin|binti|binte|bte|al|el|ibn|thi|van der|van den|de la)"
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞĪİŁŃŇŌŐŒŘŚŠŢŤŪŮŰŹŻŽƠƯẠ-Ỹ"
_LO = "a-zß-öø-ÿāăąćčďđēęěğīıłńňōőœřśšţťūůűźżžơưạ-ỹ"
_WORD = rf"(?:[{_UP}][{_LO}]+(?:[-'][{_UP}]?[{_LO}]+)?|[{_UP}]{{2,}}(?:-[{_UP}]{{2,}})?|Mc[A-Z][a-z]+|O'[A-Z][a-z]+)"
_RUN = re.compile(
    rf"(?<![A-Za-zÀ-ÿ0-9_@./\-])(?:[A-Z]\. )?{_WORD}(?:(?: [A-Z]\.)?(?: {_PARTICLES})? {_WORD}){{0,3}}(?: [A-Z]\.(?=[ ,:;)]|$))?"
    rf"(?![A-Za-zÀ-ÿ0-9_@\-])"
)
_ROMAJI = re.compile(
    r"(?:(?:kk|ss|tt|pp|tch|cch|sh|ch|ts|[kgszjtdnhbpmyrwf])?y?(?:aa|ii|uu|ee|oo|ou|ei|oh|ai|[aiueo])|n(?![aiueoy]))+",
    re.IGNORECASE,
)
_TRIGGER = re.compile(r"[A-Z][a-z]|[A-Z]{2}")


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    given: set[str] = set()
    family: set[str] = set()
    words: set[str] = set()
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        tag, item = line.split(" ", 1)
        {"G": given, "F": family, "W": words}[tag].add(item)
    return frozenset(given), frozenset(family), frozenset(words)


def _title(word: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))


def _is_romaji(word: str) -> bool:
    return len(word) >= 2 and _ROMAJI.fullmatch(word.replace("-", "")) is not None


def _plain(word: str) -> str:
    """Nguyễn → Nguyen: diacritics removed for the romanised surname lists."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def _known(word: str) -> tuple[bool, bool]:
    """(is a given name, is a surname) for a word in any case."""
    given, family, _common = _lists()
    t = _title(word)
    low = _plain(word).lower().replace("-", "")
    return t in given or low in _JA_GIVEN, t in family or low in _JA_SURNAMES or low in _ASIAN_SURNAMES


def _score(words: list[str]) -> float:
    _given, _family, common = _lists()
    if any(w in _STOP or _title(w) in _STOP for w in words):
        return 0.0
    caps = [w.isupper() and len(w) > 1 for w in words]
    if any(c and w in _ACRONYMS for w, c in zip(words, caps)):
        return 0.0
    lower = [w.lower() for w in words]
    is_common = [lw in common for lw in lower]
    known = [_known(w) for w in words]
    g0, f0 = known[0]
    gl, fl = known[-1]
    # Both ends known: "Andrew Clark", "Wieczorek Tomasz", "Tan Siew Ling", "KITO Masayuki".
    if (g0 and fl) or (f0 and gl):
        if not (is_common[0] and is_common[-1]) and not (
                not g0 and not any(caps) and all(_english_word(lw) for lw in lower)):  # "Grand Canal", "Silver Lake"
            return 0.88
    romaji = [_is_romaji(w) for w in words]
    # Romanised Japanese: "Suzuki Ichiro", "ICHIRO SUZUKI", "Ishiguro Tomoya".
    if len(words) == 2 and all(romaji) and not any(is_common):
        if any(lw.replace("-", "") in _JA_SURNAMES for lw in lower):
            return 0.88
        if all(len(w) >= 3 for w in words) and not any(caps):
            return 0.75  # "Ishiguro Tomoya"; capitals ("HIPAA BAA", "Hoshizora EDI") need a known surname
        if caps.count(True) == 1 and all(len(w) >= 3 for w in words):
            return 0.78  # "OSHIRO Rina", "Hayate ASHIDA": the family name in capitals
        if all(caps) and all(len(w) >= 3 for w in words):
            return 0.75  # "MAKABE WATARU", "NONOMURA TAKUMI": passport-style capitals
    # An Asian family name with given names: "Guo Mingyu", "Chen Yu-Ting", "Yi-Chun Chen", "Pham Duc Thinh".
    if (lower[0] in _ASIAN_SURNAMES or lower[-1] in _ASIAN_SURNAMES) and not any(is_common) and len(words) <= 3:
        return 0.8
    # The family name in capitals next to capitalised given names: "TAN Siew Ling", "Masayuki HASEBE".
    if any(caps) and not all(caps) and (caps[0] and f0 or caps[-1] and fl) and not any(is_common):
        return 0.8
    # A known given name before an unknown capitalised word, or an unknown word before a surname.
    if g0 and not is_common[0] and not is_common[-1] and len(words[-1]) >= 2 and not caps[-1]:
        return 0.78
    if fl and (g0 or f0) and not is_common[-1] and not is_common[0]:
        return 0.78
    # An unknown word before a known surname ("Oluwaseun Adeyemi", "Aditi Kulkarni"), where the
    # first word is not an English word ("Deluxe King", "Effective Date", "Canada Post").
    if len(words) == 2 and fl and not g0 and not f0 and not any(is_common) and not any(caps) \
            and len(words[0]) >= 3 and not _english_word(lower[0]) and not _is_romaji(words[0]):
        return 0.72
    return 0.0


@lru_cache(maxsize=1)
def _english_table() -> array:
    """Sorted 64-bit digests of ordinary English words (web2's lower-case entries; see
    data/build_english_words.py)."""
    table = array("Q")
    table.frombytes((_DATA.parent / "english_words.u64").read_bytes())
    if sys.byteorder != "little":
        table.byteswap()
    return table


def _english_word(word: str) -> bool:
    """Is ``word`` (lower case) an ordinary English word ("deluxe", "venue", "grand")?"""
    key = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
    table = _english_table()
    i = bisect_left(table, key)
    return i < len(table) and table[i] == key


_ORG_AFTER = re.compile(r" ?(?:&|and) (?:Co|Company|Partners|Sons|Associates)\b|,? (?:Inc|Ltd|LLC|LLP|Corp|Co|GmbH|SAS|S\.A|"
                        r"AG|plc|Pte|Pty|BV|KK|K\.K)\b\.?| (?:team|Team|department|Department|dept|group|Group|desk|Desk)\b")
_INITIAL = re.compile(r"[A-Z]\.")


def _score_run(words: list[str], initials: int) -> float:
    if len(words) >= 2:
        return _score(words)
    # One word with an initial: "S. Hasebe", "R. Gupta", "Marcus L.".
    if initials and words:
        w = words[0]
        given, family = _known(w)
        if (given or family) and w not in _STOP and w.lower() not in _lists()[2] and not w.isupper():
            return 0.75
    return 0.0


# "Patel, Arjun", "ALVAREZ, Sofia", "J ALVAREZ": family name first with a comma, or an initial without a dot.
_COMMA_NAME = re.compile(rf"(?<![A-Za-zÀ-ÿ0-9_@./\-])(?P<f>{_WORD}), (?P<g>[{_UP}][{_LO}]+(?:[ \-][{_UP}][{_LO}]+)?)(?: [A-Z]\.)?(?![A-Za-zÀ-ÿ0-9_@\-])")
_COMMA_CAP = re.compile(rf", (?=[{_UP}])")
_WORD_BEFORE = re.compile(rf"{_WORD}\Z")
_INITIAL_CAPS = re.compile(r"(?<![A-Za-z0-9_@./\-])[A-Z] (?P<f>[A-Z]{3,})(?![A-Za-z0-9_@\-])")


# Airline manifests: "TAKIZAWA/RIN MS", "AL-HARBI/FATIMA MS"; capitals before a title: "SUGANO HAYATE MR".
_SLASH_NAME = re.compile(r"(?<![A-Za-z0-9/])(?P<n>[A-Z][A-Z'\-]{1,30}/[A-Z][A-Z'\-]{1,30}(?: (?!(?:MR|MS|MRS|MISS|MSTR|DR)\b)[A-Z][A-Z'\-]{1,30})?)"
                         r"(?= +(?:MR|MS|MRS|MISS|MSTR|DR|CHD|INF)\b|[ \t]|$)(?!/)", re.MULTILINE)
_TITLE_AFTER = re.compile(r" +(?:MR|MS|MRS|MISS|MSTR|DR|CHD|INF)\b")
_CAPS_BEFORE_TITLE = re.compile(r"(?<![A-Za-z0-9])(?P<n>[A-Z]{2,}(?:-[A-Z]+)?(?: [A-Z]{2,}(?:-[A-Z]+)?){1,2}) +(?:MR|MS|MRS|MISS|MSTR)\b")


def latin_name_candidates(text: str) -> list[Candidate]:
    if not _TRIGGER.search(text):
        return []
    out: list[Candidate] = []
    if "/" in text:
        for m in _SLASH_NAME.finditer(text):
            parts = re.split(r"[/ ]", m.group("n"))
            titled = _TITLE_AFTER.match(text, m.end("n")) is not None
            plausible = all(len(p) >= 3 and (_is_romaji(p) or any(_known(p))) for p in parts)
            if (titled or plausible) and not any(p in _ACRONYMS for p in parts):
                out.append(Candidate(Category.PERSON_NAME, m.start("n"), m.end("n"), 0.85, "name_latin"))
    if " MR" in text or " MS" in text:
        for m in _CAPS_BEFORE_TITLE.finditer(text):
            if not any(p in _ACRONYMS or _title(p) in _STOP for p in m.group("n").split(" ")):
                out.append(Candidate(Category.PERSON_NAME, m.start("n"), m.end("n"), 0.85, "name_latin"))
    for comma in _COMMA_CAP.finditer(text) if ", " in text else ():
        # "Patel, Arjun": only where a comma is followed by a capital (a fast literal scan), the
        # full pattern is tried from the word before it.
        fm = _WORD_BEFORE.search(text, max(0, comma.start() - 40), comma.start())
        m = _COMMA_NAME.match(text, fm.start()) if fm is not None else None
        if m is not None:
            f, g = m.group("f"), m.group("g")
            gw = g.replace("-", " ").split(" ")
            if re.search(r"[A-Za-z]\.? $", text[max(0, m.start() - 3) : m.start()]):
                continue  # "Rahul Deshpande, Arjun Menon" is a list of two names, not "Deshpande, Arjun"
            if _known(f)[1] and _known(gw[0])[0] and f not in _STOP and not any(w in _STOP for w in gw) \
                    and f.lower() not in _lists()[2] and not any(w.lower() in _lists()[2] for w in gw):
                out.append(Candidate(Category.PERSON_NAME, m.start(), m.end(), 0.85, "name_latin"))
    for m in _INITIAL_CAPS.finditer(text):
        if _known(m.group("f"))[1] and m.group("f") not in _ACRONYMS:
            out.append(Candidate(Category.PERSON_NAME, m.start(), m.end(), 0.75, "name_latin"))
    for m in _RUN.finditer(text):
        run = m.group()
        parts = run.split(" ")
        initials = sum(1 for w in parts if _INITIAL.fullmatch(w))
        words = [w for w in parts if w and not _INITIAL.fullmatch(w) and not re.fullmatch(_PARTICLES, w)]
        if not words or _ORG_AFTER.match(text, m.end()):
            continue
        score = _score_run(words, initials)
        if score == 0.0 and len(words) > 2:
            # "Dear Mark Evans": try the run without its first or last word.
            for sub, off in ((words[1:], 1), (words[:-1], 0)):
                score = _score(sub)
                if score:
                    if off:
                        start = m.start() + run.index(sub[0])
                        out.append(Candidate(Category.PERSON_NAME, start, m.end(), score, "name_latin"))
                    else:
                        end = m.start() + run.rindex(sub[-1]) + len(sub[-1])
                        out.append(Candidate(Category.PERSON_NAME, m.start(), end, score, "name_latin"))
                    break
            continue
        if score:
            out.append(Candidate(Category.PERSON_NAME, m.start(), m.end(), score, "name_latin"))
    return out


def lone_name_score(word: str) -> float:
    """A single word that is a person's name on its own ("Priya", "Rahul", "Taniguchi"): a known given
    name or Japanese surname that is not also an English word, a place or a role."""
    if len(word) < 3 or word in _STOP or word.isupper() or word.lower() in _lists()[2] or word in _LONE_STOP:
        return 0.0
    given, family = _known(word)
    if given:
        return 0.6
    if word.lower() in _JA_SURNAMES and _is_romaji(word):
        return 0.6
    return 0.0


# Given names that are also everyday words, places or brands: never a name on their own.
_LONE_STOP = set(
    "Will Mark Grace Hope Faith Joy May June April August Summer Autumn Winter Dawn Eve Art Bill Chase Rose Iris Lily "
    "Daisy Ruby Amber Jade Pearl Crystal Ivy Olive Holly Heather Sandy Rich Frank Earnest Ernest Guy Jack Jordan Austin "
    "Victoria Sydney Florence Chelsea Paris Georgia Lincoln Ford Dell Carter Hunter Mason Taylor Parker Cooper Fisher "
    "Baker Miller Page Price King Young Long Best Case Read Sales Green White Black Brown Gray Grey Cash Honey Star Sky "
    "River Ocean Storm Rain Angel Max Pro Plus Nova Luna Sun Moon Hana Sakura Dell Asus Acer Tesla Mercedes Porsche "
    "Toyota Honda Nissan Mazda Subaru Suzuki Sony Canon Nikon Ricoh Epson Hitachi Toshiba Sharp Panasonic Fujitsu Nec "
    "Kyocera Yamaha Kawasaki Mitsubishi Sumitomo Mitsui Marubeni Itochu Nomura Daiwa Mizuho Shimizu Kajima Obayashi "
    "Taisei Seven Lawson Family Uniqlo Muji Tokyo Osaka Kyoto Kobe Nagoya Chiba Sendai Nara Hakone Nikko Ginza "
    "Thanks Best Regards Cheers Sincerely Hello Dear Sure Okay Yes Please Director Manager Partner Head Legal Narita "
    "Haneda Makuhari Okta Washington Oregon California Texas Florida Virginia Carolina Dakota Montana Nevada Arizona "
    "Indiana Kansas Kentucky Louisiana Maryland Michigan Minnesota Missouri Nebraska Ohio Oklahoma Tennessee Utah "
    "Vermont Wisconsin Wyoming Alaska Hawaii Idaho Iowa Maine Delaware Jersey Boston Dallas Houston Denver Phoenix "
    "Portland Seattle Chicago Atlanta Miami Orlando Tampa Charlotte Nashville Memphis Detroit Cleveland Columbus "
    "Pittsburgh Philadelphia Baltimore Richmond Raleigh Savannah Madison Aurora Berlin Munich Hamburg Frankfurt Cologne "
    "London Manchester Liverpool Bristol Leeds Glasgow Edinburgh Dublin Singapore Sydney Melbourne Brisbane Perth "
    "Auckland Wellington Seoul Busan Taipei Shanghai Beijing Shenzhen Bangkok Jakarta Manila Hanoi Delhi Mumbai "
    "Zoom Teams Slack Google Apple Amazon Meta Oracle Adobe Intel Cisco Azure Excel Outlook Word "
    "Cuba Iran Iraq Israel Syria Egypt Kenya Chad Mali Peru Chile Brazil Mexico Canada Russia Ukraine Poland Sweden Norway "
    "Denmark Finland Ireland Scotland Wales Belgium Austria Greece Turkey Nepal Bhutan Laos Myanmar Cambodia Fiji Samoa "
    "Dell Lenovo Asus Acer Precision Latitude ThinkPad Surface Yamato Sagawa Seino Fukutsu Kuroneko Consul Admissions Desk Duty Dependant Dependent Spouse Guardian Sponsor Applicant Holder Contact".split()
)
