"""The English edition: the same lessons, sections, questions, options and answers as the
Japanese one, checked by `portal validate`; ids shared, so progress and attempts are one set."""

from __future__ import annotations

import shutil

import pytest

from portal.config import REPO_ROOT
from portal.db import session_scope
from portal.learning import attempts, progress
from portal.learning.content import load_course
from portal.learning.editions import Edition, align, drift, edition_dirs, with_editions
from portal.learning.progress import Status
from portal.learning.quiz import correct_response, load_quizzes
from portal.learning.validate import validate_dirs
from quizkit import make_users
from test_validate import edit, run_validate

JA_CONTENT, JA_QUIZZES = REPO_ROOT / "content" / "ja", REPO_ROOT / "quizzes" / "ja"
EN_CONTENT, EN_QUIZZES = edition_dirs(JA_CONTENT, JA_QUIZZES, "en")


def edition(lang: str, content, quizzes) -> Edition:
    course = load_course(content)
    bank, problems = load_quizzes(quizzes)
    return Edition(lang, course, bank, course.problems + problems)


@pytest.fixture
def both(tmp_path):
    """A copy of both editions, laid out as shipped: content/{ja,en}, quizzes/{ja,en}."""
    for kind in ("content", "quizzes"):
        for lang in ("ja", "en"):
            shutil.copytree(REPO_ROOT / kind / lang, tmp_path / kind / lang)
    return tmp_path / "content" / "ja", tmp_path / "quizzes" / "ja"


def test_every_lesson_and_quiz_has_an_english_edition_with_the_same_structure():
    ja, en = edition("ja", JA_CONTENT, JA_QUIZZES), edition("en", EN_CONTENT, EN_QUIZZES)
    assert not en.problems
    assert [lesson.id for lesson in en.course.lessons] == [lesson.id for lesson in ja.course.lessons]
    assert len(en.course.lessons) == 17 and set(en.quizzes) == set(ja.quizzes)
    assert len(en.course.required_lessons) == 13  # 14-17 are optional in both editions
    assert drift(ja.course, ja.quizzes, en.course, en.quizzes, "en/") == []
    for lesson in en.course.lessons:  # an English edition is English (kana would mean an untranslated part)
        prose = lesson.plain_text()
        kana = sum("\u3040" <= ch <= "\u30ff" for ch in prose)
        assert kana < 40, f"{lesson.path.name}: {kana} kana characters"


def test_a_drifted_english_quiz_is_reported_with_file_question_and_field(both):
    content, quizzes = both
    en_quiz = quizzes.parent / "en" / "03-vs-conventional.yaml"
    edit(en_quiz, "    answer: b\n", "    answer: a\n")  # parameter-scale-claim: the key changed
    edit(en_quiz, "  - id: post-training\n", "  - id: post-training-en\n")  # a question renamed
    lines = [str(p) for p in validate_dirs(content, quizzes) if p.severity == "error"]
    assert "en/03-vs-conventional.yaml [parameter-scale-claim] answer: answer: 'a' here, 'b' in the Japanese quiz" in lines
    assert "en/03-vs-conventional.yaml [post-training] id: question missing (it is in the Japanese quiz)" in lines
    assert "en/03-vs-conventional.yaml [post-training-en] id: question not in the Japanese quiz" in lines
    proc = run_validate(content, quizzes)
    assert proc.returncode == 1
    assert "en/03-vs-conventional.yaml [parameter-scale-claim] answer" in proc.stderr


def test_drifted_options_and_sections_are_reported(both):
    content, quizzes = both
    edit(quizzes.parent / "en" / "07-cloud-local.yaml", "{id: nolag,", "{id: no-lag,")
    edit(content.parent / "en" / "12-rag.md", "{#demerits}", "{#drawbacks}")
    lines = [str(p) for p in validate_dirs(content, quizzes) if p.severity == "error"]
    assert any(line.startswith("en/07-cloud-local.yaml [cloud-benefits] options: option ids") for line in lines), lines
    assert any(line.startswith("en/12-rag.md sections: sections differ from the Japanese lesson (missing demerits")
               for line in lines), lines


def test_a_missing_translation_is_reported(both):
    content, quizzes = both
    (content.parent / "en" / "06-ambiguity.md").unlink()
    lines = [str(p) for p in validate_dirs(content, quizzes) if p.severity == "error"]
    assert "en/06-ambiguity.md id: lesson 'ambiguity' has no translation" in lines


def test_a_drifted_english_quiz_is_served_in_japanese_so_grading_stays_right(both):
    content, quizzes = both
    edit(quizzes.parent / "en" / "03-vs-conventional.yaml", "    answer: b\n", "    answer: a\n")
    ja = edition("ja", content, quizzes)
    served = align(ja, edition("en", *edition_dirs(content, quizzes, "en")))
    assert served.quizzes["vs-conventional"] is ja.quizzes["vs-conventional"]
    assert served.quizzes["rag"].path.parent.name == "en"
    assert served.quizzes["rag"].version == ja.quizzes["rag"].version  # one quiz, one version
    assert any(p.item == "parameter-scale-claim" for p in served.problems)


def test_reading_the_english_lesson_completes_the_lesson_and_attempts_count_in_both_languages(db_url):
    ja = edition("ja", JA_CONTENT, JA_QUIZZES)
    en = align(ja, edition("en", EN_CONTENT, EN_QUIZZES))
    en_lesson, ja_lesson = en.course.get("vs-conventional"), ja.course.get("vs-conventional")
    assert en_lesson.path.parent.name == "en" and en_lesson.version != ja_lesson.version
    user = make_users(db_url, 1)[0]
    with session_scope(db_url) as s:
        progress.mark_read(s, user, en_lesson)  # read in English (lesson 3)
    quiz = en.quizzes["vs-conventional"]  # answered in English
    with session_scope(db_url) as s:
        attempt = attempts.start_attempt(s, user, quiz)
        responses = {qid: correct_response(quiz.question(qid)) for qid in attempt.question_ids}
        attempts.submit(s, user, quiz, attempt.id, responses, "k-en")
    with session_scope(db_url) as s:
        in_english = progress.course_states(s, user, en.course)["vs-conventional"]
        in_japanese = progress.course_states(s, user, ja.course)["vs-conventional"]
    assert in_english.status == in_japanese.status == Status.COMPLETED
    assert in_japanese.attempts == 1 and in_japanese.passed
    # the Japanese page knows its translation's version: reading in English is reading the current lesson
    ja_served = with_editions(ja, en).course
    with session_scope(db_url) as s:
        assert progress.course_states(s, user, ja_served)["vs-conventional"].read_current
        assert not progress.course_states(s, user, ja.course)["vs-conventional"].read_current  # without the link
