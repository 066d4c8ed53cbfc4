"""Masking operators, the sending decision, storage summaries and self-check items."""

import pytest

from portal.risk import (
    Category,
    MaskOperator,
    Outcome,
    RiskPolicy,
    decide,
    mask,
    masked_by_default,
    scan,
    self_check_items,
    summarize,
)

C = Category
TEXT = "田中さんと佐藤さんへ。田中さんの携帯は090-3344-5566、メールは tanaka.taro@example.co.jp です。"


def test_label_operator():
    out = mask(TEXT, scan(TEXT), MaskOperator.LABEL)
    assert out == "〈人名〉さんと〈人名〉さんへ。〈人名〉さんの携帯は〈電話番号〉、メールは 〈メールアドレス〉 です。"


def test_partial_operator_keeps_shape_but_hides_values():
    out = mask(TEXT, scan(TEXT), "partial")
    assert "090-****-5566" in out
    assert "t**********@example.co.jp" in out
    for f in scan(TEXT):
        assert f.text not in out


def test_pseudonyms_are_consistent_within_a_prompt():
    out = mask(TEXT, scan(TEXT), MaskOperator.PSEUDONYM)
    assert out.startswith("人物Aさんと人物Bさんへ。人物Aさんの携帯は電話番号A")


def test_redaction_removes_everything():
    out = mask(TEXT, scan(TEXT), MaskOperator.REDACT)
    assert "田中" not in out and "090" not in out and "@" not in out
    assert out.count("■■■") == 5


def test_mask_rejects_findings_from_another_text_without_leaking_it():
    fs = scan(TEXT)
    with pytest.raises(ValueError) as exc:
        mask("全く別のテキスト", fs)
    assert "もう一度" in str(exc.value)
    assert "090" not in str(exc.value)


def test_decision_blocks_on_block_categories():
    fs = scan("マイナンバー：123456789018、担当 佐藤さん")
    d = decide(fs)
    assert d.outcome is Outcome.BLOCKED
    assert [f.category for f in d.blocking] == [C.MY_NUMBER]
    assert [f.category for f in d.needs_acknowledgement] == [C.PERSON_NAME]
    assert not d.send_anyway_allowed


def test_decision_needs_acknowledgement_for_warn_categories():
    d = decide(scan("佐藤さんに 090-3344-5566 で連絡"))
    assert d.outcome is Outcome.NEEDS_ACKNOWLEDGEMENT and d.send_anyway_allowed
    d = decide(scan("佐藤さんに 090-3344-5566 で連絡"), RiskPolicy(allow_send_anyway=False))
    assert d.outcome is Outcome.BLOCKED


def test_possible_findings_never_block_and_are_not_masked_by_default():
    fs = scan("番号 123456789018 を控える")  # valid check digit, no label
    d = decide(fs)
    assert d.outcome is Outcome.CLEAR and d.can_send
    assert len(d.possible) == 1 and d.masked_by_default == ()
    assert masked_by_default(fs) == []


def test_masked_text_is_clear():
    text = "佐藤様 カード 4980123412341232 パスワード: Qw3rty!2024"
    masked = mask(text, masked_by_default(scan(text)))
    assert decide(scan(masked)).outcome is Outcome.CLEAR


def test_policy_is_editable_and_validated():
    p = RiskPolicy.model_validate({"block_categories": ["EMAIL"], "organization_terms": [" A社 ", "a社", ""]})
    assert p.block_categories == {C.EMAIL}
    assert p.organization_terms == ["A社"]
    assert decide(scan("taro@example.co.jp"), p).outcome is Outcome.BLOCKED
    with pytest.raises(ValueError, match="200文字"):
        RiskPolicy(organization_terms=["x" * 201])
    assert RiskPolicy.model_validate_json(p.model_dump_json()) == p


def test_corporate_numbers_are_information_only():
    fs = scan("法人番号 7000012050002 の会社")
    assert [f.category for f in fs] == [C.CORPORATE_NUMBER]
    assert decide(fs).outcome is Outcome.CLEAR


def test_summary_has_counts_only():
    fs = scan(TEXT)
    summary = summarize(fs)
    assert summary == {"EMAIL": 1, "PERSON_NAME": 3, "PHONE": 1}
    assert "田中" not in repr(summary) and "090" not in repr(summary)


def test_self_check_items_are_japanese_and_relevant_first():
    items = self_check_items(scan("【社外秘】資料"))
    assert items[0].id == "no_confidential_documents" and items[0].relevant
    assert any("事実確認" in it.text for it in items)
    assert all(it.text and not it.text.startswith("risk.") for it in items)
