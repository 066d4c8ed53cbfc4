"""Normalisation keeps a map back to what the learner typed."""

from portal.risk.normalize import normalize


def test_full_width_digits_become_ascii_with_identical_offsets():
    n = normalize("電話：０９０ー１２３４ー５６７８です")
    assert n.text == "電話:090-1234-5678です"
    s = n.text.index("090")
    assert n.to_original(s, s + 13) == (3, 16)


def test_expanding_characters_map_back_to_the_whole_original_character():
    original = "㈱テスト　ﾏｲﾅﾝﾊﾞｰ１２"
    n = normalize(original)
    assert n.text == "(株)テスト マイナンバー12"
    # "(株)" is three normalised characters for one original character.
    assert n.to_original(0, 3) == (0, 1)
    assert n.to_original(1, 2) == (0, 1)
    s = n.text.index("マイナンバー")
    os_, oe = n.to_original(s, s + len("マイナンバー"))
    assert original[os_:oe] == "ﾏｲﾅﾝﾊﾞｰ"
    s = n.text.index("12")
    os_, oe = n.to_original(s, s + 2)
    assert original[os_:oe] == "１２"


def test_dashes_are_normalised_only_between_digits():
    n = normalize("03−1234‐5678 と ーー と 東京ー大阪")
    assert n.text.startswith("03-1234-5678")
    assert "ーー" in n.text and "東京ー大阪" in n.text


def test_plain_text_is_returned_unchanged():
    n = normalize("普通のテキストです。")
    assert n.identity and n.text == "普通のテキストです。"
