"""The classes of real-prompt misses and false alarms that the fresh corpus was written to cover
(issue 12): names without cues, pasted tables, international formats, secrets and placeholders,
confidentiality words used as vocabulary. Each test states what a compliance reviewer would
expect the checklist to show."""

import datetime as _dt

import pytest

from portal.risk import Category as C
from portal.risk import Confidence, RiskPolicy, scan
from portal.risk.evaluation import is_reported

POLICY = RiskPolicy()


def shown(text, category=None):
    """(category, text) of what the learner is shown as a finding (not the "possible" hints)."""
    return [(f.category, f.text) for f in scan(text) if is_reported(f, POLICY) and (category is None or f.category is category)]


def names(text):
    return [t for c, t in shown(text, C.PERSON_NAME)]


# --- names with nothing next to them ---------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("以上、よろしくお願いします。\n\n営業部\n鈴木 一郎", ["鈴木 一郎"]),
    ("CC: 小野寺瑛太、五十嵐結衣", ["小野寺瑛太", "五十嵐結衣"]),
    ("本件は田中と佐藤が担当します。", ["田中", "佐藤"]),
    ("[10:02] 田中 美咲: 了解です\n[10:03] 森: 資料送ります", ["田中 美咲", "森"]),
    ("氏名：鈴木 一郎（スズキ　イチロウ）", ["鈴木 一郎", "スズキ\u3000イチロウ"]),
    ("振込先 普通 1234567 口座名義 ｽｽﾞｷ ｲﾁﾛｳ", ["ｽｽﾞｷ ｲﾁﾛｳ"]),
    ("検知：情報システム部 石動 和也（ログ監視アラート）", ["石動 和也"]),
])
def test_japanese_names_without_honorifics(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Attendees: SUZUKI Ichiro, ICHIRO SUZUKI and Andrew R. Clark", ["SUZUKI Ichiro", "ICHIRO SUZUKI", "Andrew R. Clark"]),
    ("Reporter: Farah binte Ismail, Logistics", ["Farah binte Ismail"]),
    ("[02:13] Tomasz Wieczorek: yes, I rotated the key", ["Tomasz Wieczorek"]),
    ("Thanks Rahul Venkataraman.\nI'll send a script to Rahul.", ["Rahul Venkataraman", "Rahul"]),
    ("Élodie Marchand\nDirectrice administrative", ["Élodie Marchand"]),
])
def test_latin_script_names(text, expected):
    assert names(text) == expected


def test_a_name_found_once_is_found_again_with_its_parts():
    text = "被通報者：物流管理部 課長 雲母 健司\n通報内容：雲母課長が委託先から接待を受けた。"
    assert names(text) == ["雲母 健司", "雲母"]


@pytest.mark.parametrize("text", [
    "鈴木商事の新製品と本田技研の決算を比べて",       # companies that start with a surname
    "今月から新しい一万円札の肖像に渋沢栄一が採用されました。",  # a public figure
    "Kent Beck (TDD by Example) and Martin Fowler (Refactoring) are on the reading list.",
    "Dear Soralink team,\nThank you for the quick reply.",
    "IT Week Autumn 2024, Hall 4, Booth 18-42 (Tokyo Station)",
    "入社3日前です。VPN出口のアドレスを教えて",
])
def test_not_names(text):
    assert names(text) == []


# --- pasted tables ---------------------------------------------------------------------------------

def test_a_tsv_header_labels_its_columns_but_is_not_flagged_itself():
    text = "次の表を部署別に集計して\n氏名\t生年月日\t内線\n秋山 奈央\t1991/04/22\t4412\n森 大地\t1988/01/02\t4413"
    found = shown(text)
    assert (C.DATE_OF_BIRTH, "1991/04/22") in found and (C.DATE_OF_BIRTH, "1988/01/02") in found
    assert (C.PERSON_NAME, "秋山 奈央") in found
    assert not any(t in ("氏名", "生年月日", "4412") for _c, t in found)


def test_a_markdown_table_and_a_quoted_csv():
    md = "| 名前 | 部署 | 電話 |\n|---|---|---|\n| 田中美咲 | 営業 | 090-3344-5566 |"
    assert (C.PERSON_NAME, "田中美咲") in shown(md) and (C.PHONE, "090-3344-5566") in shown(md)
    csv = 'name,dob,my number\n"Suzuki, Ichiro",1980-01-02,123456789018\n'
    found = shown(csv)
    assert (C.PERSON_NAME, "Suzuki, Ichiro") in found
    assert (C.DATE_OF_BIRTH, "1980-01-02") in found and (C.MY_NUMBER, "123456789018") in found


def test_an_identifier_column_is_not_a_card_number():
    text = "品番\tJANコード\t数量\nFD-2201\t4901234567894\t12"
    assert shown(text, C.CREDIT_CARD) == []


def test_a_header_over_values_of_the_wrong_shape_flags_nothing():
    text = "氏名\t確認\n済\t済\n-\t未"
    assert shown(text) == []


# --- international formats --------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Phone: +1 312-874-2291 ext. 204", "+1 312-874-2291"),
    ("call me at (415) 555-0134", "(415) 555-0134"),
    ("Tel: 555-0134", "555-0134"),
    ("mobile 07823 416590", "07823 416590"),
    ("DID: +65 6221 4839", "+65 6221 4839"),
    ("+44 20 7626 4471", "+44 20 7626 4471"),
])
def test_international_phone_numbers(text, expected):
    assert shown(text, C.PHONE) == [(C.PHONE, expected)]


def test_a_us_local_number_is_not_a_japanese_postal_code():
    assert shown("Tel: 555-0134", C.POSTAL_CODE) == []


@pytest.mark.parametrize("text, expected", [
    ("Site: 1450 W Fulton St, Suite 300, Chicago, IL 60607\n", "1450 W Fulton St, Suite 300, Chicago, IL 60607"),
    ("41 Mincing Lane, London EC3R 7AE, United Kingdom", "41 Mincing Lane, London EC3R 7AE"),
    ("registered residence is 4-18-2 Minami-Aoyama, Minato-ku, Tokyo, and", "4-18-2 Minami-Aoyama, Minato-ku, Tokyo"),
    ("Hanauer Landstraße 146, 60314 Frankfurt am Main, Germany", "Hanauer Landstraße 146, 60314 Frankfurt am Main"),
])
def test_international_and_romanised_addresses(text, expected):
    assert shown(text, C.ADDRESS) == [(C.ADDRESS, expected)]


# --- secrets and what is not a secret ----------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("aws_secret_access_key = r8Jq2Lw9VbN0tYc5Hx+eP3kDz7GmS1fUaQo6RiTn", "r8Jq2Lw9VbN0tYc5Hx+eP3kDz7GmS1fUaQo6RiTn"),
    ('WEBHOOK = "https://hooks.slack.com/services/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"',
     "https://hooks.slack.com/services/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"),
    ('const endpointSecret = "whsec_YUxjJEoloisRA6oDmAlDNVPgFVDf8icE"', "whsec_YUxjJEoloisRA6oDmAlDNVPgFVDf8icE"),
    ("mysql -h 10.20.2.30 -u root -p'Zq8$wnT4vLe1' sales", "Zq8$wnT4vLe1"),
    ("new one is c1e10294647e7b2a669fc0260c8e155b (the app key)", "c1e10294647e7b2a669fc0260c8e155b"),
])
def test_secret_values(text, value):
    assert (C.SECRET, value) in shown(text)


@pytest.mark.parametrize("text", [
    "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}",
    "password: <your-password>",
    "DB_PASSWORD = os.environ['DB_PASSWORD']",
    "db_password = settings.db_password",
    "const key = process.env.API_KEY",
    "api_key: YOUR_API_KEY",
    "password: ********",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "パスワードは12文字以上とし、英数字を混ぜること",
    'Error: "Invalid password: Permission denied"',
])
def test_placeholders_and_code_are_not_secrets(text):
    assert shown(text, C.SECRET) == []


# --- confidentiality markers and the same words as vocabulary ---------------------------------------

@pytest.mark.parametrize("text", [
    "【社外秘】2025年度 事業計画",
    "CONFIDENTIAL – Do not distribute\nRoadmap 2025",
    "この資料はInternal Onlyですが、要点を3行でまとめて",
    "本メールには機密情報が含まれています。宛先以外の方は破棄してください。",
])
def test_markers_on_the_material(text):
    assert shown(text, C.CONFIDENTIAL) != []


@pytest.mark.parametrize("text", [
    "機密保持契約（NDA）の片務型と双務型の違いを教えて",
    "情報の機密性・完全性・可用性について説明して",
    "「社外秘」と「部外秘」の違いは何ですか",
    'Confidential Information means any information disclosed by either party.',
    "We use Azure confidential computing for the enclave.",
    "機密性の区分は「公開」「社内限り」「社外秘」「極秘」の4段階とする。",
])
def test_vocabulary_is_not_a_marker(text):
    assert shown(text, C.CONFIDENTIAL) == []


# --- the detector that found each item is named in its reason -----------------------------------------

def test_reasons_name_the_rule_that_found_the_item():
    reasons = {f.text: f.reason for f in scan("[10:02] 田中 美咲: 了解\nName,Birthday\nPriya Nair,14 Mar")}
    assert "辞書" in reasons["田中 美咲"] or "発言者" in reasons["田中 美咲"]
    assert "「Birthday」列" in reasons["14 Mar"]  # found only because of the column header
    assert all(not r.startswith("risk.") for r in reasons.values())


def test_possible_findings_stay_hints():
    # A placeholder address and a documentation network range are shown as "possible" only.
    for text in ("MAIL_FROM=your.name@company.com", "cidr_blocks = [\"10.20.0.0/16\"]"):
        assert all(f.confidence is Confidence.LOW for f in scan(text))


def test_each_finding_names_its_kind_of_evidence():
    methods = {f.text: f.method for f in scan("[10:02] 田中 美咲: 了解\nName,Birthday\nPriya Nair,14 Mar\n"
                                             "マイナンバー 1234 5678 9018\nTel: +1 312-874-2291")}
    assert methods["田中 美咲"] in ("dictionary", "layout")
    assert methods["14 Mar"] == "table"
    assert methods["1234 5678 9018"] == "checksum"
    assert methods["+1 312-874-2291"] == "numbering_plan"


def test_each_address_pattern_has_its_gate():
    from portal.risk import international as intl

    assert len(intl._ADDRESS_RES) == len(intl._ADDRESS_GATES)
    assert "Minato-ku" in intl._ADDRESS_RES[intl._ROMAJI_INDEX].pattern or "chome" in intl._ADDRESS_RES[intl._ROMAJI_INDEX].pattern
    assert "號" in intl._ADDRESS_RES[intl._CHINESE_INDEX].pattern
    samples = ["1450 W Fulton St, Chicago, IL 60607", "Hanauer Landstraße 146, 60314 Frankfurt am Main",
               "12 rue de la Paix, 75002 Paris", "Södermannagatan 21, 116 40 Stockholm",
               "Rua Pernambuco, 1188, apto 31, Centro, Londrina - PR, 86020-121",
               "4170 Rue Saint-Denis, Montréal QC H2W 2M7", "Portland, OR 97202",
               "서울특별시 마포구 월드컵북로12길 34, 502호", "418 Teheran-ro, Gangnam-gu, Seoul 06180",
               "4-18-2 Minami-Aoyama, Minato-ku, Tokyo", "台北市信義區松高路68號12樓"]
    for i, sample in enumerate(samples):
        assert intl._ADDRESS_RES[i].search(sample), i
        assert intl._ADDRESS_GATES[i].search(sample), i


# --- account numbers and birth dates told by their layout ---------------------------------------

def test_a_zengin_transfer_record_shows_its_account_number():
    # Payroll transfer data (全銀フォーマット) pasted from the bank's upload file, no label anywhere.
    text = ("20005ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ  251ｼﾌﾞﾔ               10384716ﾓﾘ ﾐｻｷ                        0000286450\n"
            "2,0001,ﾐｽﾞﾎ,112,ｼﾝﾊﾞｼ,1,3328104,ﾔﾌﾞｷ ﾚｲﾅ,300000")
    assert [t for c, t in shown(text, C.BANK_ACCOUNT)] == ["0384716", "3328104"]


def test_an_order_line_with_codes_is_not_an_account():
    assert shown("2,0001,ミズホ,112,シンバシ,1,3328104,300000", C.BANK_ACCOUNT) == []
    assert shown("品番 20005 カラー 251 ブラック 10384716", C.BANK_ACCOUNT) == []


def test_a_japan_post_bank_symbol_and_number():
    assert [t for c, t in shown("Bank: Japan Post Bank  Account: 12180-39476511", C.BANK_ACCOUNT)] == ["12180-39476511"]
    assert [t for c, t in shown("受付番号 12345-67890123 で承りました", C.BANK_ACCOUNT)] == []


@pytest.mark.parametrize("text, value", [
    ("生年月日　　　昭和十一年三月三日\n住所　高森市", "昭和十一年三月三日"),
    ("被相続人：髙橋 德次郎（大正十五年五月五日生、令和６年８月２日死亡）", "大正十五年五月五日"),
    ("控除対象扶養親族\n　(1) 宮前 湊　長男　平成24年5月2日　個人番号：7702 9184 3360", "平成24年5月2日"),
    ("対象児童：五十嵐 こはる（令和２年５月７日）", "令和２年５月７日"),
])
def test_birth_dates_told_by_a_kanji_date_or_by_whose_they_are(text, value):
    assert value in [t for c, t in shown(text, C.DATE_OF_BIRTH)]


@pytest.mark.parametrize("text", [
    "会議は令和六年五月三日です",
    # a recent date after a name: a meeting or a hire, not a birthday
    "担当：五十嵐 こはる（{:%Y年%m月%d日}）".format(_dt.date.today() - _dt.timedelta(days=30)),
    "長男の入学式は4月です",
])
def test_dates_that_are_not_birth_dates(text):
    assert shown(text, C.DATE_OF_BIRTH) == []


def test_a_roster_column_without_a_header_is_names_when_most_of_it_is():
    # A rota pasted from Excel: the first column holds people; most are found by other evidence
    # (full names), so the surname-only cells of the same column are names too.
    text = ("シフト表を見やすくして\n"
            "| 職員 | 月 | 火 |\n|---|---|---|\n"
            "| 佐久間 律子 | 早 | 日 |\n| 野々村 健 | 夜 | 明 |\n| 森 | 日 | 夜 |\n| グエン | 遅 | 日 |")
    assert names(text) == ["佐久間 律子", "野々村 健", "森", "グエン"]


def test_a_column_of_words_next_to_names_is_not_names():
    text = ("日時,利用者名,操作\n2025/03/17 08:52,北村 修,承認\n2025/03/17 09:31,森 美咲,ロック解除依頼\n"
            "2025/03/18 10:02,大貫 誠,承認\n2025/03/18 10:05,寺内 彩,差戻し")
    assert names(text) == ["北村 修", "森 美咲", "大貫 誠", "寺内 彩"]


@pytest.mark.parametrize("text, expected", [
    ("Tue  Priya Raman / Oluwaseun Adeyemi", ["Priya Raman", "Oluwaseun Adeyemi"]),
    ("Emergency contact: Aditi's father, Sunil Kulkarni", ["Sunil Kulkarni"]),
])
def test_an_unknown_given_name_before_a_known_surname(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text", [
    "Room: Deluxe King, non-smoking, 4 nights",
    'This Agreement is entered into as of 1 October 2024 (the "Effective Date")',
    "Brightwell Health Ltd, 4 Grand Canal Square, Dublin 2",
    "Canada Post collects a handling fee",
])
def test_english_words_before_a_surname_are_not_a_name(text):
    assert names(text) == []


@pytest.mark.parametrize("text, expected", [
    # a LINE group pasted as it is: nicknames in hiragana before the colon
    ("あやか：重松さんとこ、今日契約もらえました！\nゆうじ：おめでと〜！\nあやか：承知です", ["あやか", "あやか"]),
    ("[12/01 20:14] まゆみ: こんばんは！\n[12/01 20:15] まゆみ: 土曜の午前とかどうですか？", ["まゆみ", "まゆみ"]),
    ("みゆき「こんばんは〜」\nみゆき「やっぱり長女の分だけ先に入りたいです」", ["みゆき", "みゆき"]),
    ("奥さん（さとみさん）が窓口。LINEの方が早い", ["さとみ"]),
])
def test_hiragana_names_in_chats_and_before_honorifics(text, expected):
    assert expected == [n for n in names(text) if n in expected]


def test_family_members_after_their_relation():
    text = "長男：蒼真（2015/06/27生）\n長女：心春（2017/09/15生）\n妻：ハツエ（1944.7.29生）\nMy wife Mei and I"
    found = names(text)
    assert {"蒼真", "心春", "ハツエ", "Mei"} <= set(found)


@pytest.mark.parametrize("text", [
    "妻：専業主婦\n長男：会社員（独身）\n長女：同居",
    "母の日のギフトを考えて。みなさんへの案内文も。",
    "まとめ：来週までに見積もりを出す\nおしらせ：社内イベントは中止です",
])
def test_relations_and_headings_without_a_name(text):
    assert names(text) == []


def test_a_birthday_column_without_years_and_a_slash_separated_list():
    text = "氏名\t誕生日\t送付先\n南 遥香\t1月23日\t福岡市中央区\n二宮 健\t3月2日\t福岡市城南区"
    assert [t for c, t in shown(text, C.DATE_OF_BIRTH)] == ["1月23日", "3月2日"]
    text = "氏名 / 生年月日 / 携帯\nKAWAHARA Shingo / 1984.10.21 / 090-3381-5527\nYuki Tominaga / 1990.04.07 / 080-9026-7710"
    assert [t for c, t in shown(text, C.DATE_OF_BIRTH)] == ["1984.10.21", "1990.04.07"]


def test_a_latin_name_next_to_its_own_email_address():
    text = ("name,email,instrument\nkengo osawa,k.osawa@kirameki-rd.co.jp,XRD\n"
            "minjun kim,minjun.kim@kirameki-rd.co.jp,SEM\nCc: Grace Park <grace.park@kumori.io>")
    assert {"kengo osawa", "minjun kim", "Grace Park"} <= set(names(text))


def test_a_two_column_form_template_is_not_a_name_column():
    text = "| 項目 | 記入 |\n|---|---|\n| 氏名 | <氏名（ローマ字）> |\n| 生年月日 | YYYY/MM/DD |\n| 国籍 | <国籍> |\n| 旅券番号 | <旅券番号> |"
    assert names(text) == []


@pytest.mark.parametrize("text", [
    "新幹線 東京→小倉（のぞみ・指定）22,220円、小倉→東京",
    "交通費\t27,480\t那覇⇔羽田 航空券",
    "便：LH715 羽田 11:25 → フランクフルト 18:10",
])
def test_surnames_that_are_places_on_a_route(text):
    assert names(text) == []


def test_people_on_both_sides_of_an_arrow_stay_names():
    assert "檜山" in names("次回：檜山→本人に社宅の候補を送る。檜山さんが担当")


@pytest.mark.parametrize("text", [
    "吉村洋文大阪府知事と横山英幸大阪市長の共同記者会見の要点をまとめて",
    "当日は北海道知事の鈴木直道氏も来場予定です",
    "ニッカウヰスキー創業者の竹鶴政孝とリタ夫人ゆかりの町",
])
def test_names_with_a_public_office_or_role_are_hints(text):
    assert names(text) == []


def test_a_name_never_reaches_back_over_a_line_break():
    # "$" in a look-back window also matches before a final newline: 遅 on the line above was taken as the surname.
    text = "グエン・ティ・ラン\t夜\t夜\t休\t早\t遅\n乙部 拓真\t遅\t休\t夜\t遅\t早"
    assert all("\n" not in n for n in names(text))
    assert "乙部 拓真" in names(text)


@pytest.mark.parametrize("text, expected", [
    ("Hello,\nThis is Siriporn Chaiyawat in room 1308.", ["Siriporn Chaiyawat"]),
    ("My name is Li Xiaoyu, a second-year master's student", ["Li Xiaoyu"]),
    ("This is Customer Service. From: Kumori Support <support@kumori.io>", []),
])
def test_english_self_introductions(text, expected):
    assert names(text) == expected


# --- identity documents written the way forms and cards print them (2026-12-04) -------------------

@pytest.mark.parametrize("text, value", [
    ("免許証番号：第 1 0 0 3 1 8 7 7 4 2 5 0 号\n免許の種類：中型", "1 0 0 3 1 8 7 7 4 2 5 0"),
    ("2028年01月01日まで有効\n免許の条件等 眼鏡等\n番号 第 6218 0633 4510 号\n大阪府公安委員会", "6218 0633 4510"),
    ("Primary driver: Yuka Imaizumi, California DL D4471829, additional driver", "D4471829"),
    ("米国運転免許：Illinois, F263-4418-7290, 取得 2009年6月", "F263-4418-7290"),
    ("Driver 2: Philippine license: N03-14-027551 (Professional)", "N03-14-027551"),
    ("秋山くんの免許、更新期限いつだっけ？ 番号は３０１９ ０４５２ ８７１０", "３０１９ ０４５２ ８７１０"),
])
def test_drivers_licences_japanese_and_foreign(text, value):
    assert (C.DRIVERS_LICENSE, value) in shown(text)


def test_a_software_licence_number_is_not_a_drivers_licence():
    assert shown("Our software license: 12345678 seats, renewal in May.", C.DRIVERS_LICENSE) == []


@pytest.mark.parametrize("text, value", [
    ("旧：藤沢市国民健康保険　保険者番号 142059　記号 藤沢　番号 0098213", "0098213"),
    ("利用者：百瀬 恒夫様（後期高齢　被保番号 ３９０１４８７２）", "３９０１４８７２"),
    ("健康保険: 協会けんぽ 記号番号 40120537-88（労災なので使わない）", "40120537-88"),
    ("National Health Insurance (Fujisawa) — Insured No. 0412376", "0412376"),
    ("| 氏名 | 健康保険 記号・番号 |\n| --- | --- |\n| 谷口 春香 | 3021・45 |", "3021・45"),
])
def test_health_insurance_numbers(text, value):
    assert (C.HEALTH_INSURANCE, value) in shown(text)


@pytest.mark.parametrize("text", [
    "雇用保険：被保険者番号 5012-384706-3（離職票は希望されないと伺っています）",
    "氏名\t雇用保険被保険者番号\t口座届\n黛 真司\t5012-384716-3\t済",
    "・負担割合（後期高齢者医療被保険者証の場合）\n・2024年12月2日以降は新規発行が終了",
])
def test_employment_insurance_numbers_and_years_are_not_health_insurance(text):
    found = shown(text)
    assert not any(c in (C.HEALTH_INSURANCE, C.BANK_ACCOUNT) for c, _t in found), found


def test_a_passport_machine_readable_zone():
    # ICAO 9303's specimen: number L898902C3 with its check digits, holder ERIKSSON ANNA MARIA.
    text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    found = [(f.category, f.text, f.method) for f in scan(text) if is_reported(f, POLICY)]
    assert (C.PASSPORT, "L898902C3", "checksum") in found
    assert (C.PERSON_NAME, "ERIKSSON<<ANNA<MARIA", "layout") in found


@pytest.mark.parametrize("text, value", [
    ("- Jean-Baptiste Moreau、フランス、passport 21AB47392、born 12/05/1968", "21AB47392"),
    ("Please send the passport copies. For our son we only have Shingo's: TK3019472.", "TK3019472"),
])
def test_passport_numbers_in_passport_talk(text, value):
    assert (C.PASSPORT, value) in shown(text)


def test_basic_pension_number_in_english():
    assert shown("Basic pension number: 5102-774839", C.PENSION_NUMBER) == [(C.PENSION_NUMBER, "5102-774839")]


@pytest.mark.parametrize("text, value", [
    ("NAS \\\\192.168.20.50\\pacs　ユーザー karte-bk　パスワード nasBk_7731qz\n・ルーターは別", "nasBk_7731qz"),
    ("【パスワード】10月分エスカレーション一覧\n先ほどのファイルのパスワードです。\nKcs#2410_esc!\n\n株式会社", "Kcs#2410_esc!"),
])
def test_passwords_at_the_end_of_a_line_or_on_the_next_line(text, value):
    assert (C.SECRET, value) in shown(text)


@pytest.mark.parametrize("text", [
    "env:\n  - name: KAFKA_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: kafka}",
    "conn = connect(\n    password=os.environ.get(\"DB_PASSWORD\"),\n    port=5432,\n)",
    "DATABASE_URL=postgres://user:<your-db-password>@localhost:5432/app\nLOG_LEVEL=info",
    "パスワードは以下のページで再設定してください。\nhttps://example.com/reset\n",
])
def test_the_line_after_a_password_in_code_or_prose_is_not_a_password(text):
    assert shown(text, C.SECRET) == []


# --- addresses and birth dates of other countries (2026-12-04) -------------------------------------

@pytest.mark.parametrize("text, value", [
    ("Address: Flat 402, Sai Krupa Residency, 17th Cross, HSR Layout Sector 2, Bengaluru 560102\nPassport No.: T6284913",
     "Flat 402, Sai Krupa Residency, 17th Cross, HSR Layout Sector 2, Bengaluru 560102"),
    ("Domicilio: Av. Insurgentes Sur 1602, Int. 804, Col. Crédito Constructor, 03940 Ciudad de México\nTeléfono: +52 55 5661 3390",
     "Av. Insurgentes Sur 1602, Int. 804, Col. Crédito Constructor, 03940 Ciudad de México"),
    ("Ship to: 1450 W 7th Ave, Vancouver, BC V6H 1C1, Canada / +1 604-738-2219", "1450 W 7th Ave, Vancouver, BC V6H 1C1, Canada"),
    ("住所：上海市浦东新区张杨路 1388 号 2 号楼 1502 室\n保証人", "上海市浦东新区张杨路 1388 号 2 号楼 1502 室"),
])
def test_the_value_of_an_address_label_in_any_country(text, value):
    assert (C.ADDRESS, value) in shown(text)


@pytest.mark.parametrize("text", [
    "Address: see below\nName: Ken",
    "Address: same as above (2 people)",
    "E-mail address: info@example.com, phone 03-1234-5678",
    "住所：同上（3名）",
])
def test_address_labels_without_an_address(text):
    assert shown(text, C.ADDRESS) == []


@pytest.mark.parametrize("text, value", [
    ("1-12-8 Shonandai, Fujisawa-shi,\nKanagawa 252-0804\nPhone: 090-5541-2087", "252-0804"),
    ("5 Utsubo-honmachi, Nishi-ku, Osaka\n550-0004 JAPAN", "550-0004"),
])
def test_postal_codes_of_romanised_japanese_addresses(text, value):
    assert (C.POSTAL_CODE, value) in shown(text)


@pytest.mark.parametrize("text, value", [
    ("Date of Birth: 14-Aug-1995 | Nationality: Indian", "14-Aug-1995"),
    ("Geburtsdatum: 23.05.1990\nAnschrift: Schönhauser Allee 148", "23.05.1990"),
    ("Fecha de nacimiento: 12/03/1988", "12/03/1988"),
])
def test_birth_dates_labelled_in_other_languages(text, value):
    assert (C.DATE_OF_BIRTH, value) in shown(text)


def test_a_release_date_is_not_a_birth_date():
    assert shown("Release on 14-Aug-1995 of the film, premiere 12/03/1996", C.DATE_OF_BIRTH) == []


# --- names that are samples, firms or hotels (2026-12-04) -----------------------------------------

@pytest.mark.parametrize("text", [
    "店番,科目,口座番号,名義カナ\n000,00,0000000,ﾃｽﾄ ﾀﾛｳ\n999,99,XXXXXXX,ﾃｽﾄ ﾊﾅｺ",
    "サンプルデータは「山田太郎」みたいなダミーで作ってOK。",
    "口座名義：ｿﾗﾘﾝｸ(ｶ",
    "S0041,1904278,ﾕ)ｶﾈｺｶﾅｶﾞﾀ,03-5812-4471",
    "横浜信用金庫 新羽支店 当座 0184376　ﾕｳｹﾞﾝｶﾞｲｼｬ ﾐﾂﾜｳﾝｿｳ",
    "Best regards,\nOliver Brandt\nBrandt Consulting GmbH\nHohenzollernring 12",
    "Hotel: Westin Bonaventure, 3 nights",
])
def test_sample_names_firms_and_hotels_are_not_people(text):
    found = names(text)
    assert found in ([], ["Oliver Brandt"]), found


def test_a_person_next_to_a_firm_still_counts():
    assert names("口座名義 ｽｽﾞｷ ｲﾁﾛｳ\n勤務先 (株)ミツワ運送") == ["ｽｽﾞｷ ｲﾁﾛｳ"]


@pytest.mark.parametrize("text, expected", [
    ("| Liu Yanan（刘亚楠） | 中国 |", ["Liu Yanan", "刘亚楠"]),
    ("・Okonkwo Chidi様（オコンクォ チディ様） 大人2名", ["Okonkwo Chidi", "オコンクォ チディ"]),
    ("Name: Priya Raghunathan / プリヤ・ラグナタン\nNationality: India", ["Priya Raghunathan", "プリヤ・ラグナタン"]),
    ("3. CHOI YUNA / 최유나 / 선임", ["CHOI YUNA", "최유나"]),
    ("氏名：张伟强（ZHANG WEIQIANG）", ["张伟强", "ZHANG WEIQIANG"]),
    ("Ken Tanaka（営業部）", ["Ken Tanaka"]),
    ("Dear Ken Tanaka (Sales),", ["Ken Tanaka"]),
])
def test_the_same_person_in_another_script(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("12/2 16:10 受電（受付：永田）", ["永田"]),
    ("Cardholder: Maria Santos\nExpiry: 09/27", ["Maria Santos"]),
    ("Name: Grace Park\nRoom: 1203", ["Grace Park"]),
    ("Guest: Deluxe King, 2 adults", []),
    ("From: Park Hyatt Tokyo", []),
])
def test_role_labels_before_names(text, expected):
    assert names(text) == expected


def test_a_bracket_around_an_international_number_is_not_part_of_it():
    assert shown("Emergency contact: Hannah Becker (+49 30 1234567)", C.PHONE) == [(C.PHONE, "+49 30 1234567")]


@pytest.mark.parametrize("text, value", [
    ("看護師の相楽 真弓さんが9月2日で誕生日なので、メッセージカードの文面を", "9月2日"),
    ("Rina: 12/9 is her birthday, let's plan a surprise", "12/9"),
])
def test_a_birthday_without_a_year_before_its_word(text, value):
    assert (C.DATE_OF_BIRTH, value) in shown(text)


@pytest.mark.parametrize("text", ["誕生日会は7/20に開催します", "7/20は誕生日会です", "7/20 birthday party at the office"])
def test_the_date_of_a_birthday_party_is_not_a_birth_date(text):
    assert shown(text, C.DATE_OF_BIRTH) == []


@pytest.mark.parametrize("text, value", [
    ("Maybe they call you to 0412 887 305.", "0412 887 305"),
    ("My NI number hasn't changed. Mobile is still 07700 914 382.\nThanks,", "07700 914 382"),
    ("Mrs Ishikawa can be reached on 0412 684 307.", "0412 684 307"),
])
def test_national_numbers_after_words_that_introduce_a_phone(text, value):
    assert (C.PHONE, value) in shown(text)


def test_office_markers_of_public_bodies_and_an_e_mail_confidentiality_notice():
    assert shown("庁外秘（議会前につき）\n【一般質問】答弁案", C.CONFIDENTIAL) == [(C.CONFIDENTIAL, "庁外秘")]
    footer = "--\nCONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for the addressee."
    assert shown(footer, C.CONFIDENTIAL) == [(C.CONFIDENTIAL, "CONFIDENTIALITY NOTICE")]


@pytest.mark.parametrize("text, expected", [
    ("license server: 10.40.5.10", ["10.40.5.10"]),  # "server:" once read as "ver:" (a version number)
    ("to reach your GridFTP server 133.51.76.40 on TCP 2811", ["133.51.76.40"]),
    ("INFO connector 2.10.0.3 host=HRSV01 (192.168.10.42)", ["192.168.10.42"]),
    ("OS: Windows 10.0.19045.5247 (WSL2 kernel 5.15.167.4)", []),
])
def test_addresses_after_server_and_versions_after_software_words(text, expected):
    assert [t for _c, t in shown(text, C.IP_ADDRESS)] == expected


@pytest.mark.parametrize("text, value", [
    ("DefaultEndpointsProtocol=https;AccountName=kumoristore;AccountKey=Zx8vQm1rT2kP0aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6w==;EndpointSuffix=core.windows.net",
     "Zx8vQm1rT2kP0aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6w=="),
    ("https://kumori.blob.core.windows.net/c/x.csv?sv=2022-11-02&sp=r&sig=Qm9vZ3hYc2VjcmV0U2lnbmF0dXJlMTIzNDU2Nzg5MA%3D%3D",
     "Qm9vZ3hYc2VjcmV0U2lnbmF0dXJlMTIzNDU2Nzg5MA%3D%3D"),
    ("docker login -u kumori -p dckr_pat_2b3e36beeb386dfdaacb9b46004ccb7c", "dckr_pat_2b3e36beeb386dfdaacb9b46004ccb7c"),
    ("Authorization: Basic a3Vtb3JpOlN1cGVyU2VjcmV0MjAyNCE=", "a3Vtb3JpOlN1cGVyU2VjcmV0MjAyNCE="),
    ("bot token 7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("export PGPASSWORD='Tr0ub4dor&3'", "Tr0ub4dor&3"),
])
def test_more_credential_formats(text, value):
    assert (C.SECRET, value) in shown(text)


@pytest.mark.parametrize("text", [
    "MYSQL_ROOT_PASSWORD=${MYSQL_ROOT_PASSWORD}",
    "DB_PASSWORD=changeme",
    "PGPASSWORD=$(cat /run/secrets/pg)",
    'export DB_PASSWORD="$DB_PASS"',
])
def test_environment_passwords_that_are_references(text):
    assert shown(text, C.SECRET) == []


def test_an_airline_booking_passport_line_and_form_of_identification():
    text = " 9 SSR DOCS NH HK1 P/JPN/TR8802147/JPN/19MAY88/F/11OCT32/KOBAYASHI/SAORI/P1\nFOID: PPM82746193"
    found = shown(text)
    assert (C.PASSPORT, "TR8802147") in found and (C.DATE_OF_BIRTH, "19MAY88") in found
    assert (C.PASSPORT, "M82746193") in found


def test_a_passport_after_pp_and_a_birth_date_in_a_machine_readable_zone():
    assert (C.PASSPORT, "K08812345") in shown("1. CHAN Tai Man 陳大文 HKSAR PP K08812345 DOB 02-Feb-1972")
    mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    assert (C.DATE_OF_BIRTH, "740812") in shown(mrz)


def test_an_account_number_label_is_not_a_phone_label():
    # "Account No.:" once matched the one-letter phone label "t" (+ "No.")
    assert shown("SWIFT: HSBCHKHHHKH\nAccount No.: 808-417733-838\nAmount: HKD 186,400.00") == [
        (C.BANK_ACCOUNT, "808-417733-838")]


@pytest.mark.parametrize("text, expected", [
    ("[14:31] 张经理: 您好，明天的团共28人\n[14:32] 张经理: 酒店是上海外滩", ["张", "张"]),
    ("[10:02] 박지훈(KR ops): 안녕하세요!\n[10:15] 박지훈(KR ops): 호텔", ["박지훈", "박지훈"]),
    ("18:06 柴田(鉄筋): 了解。\n18:10 石黒(工事): 検査は11時から", ["柴田", "石黒"]),
])
def test_chat_speakers_with_a_role_or_title(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text, expected", [
    ('{\n  "first_name": "Olivia",\n  "last_name": "Hartley",\n  "email": "olivia.hartley@x.com"\n}', ["Olivia", "Hartley"]),
    ('{"id": 88120, "display_name": "Ananya Krishnan"}', ["Ananya Krishnan"]),
    ('{"display_name": "Platform Bot"}', []),
    ('user:\n  firstName: "Test"\n  lastName: "User"', []),
    ("first_name,last_name,email,phone\nJohn,Doe,john.doe@example.com,\n太郎,山田,taro.yamada@example.jp,000-0000-0000", []),
    ("From: Michael Walker <watanabe_m@example.com>\nSubject: 見積", ["Michael Walker"]),
])
def test_name_fields_of_data_and_placeholder_rows(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Add one line on Geoffrey Hinton's 2024 Nobel Prize", []),
    ("スティーブジョブズの伝記を要約して", []),
    ("埼玉・東京で、安藤忠雄、隈研吾、丹下健三の建築を見られる場所", []),
    ("村上春樹の新作について、担当の村上さんに聞いてください", ["村上"]),
])
def test_public_figures_and_a_colleague_who_shares_a_surname(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("The group leader is Khun Wichai Chaiyaporn, he will carry the cash", ["Wichai Chaiyaporn"]),
    ("Bonjour Mme Claire Moreau,", ["Claire Moreau"]),
    ("2025/02/03 11:20 Ploy (Bangkok Sunrise): The group\n2025/02/03 11:21 Ploy (Bangkok Sunrise): His", ["Ploy", "Ploy"]),
    ("團員編號\t中文姓名\t英文姓名\nT01\t林志豪\tLIN CHIH-HAO\nT02\t張雅婷\tCHANG YA-TING", ["林志豪", "LIN CHIH-HAO", "張雅婷", "CHANG YA-TING"]),
])
def test_titles_speakers_and_columns_of_other_countries(text, expected):
    assert names(text) == expected


def test_the_holder_on_the_first_line_of_a_machine_readable_zone():
    text = "P<JPNISHII<<MAKOTO<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nTM4419027<3JPN8401092M3206158<<<<<<<<<<<<<<06"
    assert "ISHII<<MAKOTO" in names(text)


def test_a_space_separated_list_under_a_header_line():
    text = ("社員番号 氏名 ローマ字 生年月日 旅券\nS10244 堀内 哲也 HORIUCHI TETSUYA 1976/10/04 TK8819204\n"
            "S10317 菅原 美咲 SUGAWARA MISAKI 1993/03/27 TR2047736\n\n次の会議は 2024/03/27 です")
    found = shown(text)
    assert (C.DATE_OF_BIRTH, "1976/10/04") in found and (C.PASSPORT, "TR2047736") in found
    assert "ローマ" not in names(text) and "堀内 哲也" in names(text)
    assert (C.DATE_OF_BIRTH, "2024/03/27") not in found  # after the blank line the list has ended


def test_birth_dates_in_a_family_list_and_an_insiders_only_notice():
    text = "控除対象配偶者：石黒 典子　昭和46年11月2日　同居\n扶養親族：石黒 大翔（子）　平成17年4月18日"
    assert [t for c, t in shown(text, C.DATE_OF_BIRTH)] == ["昭和46年11月2日", "平成17年4月18日"]
    assert shown("担当：石黒 典子　2024年4月1日入社", C.DATE_OF_BIRTH) == []
    assert shown("杉浦\n\nこのメールは社内関係者限りです。転送はご遠慮ください。", C.CONFIDENTIAL) == [
        (C.CONFIDENTIAL, "社内関係者限り")]


@pytest.mark.parametrize("text, expected", [
    ("連絡先：080-4782-3391／090-2845-6719", ["080-4782-3391", "090-2845-6719"]),
    ("Tel +81 (0) 90 4782 3391", ["+81 (0) 90 4782 3391"]),
    ("(+81)90-4782-3391", ["(+81)90-4782-3391"]),
    ("Phone: 030 47823391 (Berlin office)", ["030 47823391"]),
    ("香港手提 9123 4567", ["9123 4567"]),
    ("2024/03/27 の会議、https://x.jp/03-5482-3391", []),
])
def test_more_ways_of_writing_phone_numbers(text, expected):
    assert [t for _c, t in shown(text, C.PHONE)] == expected


@pytest.mark.parametrize("text, value", [
    ("生年月日 19850305", "19850305"),
    ("D.O.B. 03-05-1985", "03-05-1985"),
    ("생년월일: 1985.03.05", "1985.03.05"),
])
def test_more_ways_of_writing_a_birth_date(text, value):
    assert shown(text, C.DATE_OF_BIRTH) == [(C.DATE_OF_BIRTH, value)]


def test_a_compact_date_without_a_birth_label_is_not_a_birth_date():
    assert shown("注文日 20240305、納品 20240312", C.DATE_OF_BIRTH) == []


@pytest.mark.parametrize("text, expected", [
    ("出席：谷 公一、Henrik Lindqvist（社外）", ["谷 公一", "Henrik Lindqvist"]),
    ("・Nguyen Thi Lan（ベトナム）在留カード", ["Nguyen Thi Lan"]),
    ("部屋\t氏名\t国籍\n1203\tCHAN Ka Wai\t香港\n1204\tLEE Min Ho\t韓国", ["CHAN Ka Wai", "LEE Min Ho"]),
    ("Dear Sakura Travel,", []),
    ("the maintenance window for Lee & Tan Dental customers", []),
])
def test_notes_countries_and_firms_next_to_names_are_not_names(text, expected):
    assert names(text) == expected


def test_a_katakana_cell_beside_a_name_in_a_csv_row_is_another_column():
    text = ("日時,端末,氏名,操作,IP,結果\n2025/03/18 02:14:27,HN-OPR05,森 美咲,ログイン,91.203.145.22,失敗\n"
            "2025/03/18 08:52:11,HN-ADM01,古賀 直人,ログイン,122.208.41.77,成功")
    assert names(text) == ["森 美咲", "古賀 直人"]


@pytest.mark.parametrize("text, expected", [
    ("氏名：松永 拓海\u3000ふりがな：まつなが たくみ\n生年月日：平成9年6月8日", ["松永 拓海", "まつなが たくみ"]),
    ("【お名前】西村 さくら\n【ふりがな】にしむら さくら\n【会社名】株式会社ひかり不動産", ["西村 さくら", "にしむら さくら"]),
    ("Surname/Ho: NGUYEN\nGiven names/Chu dem va ten: VAN HUNG\nDate of birth: 14/02/1996", ["NGUYEN", "VAN HUNG"]),
    ("First name: Required\nLast name: Test", []),
    ("ふりがなを振ってください", []),
])
def test_readings_and_name_lines_of_forms(text, expected):
    assert names(text) == expected
