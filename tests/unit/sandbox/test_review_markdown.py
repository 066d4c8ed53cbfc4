"""The checklist as shown: escaping user text for st.markdown, highlighting findings, the
findings table without raw values, self-check items, masking; and the prompt templates."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from sandboxkit import EMAIL, MY_NUMBER, RISKY

from portal.risk import RiskPolicy
from portal.sandbox import check_text, escape_markdown, highlight_markdown, templates
from portal.sandbox.markdown import number_mark

_PUNCT = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(md: str) -> str:
    """What a CommonMark renderer shows for text that escape_markdown produced."""
    text = md.replace("  \n", "\n")
    text = _PUNCT.sub(r"\1", text)
    return text.replace("\u2060", "").replace("\u00a0", " ")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\u2060\u00a0"), max_size=80))
def test_escaped_text_reads_back_as_the_original(text):
    shown = unescape(escape_markdown(text))
    assert shown == text.replace("\t", "    ")


def test_markdown_and_streamlit_syntax_in_user_text_stays_literal():
    md = escape_markdown("# 見出し\n**太字** :red[赤] :smile: $x$ <b>x</b> [リンク](http://x) a@b.jp\n    code")
    assert ":red[" not in md and ":smile:" not in md  # no directive, no emoji short code
    assert "\\*\\*太字\\*\\*" in md and "\\$x\\$" in md and "\\<b\\>" in md
    assert md.startswith("\\# 見出し")
    assert "\n\u00a0\u00a0\u00a0\u00a0code" in md  # indentation kept without becoming a code block


def test_findings_are_highlighted_by_level_with_numbers():
    check = check_text(RISKY, RiskPolicy())
    md = check.markdown()
    assert f":orange-background[{escape_markdown(EMAIL)}]:orange[**①**]" in md
    assert f":red-background[{MY_NUMBER}]:red[**②**]" in md
    assert md.count("-background[") == 2


def test_overlapping_spans_are_highlighted_once():
    md = highlight_markdown("abcdef", [(0, 4, "block"), (2, 6, "warn")])
    assert md == ":red-background[abcd]:red[**①**]ef"
    assert number_mark(21) == "(21)"


def test_the_findings_table_has_reasons_and_confidence_but_no_raw_values():
    check = check_text(RISKY, RiskPolicy())
    rows = check.rows()
    assert [(r.category_label, r.level_label, r.confidence_label) for r in rows] == [
        ("メールアドレス", "要確認", "確度 高"),
        ("マイナンバー", "送信不可", "確度 高"),
    ]
    assert "チェックディジットが一致し" in rows[1].reason
    assert all(MY_NUMBER not in str(r) and EMAIL not in str(r) for r in rows)
    assert MY_NUMBER not in repr(check) and EMAIL not in repr(check)


def test_self_check_items_put_the_relevant_ones_first():
    items = check_text(RISKY, RiskPolicy()).self_check()
    assert items[0].relevant and 4 <= len(items)
    assert any("マイナンバー" in item.text for item in items if item.relevant)


def test_masked_text_replaces_blocking_and_warning_findings():
    check = check_text(RISKY, RiskPolicy())
    assert check.masked_text("label") == "〈メールアドレス〉 に返信を書いて。私のマイナンバーは 〈マイナンバー〉 です。"
    assert MY_NUMBER not in check.masked_text("partial")


def test_every_template_pair_passes_the_checklist_and_differs():
    items = templates()
    assert len(items) >= 4 and items[0].vague == "見積のメールを書いて。"  # the course's own example
    for tpl in items:
        for text in (tpl.vague, tpl.improved):
            check = check_text(text, RiskPolicy())
            assert check.clear and not check.decision.masked_by_default, (tpl.id, check.categories)
        assert len(tpl.improved) > 2 * len(tpl.vague) and tpl.point
