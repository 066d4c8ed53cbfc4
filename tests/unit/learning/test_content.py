"""The shipped curriculum: every lesson loads and validates, and each topic of the course is there.

The keyword lists are a floor, derived from the source article (shared seed
``llm-basics-article.txt``): each numbered topic of the article must be present in the lesson
that teaches it. A tuple means "any of these spellings".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import REPO_ROOT
from portal.learning.content import load_course, load_lesson
from portal.learning.quiz import load_quizzes
from portal.learning.validate import validate_dirs

CONTENT = REPO_ROOT / "content" / "ja"
QUIZZES = REPO_ROOT / "quizzes" / "ja"
PORTAL_CLI = Path(sys.executable).parent / "portal"

# lesson id -> keywords that must appear in its text (front matter included)
CURRICULUM: dict[str, list[str | tuple[str, ...]]] = {
    "what-is-llm": [
        ("Large Language Model", "Large Language Models"), "大規模言語モデル", "機械学習", "深層学習", "生成AI",
        "Transformer", "2017", "Google", "自己注意", "GPT", "OpenAI", "Gemini", "LLaMA", "Meta", "Claude",
        "Anthropic", "SLM", "Phi-3", "Microsoft", "拡散モデル", "DALL-E", "Stable Diffusion",
        # Stable Diffusion's credits (issue #17): the research group and the two companies
        "CompVis", "Stability AI", "Runway",
    ],
    "research-areas": [
        "基礎理解", ("モデルの構築", "モデル構築"), "チューニング", "ファインチューニング", "プロンプトエンジニアリング",
        "RAG", "倫理", "バイアス", "アプリケーション", "自己注意", "トークナイゼーション", "交差検証",
        "チャットボット", "翻訳", "要約",
        # how LLMs themselves are evaluated (cross-validation is not it)
        "ベンチマーク", "人による評価",
    ],
    "vs-conventional": [
        "スケール", "文脈", "自己注意", "事前学習", "ファインチューニング", ("多用途", "多用途性"), "GPT-3",
        ("数十億", "数千億"), ("インプット", "入力"), ("アウトプット", "出力"), "自然言語", ("アルゴリズム", "ロジック"),
        "翻訳", "要約",
        # post-training and the 1兆+ estimate that lesson 04 gives
        "事後学習", "指示チューニング", "RLHF", "1兆を超える",
    ],
    "parameters": [
        "パラメータ", "GPT-4", "1兆", "1.8兆", "Gemini Ultra", "1.56兆", "Llama 3.1", ("4050億", "405B"),
        "FP16", "FP8", "INT4", "80億", "700億", "H100", "640", "RTX 4070", "RTX 4080", "12GB", "GPT-4o",
        # the nine figures of the Llama 3.1 memory table
        "16GB", "8GB", "4GB", "140GB", "70GB", "35GB", "810GB", "405GB", "203GB",
        # estimates marked as such, dated, and the GPU part optional
        "非公表", "推定", "2024年時点", "発展",
    ],
    "how-generation-works": [
        "日本で一番高い山は", "富士山", "確率", "ハルシネーション", ("不完全なデータ", "データが不完全"),
        ("文脈の誤解", "文脈を誤解", "文脈を取り違え"), "創造性", "正確性", "トレードオフ", "Temperature", "Top-p",
    ],
    "ambiguity": [
        "あいまい", ("要件", "頼み方"), "ドメイン知識", ("言語化", "言葉にする", "言葉にして"), "保険", "与信", "野菜", "メール",
        "定型", ("補い合う", "補完"), "誤り", "ホワイトカラー", "社内データ", "データ基盤",
    ],
    "cloud-local": [
        "クラウド", "ローカル", "スケーラビリティ", "コスト", "プライバシー", "レイテンシー", ("メンテナンス", "保守"),
        "カスタマイズ", "GPT-4o", "Claude 3.5", "Gemini 1.5 Pro", "GPT-4o mini", "Gemini 1.5 Flash",
        "Apple Intelligence", "3B", "Phi Silica", "3.3B", "Gemini Nano", "Copilot+",
        # the article's list kept as dated, with what superseded it
        "2024年時点", "2025年",
    ],
    "risks": [
        # the 8 risks inherited from conventional AI
        "バイアス", "差別", "フィルターバブル", "エコーチェンバー", "多様性", "個人情報", "生命", "身体", "財産",
        "データ汚染", "ブラックボックス", "エネルギー", "環境",
        # the 7 risks that generative AI made prominent
        "悪用", "機密情報", "ハルシネーション", ("鵜呑み", "鵜吞み", "うのみ"), "偽情報", "誤情報", "著作権", "資格",
        "バイアスの再生成",
        # the taxonomy credited
        "AI事業者ガイドライン", "総務省", "経済産業省",
    ],
    "countermeasures": [
        "批判的", "プライバシー", "個人情報", "機密情報", "倫理", "フィードバック", "教育", "研修",
    ],
    "future-of-work": [
        "80%", "10%", ("5人に1人", "1/5"), "半分", "米国", ("初心者", "新人"), ("熟練者", "ベテラン"),
        "競争力", "仕事の記録", "協業",
        # the figures' source, date and meaning
        "Eloundou", "2023", "exposure",
    ],
    "adoption-steps": [
        "ステップ1", "ステップ2", "ステップ3", "セキュリティ", ("秘密情報", "機密情報"), "社内文書", "下書き",
        "要約", "顧客情報", "API",
    ],
    "rag": [
        "Retrieval-Augmented Generation", "検索", "ナレッジ", ("独自", "会社固有"), "ハルシネーション", "最新",
        "多様な視点", ("リアルタイム", "変化の速い"), "データ整備", "古い",
    ],
    "data-management": [
        "RAG", "データマネジメント", ("発見しやすく", "見つけやすく"), "理解しやすい", "アクセスしやすく", "統合",
        "クレンジング", ("冗長", "重複"), "タグ", "メタデータ", "分類", "整理", "BI", "教育",
    ],
    # optional lessons beyond the source article (issue #16): the topics and the documents they name
    "ai-guidelines": [
        "AI事業者ガイドライン", "経済産業省", "総務省", "第1.0版", "第1.1版", "2024年4月", "2025年3月", "AI開発者",
        "AI提供者", "AI利用者", "ソフトロー", "リスクベースアプローチ", "人間中心", "AIガバナンス",
    ],
    "personal-data": [
        "個人情報保護法", "利用目的", "第17条", "第18条", "第三者提供", "第27条", "要配慮個人情報",
        "個人情報保護委員会", "2023年6月2日", "生成AIサービスの利用に関する注意喚起等", "機械学習",
    ],
    "copyright": [
        "第30条の4", "情報解析", "享受", "著作権者の利益を不当に害する", "AIと著作権に関する考え方について", "文化庁",
        "2024年3月", "類似性", "依拠性", "学習データ", "作風",
    ],
    "prompt-injection": [
        "プロンプトインジェクション", "直接", "間接プロンプトインジェクション", "OWASP", "LLM01", "2025",
        "AIエージェント", "最小権限", "人による確認", "LLM06",
    ],
}
BEYOND_SOURCE = ("ai-guidelines", "personal-data", "copyright", "prompt-injection")


@pytest.fixture(scope="module")
def course():
    return load_course(CONTENT)


def test_portal_validate_reports_nothing_on_the_shipped_content():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_DATA_DIR"] = str(REPO_ROOT / "data")
    proc = subprocess.run([str(PORTAL_CLI), "validate"], capture_output=True, text=True, env=env,
                          cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ""
    assert "問題はありません" in proc.stdout


@pytest.mark.parametrize("path", sorted(CONTENT.glob("*.md")), ids=lambda p: p.stem)
def test_every_lesson_file_loads_without_problems(path):
    lesson, problems = load_lesson(path)
    assert problems == []
    assert lesson is not None
    assert lesson.sections, "a lesson needs '## Title {#id}' sections"
    assert lesson.meta.objectives and lesson.meta.takeaways
    assert path.stem.endswith(lesson.id)  # 01-what-is-llm.md holds lesson what-is-llm


def test_course_is_complete_in_order_and_every_lesson_has_a_quiz(course):
    quizzes, problems = load_quizzes(QUIZZES)
    assert problems == [] and course.problems == []
    assert [lesson.id for lesson in course.lessons] == list(CURRICULUM)
    assert [lesson.meta.order for lesson in course.lessons] == list(range(1, len(CURRICULUM) + 1))
    for lesson in course.lessons:
        assert lesson.meta.quiz_id in quizzes, lesson.id
        assert quizzes[lesson.meta.quiz_id].meta.lesson_id == lesson.id
    assert validate_dirs(CONTENT, QUIZZES) == []


@pytest.mark.parametrize("lesson_id", list(CURRICULUM))
def test_each_topic_of_the_curriculum_is_taught(course, lesson_id):
    lesson = course.get(lesson_id)
    assert lesson is not None, f"lesson {lesson_id} is missing"
    text = lesson.path.read_text(encoding="utf-8")
    missing = []
    for keyword in CURRICULUM[lesson_id]:
        options = keyword if isinstance(keyword, tuple) else (keyword,)
        if not any(option in text for option in options):
            missing.append(" / ".join(options))
    assert missing == [], f"{lesson.path.name} does not mention: {', '.join(missing)}"


def test_risks_lesson_lists_fifteen_risks_in_two_groups(course):
    risks = course.get("risks")
    titles = [s.title for s in risks.sections]
    assert any("8" in title for title in titles) and any("7" in title for title in titles), titles


def test_parameters_lesson_embeds_the_model_table_and_the_memory_calculator(course):
    lesson = course.get("parameters")
    assert [b.text for b in lesson.blocks if b.kind == "widget"] == ["model-table", "memory-calculator"]
    assert [b.text for b in course.get("cloud-local").blocks if b.kind == "widget"] == ["model-table"]


def test_the_gpu_sizing_is_marked_optional_and_not_quizzed(course):
    """Lesson 04's GPU sizing is 発展 (optional): its sections say so and no quiz question points to them."""
    lesson = course.get("parameters")
    optional = [s for s in lesson.sections if s.title.startswith("発展")]
    assert {s.id for s in optional} == {"memory-table", "hardware-examples"}
    quizzes, _ = load_quizzes(QUIZZES)
    assert [q.id for q in quizzes["parameters"].questions if q.section in {s.id for s in optional}] == []


@pytest.mark.parametrize("lesson_id", list(CURRICULUM))
def test_every_lesson_dates_its_facts_names_its_sources_and_has_practice(course, lesson_id):
    meta = course.get(lesson_id).meta
    assert meta.as_of and meta.sources and meta.reflection
    if lesson_id in BEYOND_SOURCE:  # optional, marked as beyond the article, with its own (official) sources
        assert meta.beyond_source and not meta.required
        assert not any("シナプス技術者ブログ" in s for s in meta.sources)
        assert all(re.search(r"\d{4}年", s) or "法律" in s for s in meta.sources), meta.sources  # dated, or a statute
    else:  # the source article, credited in every lesson of the article; they count for completion
        assert any("シナプス技術者ブログ" in s for s in meta.sources)
        assert meta.required and not meta.beyond_source
    assert meta.practice is not None and 3 <= meta.practice.minutes <= 5


def test_dated_model_table_marks_undisclosed_parameter_counts():
    from portal.learning.models_table import load_model_table

    table = load_model_table(CONTENT).table
    rows = {m.name: m for m in table.models}
    assert rows["Gemini 1.0 Ultra"].disclosure == "非公表" and "推定" in rows["Gemini 1.0 Ultra"].parameters
    assert rows["GPT-4"].disclosure == "非公表" and "推定" in rows["GPT-4"].parameters
    assert rows["Llama 3.1 405B"].disclosure == "公表"
    assert any(m.released >= "2025-01" for m in table.models if m.access == "cloud")  # not only 2023-24 models


def test_content_version_changes_with_the_file(tmp_path):
    src = CONTENT / "01-what-is-llm.md"
    copy = tmp_path / src.name
    copy.write_bytes(src.read_bytes())
    first, _ = load_lesson(copy)
    again, _ = load_lesson(copy)
    assert first.version == again.version
    copy.write_text(src.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    edited, _ = load_lesson(copy)
    assert edited.version != first.version
