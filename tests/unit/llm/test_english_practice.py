"""The practice model and grounded mode of the English edition."""

from __future__ import annotations

from portal.config import REPO_ROOT
from portal.i18n import use_lang
from portal.llm import PracticeModel, Retriever, build_grounded_messages, load_course_passages, load_lesson_texts


def test_the_english_model_continues_the_mountain_sentence_with_mount_fuji_most_often_but_not_always():
    model = PracticeModel.train(load_lesson_texts(REPO_ROOT / "content" / "en"), lang="en")
    rows = model.next_token_distribution("The highest mountain in Japan is", k=5)
    tokens = [r.token for r in rows]
    assert tokens[0] == " Mount"  # one token per word, with its leading space
    assert 0.4 < rows[0].prob_before < 0.9
    assert " Kitadake" in tokens  # a plausible wrong mountain has a real chance
    text = model.complete("The highest mountain in Japan is", seed=3, max_tokens=8)
    assert text.strip() and "  " not in text  # words joined by their own spaces
    assert not any("\u3040" <= ch <= "\u9fff" for ch in text)  # English lessons, English demo corpus


def test_the_japanese_model_is_unchanged_by_the_english_edition():
    model = PracticeModel.train(load_lesson_texts(REPO_ROOT / "content" / "ja"))
    assert model.next_token_distribution("日本で一番高い山は、", k=1)[0].token == "富士山"


def test_grounded_mode_in_english_searches_the_english_lessons_and_asks_for_an_english_answer():
    retriever = Retriever(load_course_passages(str(REPO_ROOT / "content" / "en")))
    hits = retriever.search("What are the drawbacks of RAG?", k=3)
    assert hits and hits[0][0].lesson_id == "rag"
    with use_lang("en"):
        system = build_grounded_messages("What are the drawbacks of RAG?", hits)[0]["content"]
    assert "Answer in English" in system
    assert "日本語" not in system
