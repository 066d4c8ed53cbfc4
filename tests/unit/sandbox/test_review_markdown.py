"""The checklist as shown: escaping user text for st.markdown, highlighting findings, the
findings table without raw values, self-check items, masking; and the prompt templates."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sandboxkit import EMAIL, MY_NUMBER, RISKY

from portal.risk import RiskPolicy
from portal.sandbox import SandboxRefused, check_text, escape_markdown, highlight_markdown, templates
from portal.sandbox.files import MAX_FILE_BYTES, compose_prompt, decode_text_file
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
    # the number, category and judgement follow each highlight in text: colour is not the only carrier
    assert f":orange-background[{escape_markdown(EMAIL)}]:orange[**①メールアドレス・要確認**]" in md
    assert f":red-background[{MY_NUMBER}]:red[**②マイナンバー・送信不可**]" in md
    assert md.count("-background[") == 2
    english = check.markdown("en")
    assert ":orange[**① E\\-mail address\\, Needs attention**]" in english


def test_a_label_in_a_highlight_is_escaped_like_user_text():
    md = highlight_markdown("abc", [(0, 3, "warn", "*種類*:red[x]")])
    assert md == ":orange-background[abc]:orange[**①\\*種類\\*:\u2060red\\[x\\]**]"


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
    assert [r.method_label for r in rows] == ["形式のパターン", "チェックディジット"]  # how each was found
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


# --- attached text files ---------------------------------------------------------------------------


def test_attached_files_are_decoded_and_appended_under_their_name():
    sjis = "議事録: 来期の研修計画".encode("cp932")
    prompt = compose_prompt("要約して", [("memo.txt", sjis), ("b.md", "\ufeff# 見出し\r\n本文".encode("utf-8"))])
    assert prompt == "要約して\n\n[添付ファイル: memo.txt]\n議事録: 来期の研修計画\n\n[添付ファイル: b.md]\n# 見出し\n本文"


def test_binary_and_oversized_files_are_refused_with_a_message():
    with pytest.raises(SandboxRefused, match="テキストファイルではない"):
        decode_text_file("x.txt", b"PK\x03\x04\x00\x00")
    with pytest.raises(SandboxRefused, match="大きすぎます"):
        decode_text_file("big.txt", b"a" * (MAX_FILE_BYTES + 1))


def test_personal_data_in_an_attached_file_is_found_by_the_checklist():
    prompt = compose_prompt("この名簿を整理して", [("list.csv", RISKY.encode("utf-8"))])
    assert check_text(prompt, RiskPolicy()).blocked
