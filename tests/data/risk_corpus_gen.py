"""Generate tests/data/risk_corpus.jsonl: labelled Japanese and English workplace prompts.

Run:  .venv/bin/python tests/data/risk_corpus_gen.py   (deterministic, seed fixed)

Every record: {"id", "text", "spans": [{"category", "start", "end"}], "source"}.
Texts are written with inline markers ``[[CATEGORY:value]]``; the generator strips them and
records the spans, so offsets are right by construction. Templates cover e-mail drafts,
meeting notes, customer replies, logs, CVs, chat messages and code snippets, and many hard
negatives (order numbers, Luhn-failing 16-digit numbers, plain dates, prices, times, versions,
ISBNs, part numbers, model sizes, company and place names). Valid numbers are computed with
the real algorithms (My Number check digit, Luhn, corporate number check digit).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
import sys
from pathlib import Path

import phonenumbers

OUT = Path(__file__).with_name("risk_corpus.jsonl")
R = random.Random(20240606)

# --------------------------------------------------------------------------------------------
# Value makers
# --------------------------------------------------------------------------------------------

SURNAMES = (
    "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水 山崎 森 池田 橋本 "
    "阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 福田 太田 西村 藤井 岡本 藤原 中野 "
    "三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 柴田 酒井 工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 "
    "大野 丸山 今井 河野 藤本 村田 武田 上野 杉山 増田 小山 大塚 平野 久保 松井 千葉 岩崎 桜井 木下 野口 松尾 野村 新井"
).split()
GIVEN = (
    "太郎 一郎 健太 翔太 大輔 拓也 直樹 和也 誠 浩二 健一 達也 雄一 隆 修 美咲 陽子 恵子 由美 裕子 直美 愛 花子 明美 "
    "真由美 智子 久美子 香織 彩 優子 博 聡 剛 亮 淳 学 洋子 京子 幸子 恵美"
).split()
EN_FIRST = "John Emily Michael Sarah David Jessica Robert Laura James Olivia Daniel Sophie Thomas Anna Mark Rachel Kevin Linda Paul Karen".split()
EN_LAST = "Smith Johnson Brown Williams Miller Davis Wilson Taylor Anderson Moore Martin Clark Lewis Walker Hall Young King Wright Green Baker".split()
ROMAJI = "tanaka suzuki sato takahashi ito watanabe yamamoto nakamura kobayashi kato yoshida yamada sasaki matsumoto inoue kimura".split()
ROMAJI_GIVEN = "taro ichiro kenta shota daisuke misaki yoko keiko yumi naoki hanako kazuya".split()
DOMAINS = "example.co.jp example.com corp-sample.jp mail.example.net sample-shoji.co.jp partner.example.org".split()
COMPANIES = "株式会社山田商事 東西物産株式会社 株式会社ミライテック 北斗システム株式会社 株式会社さくら銀行 日本サンプル工業株式会社 株式会社アオバ 有限会社丸福".split()
DEPTS = "営業部 総務部 人事部 経理部 開発部 情報システム部 法務部 品質保証課 広報課 カスタマーサポート室".split()

ADDRESSES = [
    ("東京都", "千代田区", "丸の内"), ("東京都", "新宿区", "西新宿"), ("大阪府", "大阪市北区", "梅田"),
    ("神奈川県", "横浜市中区", "山下町"), ("愛知県", "名古屋市中村区", "名駅"), ("福岡県", "福岡市博多区", "博多駅前"),
    ("北海道", "札幌市中央区", "北一条西"), ("兵庫県", "神戸市中央区", "三宮町"), ("埼玉県", "さいたま市浦和区", "高砂"),
    ("宮城県", "仙台市青葉区", "一番町"), ("広島県", "広島市中区", "紙屋町"), ("東京都", "世田谷区", "三軒茶屋"),
    ("東京都", "港区", "六本木"), ("東京都", "渋谷区", "道玄坂"), ("東京都", "八王子市", "明神町"),
    ("神奈川県", "川崎市中原区", "小杉町"), ("沖縄県", "那覇市", "久茂地"), ("千葉県", "船橋市", "本町"),
    ("京都府", "京都市中京区", "烏丸"), ("静岡県", "静岡市葵区", "呉服町"), ("東京都", "品川区", "大崎"),
    ("東京都", "豊島区", "東池袋"), ("大阪府", "堺市堺区", "南瓦町"), ("茨城県", "つくば市", "竹園"),
]


def digits(n: int) -> str:
    return "".join(R.choice(string.digits) for _ in range(n))


def my_number_cd(body: str) -> int:
    total = sum(int(body[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    r = total % 11
    return 0 if r <= 1 else 11 - r


def my_number(valid: bool = True) -> str:
    body = str(R.randint(1, 9)) + digits(10)
    cd = my_number_cd(body)
    if not valid:
        cd = (cd + R.randint(1, 9)) % 10
        if cd == my_number_cd(body):
            cd = (cd + 1) % 10
    return body + str(cd)


def corporate_number() -> str:
    body = digits(12)
    total = sum(int(body[12 - n]) * (1 if n % 2 else 2) for n in range(1, 13))
    return str(9 - total % 9) + body


def luhn_ok(num: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(num)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    return next(partial + d for d in string.digits if luhn_ok(partial + d))


def card(brand: str | None = None) -> tuple[str, tuple[int, ...]]:
    brand = brand or R.choice(["visa", "mc", "mc2", "jcb", "amex", "diners"])
    if brand == "visa":
        return luhn_complete("4" + digits(14)), (4, 4, 4, 4)
    if brand == "mc":
        return luhn_complete(str(R.randint(51, 55)) + digits(13)), (4, 4, 4, 4)
    if brand == "mc2":
        return luhn_complete(str(R.randint(2221, 2720)) + digits(11)), (4, 4, 4, 4)
    if brand == "jcb":
        return luhn_complete(str(R.randint(3528, 3589)) + digits(11)), (4, 4, 4, 4)
    if brand == "amex":
        return luhn_complete(R.choice(["34", "37"]) + digits(12)), (4, 6, 5)
    return luhn_complete("36" + digits(11)), (4, 6, 4)


def luhn_failing16() -> str:
    while True:
        n = R.choice("4536") + digits(15)
        if not luhn_ok(n):
            return n


def group(num: str, lens: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for n in lens:
        out.append(num[i : i + n])
        i += n
    return sep.join(out)


FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def fullwidth(s: str) -> str:
    return s.translate(FW)


def phone(kind: str | None = None) -> str:
    kind = kind or R.choice(["mobile", "mobile", "tokyo", "osaka", "three", "ip"])
    for _ in range(100):
        if kind == "mobile":
            s = f"{R.choice(['090', '080', '070'])}-{R.randint(1000, 9999)}-{digits(4)}"
        elif kind == "tokyo":
            s = f"03-{R.randint(3000, 6999)}-{digits(4)}"
        elif kind == "osaka":
            s = f"06-{R.randint(6000, 6999)}-{digits(4)}"
        elif kind == "ip":
            s = f"050-{R.randint(1000, 9999)}-{digits(4)}"
        else:
            s = f"{R.choice(['045', '052', '011', '092', '022', '075', '078'])}-{R.randint(200, 999)}-{digits(4)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(s, "JP")):
            return s
    raise RuntimeError("no valid phone")


def phone_variant() -> str:
    s = phone()
    style = R.choice(["hyphen", "hyphen", "fullwidth", "plain", "paren", "intl", "space", "katakana_dash"])
    a, b, c = s.split("-")
    if style == "fullwidth":
        return fullwidth(s)
    if style == "plain":
        return a + b + c
    if style == "paren":
        return f"{a}({b}){c}"
    if style == "intl":
        return f"+81-{a[1:]}-{b}-{c}"
    if style == "space":
        return f"{a} {b} {c}"
    if style == "katakana_dash":
        return fullwidth(a) + "ー" + fullwidth(b) + "ー" + fullwidth(c)
    return s


def jp_name(full: bool | None = None) -> str:
    full = R.random() < 0.4 if full is None else full
    s = R.choice(SURNAMES)
    return s + (R.choice(["", " "]) + R.choice(GIVEN) if full else "")


def en_name() -> str:
    return f"{R.choice(EN_FIRST)} {R.choice(EN_LAST)}"


def email() -> str:
    local = R.choice([f"{R.choice(ROMAJI_GIVEN)}.{R.choice(ROMAJI)}", f"{R.choice(ROMAJI)}{R.randint(1, 99)}",
                      f"{R.choice(EN_FIRST).lower()}.{R.choice(EN_LAST).lower()}", f"{R.choice(ROMAJI)}_{R.choice(ROMAJI_GIVEN)[0]}"])
    return f"{local}@{R.choice(DOMAINS)}"


def address(with_pref: bool | None = None) -> str:
    pref, city, town = R.choice(ADDRESSES)
    with_pref = R.random() < 0.75 if with_pref is None else with_pref
    block = R.choice([
        f"{R.randint(1, 9)}-{R.randint(1, 30)}-{R.randint(1, 20)}",
        f"{R.randint(1, 9)}丁目{R.randint(1, 30)}番{R.randint(1, 20)}号",
        f"{R.randint(1, 9)}丁目{R.randint(1, 30)}-{R.randint(1, 20)}",
        f"{R.randint(1, 30)}-{R.randint(1, 20)}",
        f"{R.randint(1, 999)}番地",
    ])
    s = (pref if with_pref else "") + city + town + block
    return s


def postal() -> str:
    return f"{R.randint(100, 999)}-{digits(4)}"


ERAS = [("明治", 1868, dt.date(1868, 1, 25)), ("大正", 1912, dt.date(1912, 7, 30)), ("昭和", 1926, dt.date(1926, 12, 25)),
        ("平成", 1989, dt.date(1989, 1, 8)), ("令和", 2019, dt.date(2019, 5, 1))]
EN_MONTHS = "January February March April May June July August September October November December".split()


def birth_date() -> str:
    d = dt.date(1950, 1, 1) + dt.timedelta(days=R.randint(0, 365 * 55))
    style = R.choice(["kanji", "slash", "era", "era_letter", "en1", "en2", "iso", "fw"])
    if style in ("era", "era_letter"):
        name, first, start = [e for e in ERAS if e[2] <= d][-1]
        y = d.year - first + 1
        if style == "era":
            return f"{name}{'元' if y == 1 and R.random() < 0.5 else y}年{d.month}月{d.day}日"
        letter = {"昭和": "S", "平成": "H", "令和": "R", "大正": "T", "明治": "M"}[name]
        return f"{letter}{y}.{d.month}.{d.day}"
    if style == "slash":
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    if style == "iso":
        return d.isoformat()
    if style == "en1":
        return f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}"
    if style == "en2":
        return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"
    if style == "fw":
        return fullwidth(f"{d.year}") + "年" + fullwidth(str(d.month)) + "月" + fullwidth(str(d.day)) + "日"
    return f"{d.year}年{d.month}月{d.day}日"


def plain_date() -> str:
    d = dt.date(2023, 1, 1) + dt.timedelta(days=R.randint(0, 900))
    return R.choice([f"{d.year}年{d.month}月{d.day}日", f"{d.year}/{d.month:02d}/{d.day:02d}", d.isoformat(),
                     f"{d.month}月{d.day}日", f"令和{d.year - 2018}年{d.month}月{d.day}日"])


def rand_token(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


def secret() -> str:
    kind = R.choice(["openai", "aws", "github", "slack", "google", "stripe", "jwt"])
    if kind == "openai":
        return "sk-proj-" + rand_token(40, string.ascii_letters + string.digits + "_-")
    if kind == "aws":
        return "AKIA" + rand_token(16, string.ascii_uppercase + string.digits)
    if kind == "github":
        return "ghp_" + rand_token(36)
    if kind == "slack":
        return f"xoxb-{digits(11)}-{digits(12)}-{rand_token(24)}"
    if kind == "google":
        return "AIza" + rand_token(35, string.ascii_letters + string.digits + "_-")
    if kind == "stripe":
        return "sk_live_" + rand_token(24)
    return "eyJhbGciOiJIUzI1NiJ9.eyJ" + rand_token(30) + "." + rand_token(43, string.ascii_letters + string.digits + "_-")


def password() -> str:
    return rand_token(R.randint(3, 6)) + R.choice("!#$%&@") + rand_token(R.randint(3, 6))


def public_ip() -> str:
    return f"{R.choice([133, 52, 54, 13, 160, 202, 210, 219, 61])}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"


def private_ip() -> str:
    return R.choice([f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}", f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
                     f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}"])


def passport() -> str:
    return R.choice(["TK", "TR", "MZ", "TZ", "RE", "TH"]) + digits(7)


def order_number_12() -> str:
    # Half of them pass the My Number check digit by construction: only the label tells.
    return my_number(True) if R.random() < 0.5 else digits(12)


def price() -> str:
    return R.choice([f"¥{R.randint(1, 999):,}{R.choice([',000', ',800', ',500'])}", f"{R.randint(1, 99) * 1000:,}円",
                     f"{R.randint(100, 99999):,}円（税込）", f"${R.randint(10, 9999)}.{digits(2)}", f"{R.randint(1, 9)}億{R.randint(1, 9)}千万円"])


def version() -> str:
    return R.choice([f"v{R.randint(1, 5)}.{R.randint(0, 20)}.{R.randint(0, 9)}", f"Python 3.{R.randint(8, 13)}.{R.randint(0, 9)}",
                     f"バージョン {R.randint(1, 9)}.{R.randint(0, 9)}.{R.randint(0, 9)}.{R.randint(0, 99)}", f"ver.{R.randint(1, 4)}.{R.randint(0, 9)}"])


def isbn() -> str:
    body = "9784" + digits(8)
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    cd = (10 - total % 10) % 10
    full = body + str(cd)
    return f"ISBN{R.choice(['', ' '])}{full[:3]}-{full[3]}-{full[4:8]}-{full[8:12]}-{full[12]}"


def part_number() -> str:
    return R.choice([f"ABC-{digits(4)}-{digits(4)}", f"XR-{R.randint(100, 9999)}", f"PN{digits(8)}", f"型番 KX-{digits(3)}{R.choice('ABCD')}",
                     f"SKU-{digits(6)}", f"製造番号 {digits(10)}"])


def model_size() -> str:
    return R.choice(["70B", "8B", "7B", "13B", "8x7B", "405B", "1.5B", "GPT-4o", "Llama 3.1 70B", "128Kトークン", "32k context"])


def time_str() -> str:
    return R.choice([f"{R.randint(9, 18)}:{R.choice(['00', '15', '30', '45'])}", f"{R.randint(9, 18)}時{R.choice(['', '30分'])}",
                     f"{R.randint(9, 11)}:00〜{R.randint(12, 17)}:30"])


def m(cat: str, value: str) -> str:
    return f"[[{cat}:{value}]]"


# --------------------------------------------------------------------------------------------
# Templates: functions returning marked text
# --------------------------------------------------------------------------------------------

def honorific() -> str:
    return R.choice(["さん", "さん", "様", "様", "氏", "部長", "課長"])


def t_email_draft_ja() -> str:
    cust, me = jp_name(), jp_name()
    return (f"以下のメールを丁寧な表現に直してください。\n\n{R.choice(COMPANIES)}\n{m('PERSON_NAME', cust)}{R.choice(['様', '様'])}\n\n"
            f"いつもお世話になっております。{R.choice(DEPTS)}の{m('PERSON_NAME', me)}です。\n"
            f"先日ご依頼いただいた見積書（合計{price()}）を添付します。{plain_date()}までにご確認ください。\n"
            f"ご不明な点は {m('EMAIL', email())} または {m('PHONE', phone_variant())} までご連絡ください。")


def t_meeting_notes() -> str:
    a, b, c = jp_name(False), jp_name(False), jp_name(False)
    return (f"議事録を要約して。\n日時：{plain_date()} {time_str()}\n場所：本社{R.randint(2, 30)}F会議室\n"
            f"出席者：{m('PERSON_NAME', a)}、{m('PERSON_NAME', b)}、{m('PERSON_NAME', c)}\n"
            f"議題：{model_size()}モデルの社内導入、予算{price()}\n決定事項：{plain_date()}までにPoCを完了する。")


def t_customer_reply() -> str:
    n = jp_name(True)
    return (f"お客様からの問い合わせに返信する文面を作って。\n---\nお問い合わせ番号: {digits(R.choice([10, 12]))}\n"
            f"お名前: {m('PERSON_NAME', n)}\nご住所: 〒{m('POSTAL_CODE', postal())} {m('ADDRESS', address(True))}\n"
            f"電話番号: {m('PHONE', phone_variant())}\n内容: {plain_date()}に注文した商品（{part_number()}）が届きません。")


def t_cv() -> str:
    n = jp_name(True)
    return (f"次の履歴書をもとに自己PR文を書いてください。\n氏名：{m('PERSON_NAME', n)}\n生年月日：{m('DATE_OF_BIRTH', birth_date())}\n"
            f"現住所：{m('ADDRESS', address())}\nメール：{m('EMAIL', email())}\n携帯：{m('PHONE', phone_variant())}\n"
            f"職歴：{plain_date()} {R.choice(COMPANIES)} 入社、{R.choice(DEPTS)}配属")


def t_cv_en() -> str:
    n = en_name()
    return (f"Polish this CV summary.\nName: {m('PERSON_NAME', n)}\nDate of birth: {m('DATE_OF_BIRTH', birth_date())}\n"
            f"Email: {m('EMAIL', email())}\nPhone: {m('PHONE', phone())}\n"
            f"Experience: {R.randint(3, 15)} years in data engineering, fine-tuned {model_size()} models, led a team of {R.randint(3, 12)}.")


def t_my_number() -> str:
    n = jp_name()
    num = my_number()
    style = R.choice(["plain", "space", "hyphen", "fw"])
    shown = {"plain": num, "space": group(num, (4, 4, 4), " "), "hyphen": group(num, (4, 4, 4), "-"), "fw": fullwidth(num)}[style]
    label = R.choice(["マイナンバー", "個人番号", "マイナンバー（個人番号）", "マイナンバーカードの番号"])
    return R.choice([
        f"{m('PERSON_NAME', n)}さんの{label}は{m('MY_NUMBER', shown)}です。年末調整の書類に転記する文面を作って。",
        f"扶養控除申告書の記入例を作成。{label}：{m('MY_NUMBER', shown)}、注文番号：{order_number_12()}",
        f"{label} {m('MY_NUMBER', shown)} を含む申請メールを英訳してください。",
    ])


def t_card() -> str:
    num, lens = card()
    style = R.choice(["plain", "hyphen", "space", "fw", "glued"])
    shown = {"plain": num, "hyphen": group(num, lens, "-"), "space": group(num, lens, " "), "fw": fullwidth(group(num, lens, "-")), "glued": num}[style]
    if style == "glued":
        return f"カード番号{m('CREDIT_CARD', shown)}で決済したが二重請求された。問い合わせ文を作って。伝票番号{luhn_failing16()}。"
    return R.choice([
        f"クレジットカード：{m('CREDIT_CARD', shown)}（有効期限 {R.randint(1, 12):02d}/{R.randint(26, 30)}）の引き落としについて、カード会社への問い合わせメールを書いて。",
        f"Customer says their card {m('CREDIT_CARD', shown)} was charged twice for order #{digits(8)}. Draft a reply.",
        f"決済ログ: status=failed card={m('CREDIT_CARD', shown)} amount={R.randint(100, 99999)} ref={digits(16)}",
    ])


def t_luhn_negative() -> str:
    return R.choice([
        f"伝票番号 {luhn_failing16()} の配送状況を確認する文面を作ってください。",
        f"追跡番号: {group(luhn_failing16(), (4, 4, 4, 4), '-')}、お届け予定 {plain_date()}",
        f"Tracking number {luhn_failing16()} shows 'in transit' since {plain_date()}.",
        f"JANコード {R.choice(['4901', '4902', '4903'])}{digits(9)} の商品説明を書いて。",
    ])


def t_order_negative() -> str:
    return R.choice([
        f"注文番号：{order_number_12()} の返品手続きを案内する文章を作成して。金額は{price()}です。",
        f"受注番号 {order_number_12()}、{plain_date()} 出荷予定。在庫 {R.randint(1, 500)} 個。",
        f"Order ID {order_number_12()} was shipped on {plain_date()}. Total {price()}.",
        f"会員番号 {digits(10)} のポイント残高は {R.randint(100, 99999):,} ポイントです。",
    ])


def t_misc_negative() -> str:
    return R.choice([
        f"{model_size()}と{model_size()}のモデルを比較して、{version()}で動かす手順を教えて。",
        f"{isbn()} の本を要約して。出版日は{plain_date()}。",
        f"{part_number()} の在庫を確認。単価{price()}、納期{plain_date()}。",
        f"会議は{plain_date()}の{time_str()}から。{R.choice(COMPANIES)}の{R.choice(DEPTS)}と打ち合わせ。",
        f"{R.choice(['渋谷駅', '新宿駅', '大阪市', '横浜市', '札幌市'])}周辺で{R.randint(10, 50)}人規模の会場を探して。予算は{price()}。",
        f"皆さん、お疲れ様です。{plain_date()}にシステムを{version()}へ更新します。",
        f"お客様各位\n{plain_date()} {time_str()}にメンテナンスを実施します。",
        f"機密性・完全性・可用性について、新入社員向けに説明して。",
        f"パスワードは定期的に変更し、APIキーは環境変数で管理しましょう、という注意喚起文を作って。",
        f"レイテンシが{R.randint(100, 900)}ms、スループットが{R.randint(10, 500)} req/s、エラー率{R.randint(1, 9)}.{R.randint(0, 9)}%でした。",
        f"{R.choice(COMPANIES)}の{plain_date()}決算発表を要約して。売上高{price()}、前年比{R.randint(1, 30)}%増。",
        f"localhost の 127.0.0.1:8501 で Streamlit を起動したら {version()} でエラーになった。",
        f"temperature=0.{R.randint(0, 9)}、top_p=0.{R.randint(5, 9)}、max_tokens={R.randint(256, 4096)} で回答が変わる理由は？",
        f"ご担当者様\n{R.choice(COMPANIES)}より新製品（{part_number()}）のご案内です。",
    ])


def t_dob() -> str:
    n = jp_name()
    d = birth_date()
    return R.choice([
        f"{m('PERSON_NAME', n)}さん（{m('DATE_OF_BIRTH', d)}生まれ）の入社手続きに必要な書類一覧を作って。",
        f"社員情報：{m('PERSON_NAME', n)}、生年月日 {m('DATE_OF_BIRTH', d)}、入社日 {plain_date()}",
        f"誕生日は{m('DATE_OF_BIRTH', d)}です。お祝いメッセージを考えて。締切は{plain_date()}。",
        f"DOB: {m('DATE_OF_BIRTH', d)} / joined {plain_date()}. Write an onboarding note.",
    ])


def t_ids() -> str:
    n = jp_name(True)
    return R.choice([
        f"{m('PERSON_NAME', n)}様の出張手配。パスポート番号：{m('PASSPORT', passport())}、有効期限{plain_date()}。",
        f"運転免許証番号 {m('DRIVERS_LICENSE', digits(12))} の方の社用車利用申請を書いて。申請者：{m('PERSON_NAME', n)}",
        f"振込先：{R.choice(['みずほ銀行', '三井住友銀行', 'さくら銀行'])} {R.choice(['本店', '渋谷支店', '梅田支店'])} 普通預金 口座番号{m('BANK_ACCOUNT', digits(7))} 名義 {m('PERSON_NAME', n)}",
        f"Passport No. {m('PASSPORT', passport())} — please fill in the visa form for {m('PERSON_NAME', en_name())}.",
        f"給与振込口座を変更します。口座番号：{m('BANK_ACCOUNT', digits(7))}（普通）",
        f"在留カード番号 {m('RESIDENCE_CARD', R.choice(['AB', 'CD', 'EF']) + digits(8) + R.choice(['GH', 'JK']))} の更新手続きの案内を作って。",
        f"基礎年金番号 {m('PENSION_NUMBER', digits(4) + '-' + digits(6))} の照会文を作成。",
        f"保険証の記号番号 {m('HEALTH_INSURANCE', digits(8))} を含む申請書の記入例を作って。",
        f"取引先の法人番号は {corporate_number()} です。会社概要を調べて。",
    ])


def t_log() -> str:
    return R.choice([
        f"このログのエラー原因を教えて。\n{plain_date()} 10:{R.randint(10, 59)}:{R.randint(10, 59)} ERROR connection refused from {m('IP_ADDRESS', private_ip())} port {R.randint(1024, 65535)}\n"
        f"{plain_date()} 10:{R.randint(10, 59)}:{R.randint(10, 59)} WARN retry=3 user={m('EMAIL', email())}",
        f"nginx access log: {m('IP_ADDRESS', public_ip())} - - \"GET /api/v1/items HTTP/1.1\" 500 {R.randint(100, 9999)} (app {version()})",
        f"docker run -e DATABASE_URL=postgres://app:{m('SECRET', password())}@db.internal:5432/app -p 8501:8501 portal:{R.randint(1, 9)}.{R.randint(0, 9)}.{R.randint(0, 9)}",
        f"requests.get(url, headers={{'Authorization': 'Bearer {m('SECRET', rand_token(40))}'}}) がタイムアウトする。",
        f"export OPENAI_API_KEY={m('SECRET', 'sk-proj-' + rand_token(40))}\npython app.py でエラー。",
        f"AWSの設定: aws_access_key_id = {m('SECRET', 'AKIA' + rand_token(16, string.ascii_uppercase + string.digits))}",
        f"git push で失敗。トークン ghp を使っている: {m('SECRET', 'ghp_' + rand_token(36))}",
        f"サーバー {m('IP_ADDRESS', private_ip())} に ssh できない。ユーザー admin、パスワード: {m('SECRET', password())}",
        f"Slack bot の token = {m('SECRET', 'xoxb-' + digits(11) + '-' + digits(12) + '-' + rand_token(24))} で投稿できない",
    ])


def t_private_key() -> str:
    body = "\n".join(rand_token(64, string.ascii_letters + string.digits + "+/") for _ in range(R.randint(2, 5)))
    key = f"-----BEGIN {R.choice(['RSA ', 'OPENSSH ', ''])}PRIVATE KEY-----\n{body}\n-----END {{X}}PRIVATE KEY-----"
    kind = key.split("BEGIN ")[1].split("PRIVATE")[0]
    key = key.replace("{X}", kind)
    return f"このデプロイ用の鍵の形式を確認して:\n{m('SECRET', key)}\nサーバーは {version()} です。"


def t_confidential() -> str:
    term = R.choice(["社外秘", "極秘", "部外秘", "取扱注意", "機密情報", "Confidential", "Internal Only", "CONFIDENTIAL", "関係者外秘"])
    return R.choice([
        f"【{m('CONFIDENTIAL', term)}】{plain_date()} 経営会議資料。来期の{model_size()}導入計画を要約して。",
        f"この資料は{m('CONFIDENTIAL', term)}ですが、要点を3行でまとめてください。売上目標は{price()}。",
        f"[{m('CONFIDENTIAL', term)}] Q3 roadmap draft — please summarise in Japanese.",
        f"{m('CONFIDENTIAL', term)}\n人員計画（{R.choice(DEPTS)}）：{R.randint(2, 20)}名増員予定",
        f"{m('CONFIDENTIAL', '人事評価')}の結果をもとに、{m('PERSON_NAME', jp_name())}さんへのフィードバック文を作って。",
        f"添付の{m('CONFIDENTIAL', '顧客リスト')}から、{plain_date()}以降に契約した会社を抽出して。",
    ])


def t_chat_ja() -> str:
    a, b = jp_name(False), jp_name(False)
    return R.choice([
        f"{m('PERSON_NAME', a)}{honorific()}から「{time_str()}の会議に遅れる」と連絡がありました。{m('PERSON_NAME', b)}さんに伝える文を作って。",
        f"{R.choice(DEPTS)}の{m('PERSON_NAME', a)}です。{plain_date()}の研修資料を作っています。",
        f"{m('PERSON_NAME', a)}{honorific()}の送別会の挨拶文を考えて。{R.randint(10, 40)}年勤続です。",
        f"担当：{m('PERSON_NAME', jp_name(True))}\n件名：{model_size()}モデル評価の進捗\n本文：{plain_date()}までに結果を共有します。",
        f"先方の{m('PERSON_NAME', a)}様に、{plain_date()}の打ち合わせのお礼メールを送りたい。",
        f"{m('PERSON_NAME', a)}と申します。{R.choice(COMPANIES)}で{R.choice(DEPTS)}に所属しています。自己紹介文を整えて。",
        f"昨日の件、{m('PERSON_NAME', a)}さんと{m('PERSON_NAME', b)}さんにも共有お願いします。\nよろしくお願いします。\n{m('PERSON_NAME', jp_name(True))}",
    ])


def t_chat_en() -> str:
    return R.choice([
        f"Dear {m('PERSON_NAME', en_name())},\n\nThank you for your time on {plain_date()}. Please find the proposal attached.\n\nBest regards,\n{m('PERSON_NAME', en_name())}",
        f"Rewrite politely: Mr. {m('PERSON_NAME', R.choice(EN_LAST))} asked for the {version()} release notes by Friday.",
        f"Meeting notes: {m('PERSON_NAME', R.choice(ROMAJI).capitalize())}-san will prepare the {model_size()} benchmark. Dr. {m('PERSON_NAME', en_name())} reviews it.",
        f"From: {m('PERSON_NAME', en_name())} <{m('EMAIL', email())}>\nSubject: Invoice {digits(8)}\nPlease pay {price()} by {plain_date()}.",
        f"Dear Customer,\nYour ticket #{digits(6)} has been resolved. Call us at 0120-{R.randint(100, 999)}-{R.randint(100, 999)} if needed.",
        f"Hi team, the server at {m('IP_ADDRESS', public_ip())} is down again. Ms. {m('PERSON_NAME', R.choice(EN_LAST))} is on call.",
    ])


def t_mixed_heavy() -> str:
    n = jp_name(True)
    num, lens = card("jcb")
    return (f"次の申込データをCSVに整形して。\n{m('PERSON_NAME', n)},{m('EMAIL', email())},{m('PHONE', phone())},"
            f"〒{m('POSTAL_CODE', postal())},{m('ADDRESS', address(True))}\n"
            f"カード: {m('CREDIT_CARD', group(num, lens, '-'))} / 個人番号: {m('MY_NUMBER', my_number())}")


def t_business_phone_negative() -> str:
    return R.choice([
        f"お問い合わせはフリーダイヤル 0120-{R.randint(100, 999)}-{R.randint(100, 999)}（受付時間 {time_str()}）まで、という案内文を作って。",
        f"ナビダイヤル 0570-{digits(3)}-{digits(3)} への誘導文を短くして。",
    ])


def t_label_no_checksum() -> str:
    return f"マイナンバー：{m('MY_NUMBER', my_number(False))}（※入力ミスの可能性あり）の確認依頼文を作って。"


TEMPLATES = [
    (t_email_draft_ja, 50), (t_meeting_notes, 35), (t_customer_reply, 40), (t_cv, 35), (t_cv_en, 20), (t_my_number, 35),
    (t_card, 40), (t_luhn_negative, 30), (t_order_negative, 35), (t_misc_negative, 70), (t_dob, 30), (t_ids, 45),
    (t_log, 45), (t_private_key, 6), (t_confidential, 35), (t_chat_ja, 55), (t_chat_en, 35), (t_mixed_heavy, 15),
    (t_business_phone_negative, 10), (t_label_no_checksum, 6),
]

# Hand-written prompts (markers as above).
HAND = [
    "来週の面談の件、[[PERSON_NAME:長谷川]]さんの都合が悪いそうです。代わりの候補日を3つ提案する文面を作ってください。",
    "社内報の原稿です。誤字を直して：今月の「ひと」コーナーは品質保証課の[[PERSON_NAME:小野寺 彩]]さん。趣味は登山で、昨年は富士山に3回登ったそうです。",
    "以下の顧客対応メモを要約：\n・[[PERSON_NAME:三浦]]様（リピーター）より、商品の色違いが届いたとの連絡\n・折り返し先 [[PHONE:080-4412-9081]]\n・交換品は明日発送",
    "ChatGPTに貼る前に確認したい文章：当社の新サービス「Project Aurora」は来年4月リリース予定です。",
    "Please summarise: the vendor (Acme Corp) will deliver 5,000 units at $12.50 each by 2025-03-31. Contact: [[PERSON_NAME:Laura Chen]], [[EMAIL:l.chen@acme-example.com]].",
    "Excelの関数を教えて。A列に社員番号（例: 00012345）、B列に氏名が入っています。VLOOKUPで部署名を引きたい。",
    "日報：本日は13:00から15:30まで顧客訪問（株式会社アオバ）。見積No.Q-2024-0456を提出。次回は来週火曜。",
    "研修アンケートの自由記述を分類して。「講師の説明がわかりやすかった」「もっと演習がほしい」「LLMのハルシネーション対策が参考になった」",
    "請求書の宛名を「[[PERSON_NAME:松井]]様」から「株式会社丸福 御中」に変更する依頼メールを書いて。",
    "マイナンバーの取り扱いルールを、新人向けに3つの箇条書きで説明して。",
    "この住所を英語表記にして：〒[[POSTAL_CODE:150-0043]] [[ADDRESS:東京都渋谷区道玄坂1-12-1]] 渋谷マークシティ",
    "エラーログ: Traceback ... ValueError: invalid literal for int() with base 10: 'abc' (line 42, app.py v2.3.1)",
    "[[PERSON_NAME:Tanaka]]-san, could you check whether the 70B model fits on a single 80GB GPU?",
    "送付先：[[ADDRESS:大阪府大阪市北区梅田3丁目1番3号]]　[[PERSON_NAME:藤原 健一]] 様　TEL [[PHONE:06-6345-1234]]",
    "ISBN 978-4-297-12345-6 の書籍を参考文献リストに追加して。価格は3,280円です。",
    "電話番号の正規表現を書いて。例: 03-1234-5678 や 090-1234-5678 にマッチさせたい。",
    "[[CONFIDENTIAL:極秘]]：A社買収の検討資料。シナジー効果を3点にまとめて。",
    "社内Wikiの記事を要約：VPN接続手順（[[CONFIDENTIAL:社内限定]]）。接続先は vpn.example.co.jp、ポート443。",
    "お客様の声：「[[PERSON_NAME:佐々木]]さんの対応がとても丁寧でした」。社内表彰の推薦文にして。",
    "会議室予約：第3会議室、2024年6月12日 14:00〜15:00、参加人数8名。",
    "[[PERSON_NAME:Kevin Wright]] から連絡：サーバー代 $1,200/月 の見積もりを送ります。Best regards と締めて返信を英語で。",
    "年齢計算：1990年4月1日から今日までの日数を数えるPythonコードを書いて。",
    "取扱説明書の「仕様」の章を要約して。重量1.2kg、電源100V、消費電力45W。",
    "様々な部署から意見を集めています。同様の事例があれば教えて。",
    "[[PERSON_NAME:渡辺 直樹]]（[[DATE_OF_BIRTH:1979年11月23日]]生まれ、[[PHONE:090-8765-4321]]）の社員証再発行申請。",
    "Slack通知の文面：本番サーバー([[IP_ADDRESS:10.20.30.40]])のCPU使用率が95%を超えました。",
    "令和5年度の予算案（総額3億2千万円）を部門別に整理して。",
    "顧客ID CUST-00123456 の解約理由を分類して：「料金が高い」「機能が足りない」",
    "Zoom の ID は 812 3456 7890、パスコードは会議直前に共有します。",
    "本日はお忙しいところありがとうございました。\nよろしくお願いいたします。\n[[PERSON_NAME:小林 美咲]]",
]

# More hand-written prompts, written to be hard: names without honorifics, mixed scripts,
# labels far from values, look-alike numbers, odd spacing.
HAND += [
    "[[PERSON_NAME:田中]]が対応します。明日までにお客様へ連絡を入れておきます。",
    "[[PERSON_NAME:山本]]部長の承認が下りたので、来週から[[PERSON_NAME:大野]]くんにもプロジェクトに入ってもらいます。",
    "お疲れ様です。[[PERSON_NAME:西村]]です。\n本日の障害報告を共有します。影響範囲は東日本リージョンのみです。",
    "以下をビジネスメールに：[[PERSON_NAME:ジョン]]さんへ、来日スケジュールの確認。羽田着は10時15分の予定。",
    "返信文を作って。『[[PERSON_NAME:高木]]様　先日はありがとうございました。ご提案の件、社内で検討いたします。』",
    "緊急連絡先：[[PERSON_NAME:佐藤 花子]]（妻）[[PHONE:090 3344 5566]]",
    "マイナンバー\n[[MY_NUMBER:{mn1}]]\n上記を源泉徴収票に記載する手順を教えて。",
    "個人番号（[[MY_NUMBER:{mn2}]]）の収集目的を従業員に説明する通知文を作成。",
    "請求書番号 {mn3} について、支払期日を延長してほしいという依頼メールを書いて。",
    "問い合わせ番号は{mn4}です。配送状況を確認して返信して。",
    "カードの下4桁が1234の方からの問い合わせ対応マニュアルを作って。",
    "テスト用カード番号（4111 1111 1111 1111 のような番号）を使ったテスト手順書を作って。",
    "決済端末ログ：PAN=[[CREDIT_CARD:{cc1}]] exp=12/27 result=APPROVED",
    "ｶｰﾄﾞ番号：[[CREDIT_CARD:{cc2fw}]]、ご本人様確認済み。",
    "[[ADDRESS:横浜市中区山下町1-1]]のホテルで研修を行います。最寄りは元町・中華街駅です。",
    "本社所在地：[[ADDRESS:東京都港区六本木6丁目10番1号]]（六本木ヒルズ森タワー）",
    "住所は〒[[POSTAL_CODE:060-0001]] [[ADDRESS:北海道札幌市中央区北一条西2丁目1番地]] です。",
    "大阪府と兵庫県の県境付近で工場用地を探しています。条件を整理して。",
    "会場は東京都千代田区、駅から徒歩5分以内、定員100名以上で探して。",
    "生年月日の入力欄のバリデーション（YYYY/MM/DD 形式）を実装するコードを書いて。",
    "[[PERSON_NAME:Sarah Johnson]] was born on [[DATE_OF_BIRTH:July 4, 1988]] and joined us on 2016-04-01.",
    "誕生日：[[DATE_OF_BIRTH:平成元年1月8日]]。成人式の案内文を作ってほしい。",
    "昭和64年1月8日という日付は存在しますか？",
    "契約日：2024年2月29日、更新日：2025年2月28日。契約書の条文をチェックして。",
    "Invoice INV-2024-0042 dated 2024-05-31, amount due JPY 1,234,567. Please draft a reminder.",
    "社内SEからの連絡：DNS を 8.8.8.8 から社内DNS（[[IP_ADDRESS:10.1.2.53]]）に切り替えます。",
    "pip install numpy==1.26.4 で 1.26.4.1 というバージョンが見つからないと言われます。",
    "ルーターの管理画面 [[IP_ADDRESS:192.168.0.1]] にログインできない。初期パスワードは何？",
    "IPv6 の [[IP_ADDRESS:2001:db8::1]] に ping が通らない原因を教えて。",
    "APIキーを .env に書いて git に上げてしまいました。どう対処すべきですか？",
    "設定ファイル：\nOPENAI_API_KEY: \"[[SECRET:sk-proj-{tok1}]]\"\nMODEL: gpt-4o-mini\nTEMPERATURE: 0.2",
    "DBの接続が切れる。mysql://root:[[SECRET:{pw1}]]@[[IP_ADDRESS:10.0.0.5]]:3306/sales",
    "Wi-Fiのパスワード：[[SECRET:{pw2}]] をゲストに案内する文面（英語）",
    "パスワードを忘れた場合の再設定手順をまとめてください。",
    "[[CONFIDENTIAL:CONFIDENTIAL]] - Board meeting minutes (draft). Summarise the key decisions.",
    "この契約書は[[CONFIDENTIAL:取扱注意]]です。第5条の意味を平易に説明して。",
    "[[CONFIDENTIAL:社外秘]]資料のため要約のみ依頼します：新製品の原価率は32%。",
    "情報セキュリティの3要素（機密性・完全性・可用性）を例を挙げて説明して。",
    "[[CONFIDENTIAL:社員名簿]]をExcelで並べ替える方法を教えて。",
    "Llama 3.1 405B と 70B のどちらを使うべき？GPUはH100が8枚。",
    "GPT-4o の料金（入力 $2.50 / 1M tokens）で月100万リクエストの費用を見積もって。",
    "第2四半期の売上は前年同期比112%の4,560百万円でした。グラフのタイトル案をください。",
    "電話会議の番号：+1 415 555 0100（米国）、アクセスコード 123 456 789#",
    "社用携帯の番号変更：旧 [[PHONE:080-2211-3344]] → 新 [[PHONE:070-5566-7788]]",
    "代表電話（[[PHONE:03-6825-1100]]）に[[PERSON_NAME:木下]]様から折り返し依頼がありました。",
    "TEL:0120-123-456（フリーダイヤル、企業の代表番号）",
    "[[PERSON_NAME:Taro Yamada]] <[[EMAIL:taro.yamada@example.co.jp]]> wrote: the 2nd draft is ready.",
    "Attn: [[PERSON_NAME:Michael Brown]], Procurement — quote #A-7781 for 300 licences.",
    "Hi [[PERSON_NAME:Emily]], can you review the 8B model eval by EOD? Thanks!",
    "Regards,\nCustomer Success Team",
    "Please ask Mr. [[PERSON_NAME:Suzuki]] whether the 13B checkpoint is ready.",
    "山田太郎という架空の人物を主人公にした研修用ストーリーを作って。",
    "ＡＢＣ株式会社の[[PERSON_NAME:吉田]]様より、見積依頼（型番：ＫＸ－２０００）がありました。",
    "[[PERSON_NAME:斎藤]]さん、[[PERSON_NAME:中島]]さん、[[PERSON_NAME:前田]]さんの3名で来週のデモを担当します。",
    "出張精算：新幹線 東京→新大阪 14,720円、ホテル 12,000円、合計 26,720円",
    "領収書の宛名は「株式会社ミライテック」でお願いします。",
    "パスポート（旅券番号 [[PASSPORT:{pp1}]]）の有効期限が切れそうなので更新手続きを調べて。",
    "口座：ゆうちょ銀行 記号番号 [[BANK_ACCOUNT:10120-12345671]]",
    "返金先 普通 [[BANK_ACCOUNT:{acct1}]] 名義カ）ミライテック",
]
_HAND_VALUES = {
    "mn1": my_number(), "mn2": group(my_number(), (4, 4, 4), "-"), "mn3": my_number(), "mn4": my_number(),
    "cc1": card("visa")[0], "cc2fw": fullwidth(group(card("mc2")[0], (4, 4, 4, 4), "-")),
    "tok1": rand_token(40), "pw1": "Qw3rty!2024", "pw2": "Sakura#2024guest", "pp1": passport(), "acct1": digits(7),
}
HAND = [h.replace("{", "{{").replace("}", "}}").replace("{{" + k + "}}", "") if False else h for h in HAND]
HAND = [re.sub(r"\{(\w+)\}", lambda mm: _HAND_VALUES.get(mm.group(1), mm.group(0)), h) for h in HAND]


MARK = re.compile(r"\[\[([A-Z_]+):(.*?)\]\]", re.S)


def strip_markers(marked: str) -> tuple[str, list[dict]]:
    out, spans, pos, last = [], [], 0, 0
    for mm in MARK.finditer(marked):
        out.append(marked[last : mm.start()])
        pos += mm.start() - last
        value = mm.group(2)
        spans.append({"category": mm.group(1), "start": pos, "end": pos + len(value)})
        out.append(value)
        pos += len(value)
        last = mm.end()
    out.append(marked[last:])
    return "".join(out), spans


def main() -> int:
    records = []
    n = 0
    for fn, count in TEMPLATES:
        for _ in range(count):
            text, spans = strip_markers(fn())
            n += 1
            records.append({"id": f"g{n:04d}", "source": fn.__name__, "text": text, "spans": spans})
    for i, marked in enumerate(HAND, 1):
        text, spans = strip_markers(marked)
        records.append({"id": f"h{i:03d}", "source": "hand", "text": text, "spans": spans})
    with OUT.open("w", encoding="utf-8") as fh:
        for r in records:
            for s in r["spans"]:
                assert "[[" not in r["text"][s["start"] : s["end"]]
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records, {sum(len(r['spans']) for r in records)} spans, "
          f"{sum(len(r['text']) for r in records)} characters to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
