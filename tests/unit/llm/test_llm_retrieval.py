"""Retrieval for grounded mode: lesson splitting, BM25 ranking, grounded messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.llm import Passage, Retriever, build_grounded_messages, load_course_passages, passages_from_markdown
from portal.llm.capabilities import model_capabilities

CONTENT_DIR = Path(__file__).resolve().parents[3] / "content" / "ja"

LESSON = """---
id: risks
title: LLMのリスク
---
はじめに、このレッスンの目的を説明します。

## 個人情報の扱い {#privacy}

マイナンバーや顧客の電話番号を**生成AI**に入力してはいけません。

```text
## これは見出しではありません
```

## ハルシネーション {#hallucination}

もっともらしい誤りを出力することがあります。

| 項目 | 説明 |
|---|---|
| 確認 | 元の資料と照らし合わせる |
"""

PASSAGES = [
    Passage("risks", "privacy", "リスク — 個人情報", "マイナンバーや顧客の電話番号を生成AIに入力してはいけません。"),
    Passage("how", "hallucination", "しくみ — ハルシネーション", "生成AIは事実と異なる内容をもっともらしく書くことがあります。"),
    Passage("how", "sampling", "しくみ — temperature", "temperatureを上げると回答が多様になります。"),
    Passage("cloud", "local", "クラウドとローカル", "ローカルで動かすLLMにはメモリが必要です。"),
]


def test_lesson_is_split_on_level_two_headings():
    passages = passages_from_markdown("risks", "LLMのリスク", LESSON)
    assert [p.section_id for p in passages] == ["intro", "privacy", "hallucination"]
    privacy = passages[1]
    assert privacy.title == "LLMのリスク — 個人情報の扱い"
    assert privacy.ref == "risks#privacy"
    assert "マイナンバー" in privacy.text and "**" not in privacy.text
    assert "これは見出しではありません" not in privacy.text  # code block content dropped
    assert "id: risks" not in passages[0].text  # front matter ignored
    assert "元の資料と照らし合わせる" in passages[2].text  # table rows are searchable


def test_question_about_my_number_finds_the_privacy_passage():
    hits = Retriever(PASSAGES).search("マイナンバーを入力してもいいですか？", k=2)
    assert hits[0][0].ref == "risks#privacy"
    assert hits[0][1] > (hits[1][1] if len(hits) > 1 else 0)


def test_search_only_returns_passages_sharing_a_term_and_respects_k():
    retriever = Retriever(PASSAGES)
    assert retriever.search("経費精算の締め日", k=3) == []
    assert len(retriever.search("生成AI", k=1)) == 1
    assert retriever.search("", k=3) == []


def test_compound_and_part_both_match():
    hits = Retriever(PASSAGES).search("ローカルLLMのメモリ")
    assert hits[0][0].ref == "cloud#local"


def test_grounded_messages_number_the_sources_and_ask_for_citations():
    hits = Retriever(PASSAGES).search("マイナンバー", k=2)
    assert [p.ref for p, _ in hits] == ["risks#privacy"]
    messages = build_grounded_messages(
        "マイナンバーを入力してよいですか？", hits + [(PASSAGES[1], 0.2), (PASSAGES[3], 0.1)]
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    system = messages[0]["content"]
    assert "[1] リスク — 個人情報" in system
    assert "[2]" in system and "[3] クラウドとローカル" in system
    assert "[1] のように" in system  # asks the model to cite
    assert "資料には記載がありません" in system
    assert messages[1]["content"] == "マイナンバーを入力してよいですか？"


def test_practice_model_is_flagged_as_unable_to_answer_from_sources():
    assert model_capabilities("practice-mini", "practice").supports_grounding is False
    assert model_capabilities("gpt-4o-mini", "openai").supports_grounding is True


def test_course_question_about_my_number_finds_the_risk_lessons():
    if not any(CONTENT_DIR.glob("*.md")):
        pytest.skip("content/ja has no lessons yet")
    passages = load_course_passages(str(CONTENT_DIR))
    retriever = Retriever(passages)
    hits = retriever.search("マイナンバーを生成AIに入力してもいいですか？", k=3)
    assert hits[0][0].lesson_id in {"risks", "countermeasures", "personal-data"}  # 15: personal data in prompts
    assert "マイナンバー" in hits[0][0].text
    fuji = retriever.search("日本で一番高い山は？", k=1)
    assert fuji[0][0].lesson_id == "how-generation-works"
