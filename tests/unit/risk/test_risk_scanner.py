"""What the learner sees in the checklist for typical (and tricky) prompts."""

from portal.risk import Category, Confidence, RiskPolicy, masked_by_default, scan

C = Category


def found(text, policy=None):
    return [(f.category, f.text, f.confidence) for f in scan(text, policy)]


def cats(text, policy=None, min_conf=Confidence.MEDIUM):
    return [(f.category, f.text) for f in scan(text, policy) if f.confidence.rank >= min_conf.rank]


def test_card_number_glued_to_kana_is_found():
    text = "カード番号3530111333300000です"
    fs = scan(text)
    assert [(f.category, f.text) for f in fs] == [(C.CREDIT_CARD, "3530111333300000")]
    assert fs[0].confidence is Confidence.LOW  # a published JCB test number
    real = "カード番号4980123412341232で決済"  # Visa prefix, Luhn valid, not a test number
    assert cats(real) == [(C.CREDIT_CARD, "4980123412341232")]


def test_card_with_full_width_digits_highlights_the_typed_characters():
    text = "カード：４９８０－１２３４－１２３４－１２３２"
    (f,) = scan(text)
    assert f.category is C.CREDIT_CARD
    assert text[f.start : f.end] == "４９８０－１２３４－１２３４－１２３２"


def test_sixteen_digits_failing_luhn_are_not_a_card():
    assert cats("伝票番号 4980123412341233 を確認") == []


def test_my_number_needs_a_label_for_high_confidence():
    labelled = scan("マイナンバーは1234 5678 9018です")
    assert [(f.category, f.confidence) for f in labelled] == [(C.MY_NUMBER, Confidence.HIGH)]
    assert "チェックディジット" in labelled[0].reason and "マイナンバー" in labelled[0].reason
    bare = scan("番号 123456789018 を控える")
    assert [(f.category, f.confidence) for f in bare] == [(C.MY_NUMBER, Confidence.LOW)]
    assert masked_by_default(bare, RiskPolicy()) == []


def test_order_number_label_wins_over_a_my_number_label_further_away():
    text = "マイナンバー：123456789018\n注文番号：123456789018"
    fs = scan(text)
    assert [(f.category, f.start) for f in fs] == [(C.MY_NUMBER, 7)]


def test_phone_formats():
    for phone in ["090-3344-5566", "０９０ー３３４４ー５５６６", "03(6825)1100", "+81-80-2211-3344", "045 212 3456"]:
        text = f"連絡先は{phone}です"
        fs = scan(text)
        assert [(f.category, f.text) for f in fs] == [(C.PHONE, phone)], phone


def test_invalid_phone_and_placeholder_numbers_are_not_masked():
    assert cats("電話 090-123-456") == []
    fs = scan("例: 03-1234-5678 のような形式")
    assert all(f.confidence is Confidence.LOW for f in fs)


def test_birth_date_needs_a_birth_label_and_a_real_date():
    assert cats("生年月日：昭和60年5月3日") == [(C.DATE_OF_BIRTH, "昭和60年5月3日")]
    assert cats("1990年4月1日生まれ") == [(C.DATE_OF_BIRTH, "1990年4月1日")]
    assert cats("Date of birth: March 5, 1985") == [(C.DATE_OF_BIRTH, "March 5, 1985")]
    assert cats("会議は2024年5月10日です") == []
    assert cats("生年月日：平成31年5月1日") == []  # 平成 ended on 30 April 2019
    assert cats("生年月日：1985年2月30日") == []


def test_a_date_after_another_label_is_not_a_birth_date():
    text = "生年月日 1985-03-05 / 入社日 2015-04-01"
    assert cats(text) == [(C.DATE_OF_BIRTH, "1985-03-05")]


def test_identity_numbers_need_their_labels():
    assert cats("パスポート番号：TK1234567") == [(C.PASSPORT, "TK1234567")]
    assert cats("品番 TK1234567") == []
    assert cats("運転免許証番号 301234567890") == [(C.DRIVERS_LICENSE, "301234567890")]
    assert cats("口座番号：1234567") == [(C.BANK_ACCOUNT, "1234567")]
    assert cats("在庫 1234567 個") == []


def test_address_and_postal_code():
    text = "〒160-0023 東京都新宿区西新宿2丁目8番1号"
    assert cats(text) == [(C.POSTAL_CODE, "160-0023"), (C.ADDRESS, "東京都新宿区西新宿2丁目8番1号")]
    assert cats("大阪府で工場用地を探す") == []


def test_japanese_names_with_honorifics_and_labels():
    assert cats("田中太郎さんに連絡") == [(C.PERSON_NAME, "田中太郎")]
    assert cats("担当: 高橋 一郎") == [(C.PERSON_NAME, "高橋 一郎")]
    assert cats("出席者：石川、内田、千葉") == [(C.PERSON_NAME, "石川"), (C.PERSON_NAME, "内田"), (C.PERSON_NAME, "千葉")]
    assert cats("営業部の山本です") == [(C.PERSON_NAME, "山本")]


def test_organisation_and_place_words_are_not_names():
    for text in ["株式会社山田商事様", "営業部長に確認", "お客様各位", "皆さん、お疲れ様です", "渋谷駅で集合", "仕様を確認", "同様の事例"]:
        assert [f for f in scan(text) if f.category is C.PERSON_NAME] == [], text


def test_english_names_by_title_and_context():
    text = "Dear Emily Clark,\nMr. Suzuki will join.\nBest regards,\nJohn Smith"
    assert cats(text) == [(C.PERSON_NAME, "Emily Clark"), (C.PERSON_NAME, "Suzuki"), (C.PERSON_NAME, "John Smith")]
    assert cats("Dear Customer,\nThanks.") == []


def test_secrets():
    key = "sk-proj-" + "a1B2c3D4" * 5
    fs = cats(f"OPENAI_API_KEY={key}\npassword: Qw3rty!2024")
    assert fs == [(C.SECRET, key), (C.SECRET, "Qw3rty!2024")]
    assert cats("パスワードは定期的に変更しましょう") == []


def test_confidential_markers_and_organisation_terms():
    assert cats("【社外秘】売上資料") == [(C.CONFIDENTIAL, "社外秘")]
    assert cats("機密性・完全性・可用性") == []
    policy = RiskPolicy(organization_terms=["Project Aurora", "ミライテック"])
    fs = cats("project aurora の件でミライテック社と会議", policy)
    assert fs == [(C.CONFIDENTIAL, "project aurora"), (C.CONFIDENTIAL, "ミライテック")]


def test_ip_addresses_but_not_versions():
    assert cats("接続元 192.168.10.5 から") == [(C.IP_ADDRESS, "192.168.10.5")]
    assert cats("バージョン 1.2.3.4 に更新") == []
    assert cats("999.1.1.1") == []


def test_disabled_categories_are_not_reported():
    policy = RiskPolicy(disabled_categories={C.EMAIL})
    assert cats("taro@example.co.jp", policy) == []


def test_finding_repr_never_shows_the_value():
    (f,) = scan("連絡先 090-3344-5566")
    assert "3344" not in repr(f) and "3344" not in str(f)


def test_reasons_are_japanese_by_default():
    (f,) = scan("taro.yamada@example.co.jp")
    assert f.reason == "メールアドレスの形式です"


def test_every_reason_resolves_to_catalog_text():
    from pathlib import Path

    from portal.risk.evaluation import load_corpus

    corpus = load_corpus(Path(__file__).resolve().parents[2] / "data" / "risk_corpus.jsonl")
    seen = set()
    for rec in corpus:
        for f in scan(rec["text"]):
            assert not f.reason.startswith("risk."), f.reason
            assert "{" not in f.reason, f.reason
            seen.add(f.reason)
    assert len(seen) > 20


def test_concurrent_scans_in_threads_agree():
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"担当の佐藤様（携帯 090-3344-{5500 + i}）、マイナンバー 123456789018" for i in range(40)]
    expected = [[(f.category, f.start, f.end) for f in scan(t)] for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: [(f.category, f.start, f.end) for f in scan(t)], texts))
    assert got == expected
    assert all(len(e) == 3 for e in expected)
