"""The certificate through the real app script (AppTest): offered on 成績 once every required lesson is
completed, with its code; the public /verify page confirms that code, also signed out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from portal.config import REPO_ROOT
from portal.db import session_scope
from portal.db.models import LessonProgress, QuizAttempt
from portal.learning.content import load_course
from support.apptest import goto

COURSE = load_course(REPO_ROOT / "content" / "ja")


def complete_everything(url: str, user_id: int, lessons=None) -> None:
    when = datetime(2026, 11, 30, 3, tzinfo=timezone.utc)
    with session_scope(url) as s:
        for lesson in COURSE.lessons if lessons is None else lessons:
            s.add(LessonProgress(user_id=user_id, lesson_id=lesson.id, content_version=lesson.version,
                                 opened_at=when, read_at=when))
            if lesson.meta.quiz_id:
                s.add(QuizAttempt(user_id=user_id, quiz_id=lesson.meta.quiz_id, quiz_version="v", question_ids=[],
                                  seed=1, status="submitted", started_at=when - timedelta(minutes=5),
                                  submitted_at=when, score=1.0, passed=True, attempt_no=1))


def texts(at, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


def test_results_page_offers_the_certificate_only_after_completion_and_verify_confirms_it(portal):
    user = portal.user()
    at = goto(portal.signed_in(), "results")
    assert not at.exception
    assert any("すべての必修レッスンを修了すると" in c for c in texts(at, "caption"))
    assert not [b for b in at.get("download_button") if "修了証" in b.proto.label]

    complete_everything(portal.url, user.id)
    at = goto(at, "results")
    assert not at.exception
    ready = next(m for m in texts(at, "success") if "修了証をダウンロードできます" in m)
    assert "2026年11月30日" in ready
    code = ready.rsplit("確認コード: ", 1)[1].strip()
    assert [b.proto.label for b in at.get("download_button")] == ["修了証をダウンロード(PDF)"]

    public = goto(portal.app(), "verify", code=code)  # a fresh browser, signed out
    assert not public.exception
    verdict = texts(public, "success")
    assert verdict and "有効" in verdict[0] and "学習 花子" in verdict[0]

    wrong = goto(portal.app(), "verify", code="0000-0000-0000-000")
    assert any("16 文字です" in e for e in texts(wrong, "error"))


def test_the_required_lessons_alone_complete_the_course_and_earn_the_certificate(portal):
    """Lessons 14-17 are optional (任意): a learner who completed the 13 required ones only sees the
    course completed (13 / 13, 100 %, no 続きから学ぶ) and gets the certificate."""
    user = portal.user()
    required = COURSE.required_lessons
    assert len(required) == 13 < len(COURSE.lessons)
    complete_everything(portal.url, user.id, required[:-1])
    at = portal.signed_in()
    (bar,) = at.get("progress")
    assert bar.proto.text == "修了 12 / 13 レッスン(92%)"
    assert any(b.label == f"続きから学ぶ:{required[-1].title}" for b in at.button)  # not an optional lesson

    complete_everything(portal.url, user.id, required[-1:])
    at = portal.signed_in()
    (bar,) = at.get("progress")
    assert bar.proto.text == "修了 13 / 13 レッスン(100%)"
    assert any("すべての必修レッスンを修了しました" in m for m in texts(at, "success"))
    assert not any(b.label.startswith("続きから学ぶ") for b in at.button)
    at = goto(at, "results")
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["修了証をダウンロード(PDF)"]
