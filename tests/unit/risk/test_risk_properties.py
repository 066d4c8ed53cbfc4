"""Property tests: offsets, masking, and linear behaviour on adversarial input."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.risk import MaskOperator, mask, scan
from portal.risk.validators import luhn_complete, my_number_check_digit

# Filler that cannot create new personal data by itself: kana, punctuation, spaces.
FILLER = st.text(alphabet="あいうえおかきくけこの、。 \nアイウエオー・（）「」", max_size=12)


@st.composite
def values(draw):
    kind = draw(st.sampled_from(["phone", "card", "mynumber", "email", "name", "ip", "secret", "fullwidth_phone"]))
    if kind == "phone":
        return "電話 0" + draw(st.sampled_from(["90", "80", "70"])) + "-" + str(draw(st.integers(2000, 9899))) + "-" + str(draw(st.integers(1000, 9899)))
    if kind == "fullwidth_phone":
        s = "090-" + str(draw(st.integers(2000, 9899))) + "-" + str(draw(st.integers(1000, 9899)))
        return "携帯" + s.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    if kind == "card":
        return "カード" + luhn_complete("4980" + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=11, max_size=11))))
    if kind == "mynumber":
        body = str(draw(st.integers(10_000_000_000, 99_999_999_999)))
        return "マイナンバー" + body + str(my_number_check_digit(body))
    if kind == "email":
        return draw(st.sampled_from(["taro", "hanako.s", "k_ito"])) + str(draw(st.integers(1, 999))) + "@example.co.jp"
    if kind == "name":
        return draw(st.sampled_from(["田中", "佐藤", "鈴木", "高橋"])) + draw(st.sampled_from(["さん", "様"]))
    if kind == "ip":
        return "接続元 10." + ".".join(str(draw(st.integers(0, 255))) for _ in range(3))
    return "password: Zx" + str(draw(st.integers(1000, 99999))) + "!q"


@st.composite
def prompts(draw):
    parts = [draw(FILLER)]
    for _ in range(draw(st.integers(1, 5))):
        parts.append(draw(values()))
        parts.append(draw(FILLER) + "。")
    return "".join(parts)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prompts())
def test_offsets_point_at_the_matched_text_in_the_original(text):
    for f in scan(text):
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.text
        assert f.text == f.text.strip()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prompts(), st.sampled_from(list(MaskOperator)))
def test_masking_never_leaves_a_flagged_value(text, operator):
    findings = scan(text)
    out = mask(text, findings, operator)
    for f in findings:
        if len(f.text) >= 2:
            assert f.text not in out


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode_never_breaks_the_scanner(text):
    for f in scan(text):
        assert text[f.start : f.end] == f.text


def test_one_megabyte_of_adversarial_input_completes():
    # Long runs that tempt backtracking: digits with separators, e-mail-like runs without '@',
    # kanji runs before honorifics, label words and dates everywhere.
    rnd = random.Random(7)
    pieces = [
        "1-" * 2000,
        "a" * 5000 + "@",
        "a." * 3000,
        "漢" * 5000 + "さん",
        "マイナンバー" * 500,
        "0" * 10000,
        "1 " * 4000,
        "生年月日" + "1985年" * 2000,
        "-----BEGIN PRIVATE KEY-----" + "A" * 20000,
        "sk-" + "a" * 5000,
        "password: " + "x" * 3000,
        "東京都" * 1000 + "1-1",
        "::" * 3000,
        "Dear " + "Abc " * 2000,
    ]
    text = []
    size = 0
    while size < 1_000_000:
        p = rnd.choice(pieces)
        text.append(p)
        size += len(p)
    big = "".join(text)[:1_000_000]
    findings = scan(big)
    assert all(big[f.start : f.end] == f.text for f in findings)
