"""The dashboard's summary tables: kept by the writers exactly as a rebuild from the facts would
compute them, used only when they fit the course and the filter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user, set_active
from portal.db import session_scope
from portal.db.models import AppSetting, QuizAttempt
from portal.learning import attempts, progress
from portal.learning.quiz import correct_response
from portal.sandbox import events
from portal.sandbox.events import EventFields
from portal.stats import queries as q
from portal import summaries
from portal.stats import rebuild as summary
from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.overview import overview
from portal.stats.quiz_stats import quiz_analytics
from portal.stats.sandbox_usage import sandbox_stats


def _dump(url: str) -> dict[str, list[tuple]]:
    """Every summary row, floats rounded (sums may be added in another order)."""
    def norm(v):
        return round(v, 9) if isinstance(v, float) else v

    out = {}
    with session_scope(url, readonly=True) as s:
        for table in summaries.TABLES:
            rows = s.execute(select(*table.c)).all()
            out[table.name] = sorted(tuple(norm(v) for v in row) for row in rows
                                     if not (table is summaries.sandbox_stats and row.requests == 0))
    return out


def _take(url, user, quiz, right: bool) -> int:
    with session_scope(url) as s:
        attempt = attempts.start_attempt(s, user, quiz)
        responses = {qid: correct_response(quiz.question(qid)) if right or qid == "q3" else None
                     for qid in attempt.question_ids}
        return attempts.submit(s, user, quiz, attempt.id, responses, f"{user.id}-{attempt.id}").attempt_id


def test_the_writers_keep_the_summaries_equal_to_a_rebuild_from_the_facts(db_url, content):
    course, quizzes = content
    shape = CourseShape.of(course, quizzes)
    lesson_a, lesson_b = course.lessons
    qa = quizzes["qa"]
    with session_scope(db_url) as s:
        summary.rebuild(s, shape)  # empty, but built: from now on the writers keep it
        people = [create_user(s, SYSTEM, name=f"社員 {i}", email=f"u{i}@example.com", employee_id=f"E{i}",
                              department="営業部") for i in range(3)]
    for i, user in enumerate(people):
        with session_scope(db_url) as s:
            progress.open_lesson(s, user, course, lesson_a)
            if i < 2:
                progress.mark_read(s, user, lesson_a)
        for k in range(i + 1):  # user i fails i times... then passes on the last try (user 0 passes at once)
            _take(db_url, user, qa, right=(k == i))
    with session_scope(db_url) as s:
        progress.mark_read(s, people[2], lesson_b)  # read without opening first
        progress.mark_read(s, people[0], lesson_a)  # again: nothing changes
    # sandbox use: sends whose final values replace the first ones, ratings given and changed
    with session_scope(db_url) as s:
        first = events.add_event(s, people[0].id, EventFields(mode="chat", provider="practice", model="m",
                                                              outcome="incomplete", prompt_tokens=10))
        events.update_event(s, first, EventFields(mode="chat", provider="practice", model="m", outcome="ok",
                                                  prompt_tokens=10, completion_tokens=30, latency_ms=120.0,
                                                  risk_categories={"EMAIL": 1, "PHONE": 2}, risk_action="masked"))
        events.rate_event(s, people[0], first, 1)
        events.rate_event(s, people[0], first, 0)
        blocked = events.add_event(s, people[1].id, EventFields(mode="compare", provider="practice", model="m",
                                                                outcome="blocked", risk_action="blocked",
                                                                risk_categories={"MY_NUMBER": 1}))
        events.add_event(s, people[1].id, EventFields(mode="chat", provider="openai", model="x", outcome="error",
                                                      error_kind="quota"))
        events.rate_event(s, people[1], blocked, None)

    kept = _dump(db_url)
    assert len(kept["lesson_summaries"]) == 4
    assert len(kept["sandbox_user_days"]) == 2 and len(kept["activity_days"]) == 3
    with session_scope(db_url) as s:
        numbers = [a.attempt_no for a in s.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == people[2].id).order_by(QuizAttempt.id))]
        summary.rebuild(s, shape)
    assert numbers == [1, 2, 3]
    assert _dump(db_url) == kept

    # and the dashboard reads the same figures from the summaries as from the facts
    with session_scope(db_url) as s:
        fast = quiz_analytics(s, SYSTEM, course, quizzes, StatsFilter())
        fast_ov = overview(s, SYSTEM, course, quizzes, StatsFilter())
        fast_sb = sandbox_stats(s, SYSTEM, StatsFilter())
        s.delete(s.get(AppSetting, summary.SUMMARY_KEY))
    with session_scope(db_url) as s:
        assert summary.source(s, shape, StatsFilter()) == q.FACTS
        slow = quiz_analytics(s, SYSTEM, course, quizzes, StatsFilter())
        slow_ov = overview(s, SYSTEM, course, quizzes, StatsFilter())
        slow_sb = sandbox_stats(s, SYSTEM, StatsFilter())
    assert fast.questions.round(9).equals(slow.questions.round(9))
    assert fast.attempts_to_pass.equals(slow.attempts_to_pass)
    assert fast_ov.per_lesson.equals(slow_ov.per_lesson)
    assert fast_ov.active.equals(slow_ov.active) and int(fast_ov.active["active"].sum()) == 3
    for name in ("by_period", "by_department", "by_kind", "ratings", "risks", "actions", "quota"):
        a, b = getattr(fast_sb, name), getattr(slow_sb, name)
        assert a.reset_index(drop=True).equals(b.reset_index(drop=True)), (name, a, b)
    assert (fast_sb.requests, fast_sb.tokens, fast_sb.flagged, fast_sb.blocked) == (3, 40, 2, 1)
    assert sorted(map(tuple, fast_sb.ratings[["rating", "requests"]].astype(object).values.tolist()),
                  key=str) == [(0, 1), (None, 2)]
    assert fast_ov.per_lesson.set_index("lesson_id")["completed"].to_dict() == {"lesson-a": 2, "lesson-b": 1}
    assert fast.attempts_to_pass.set_index("needed")["learners"].to_dict() == {1: 1, 2: 1, 3: 1}


def test_summaries_are_used_only_when_built_for_this_course_and_the_filter_allows(db_url, content):
    course, quizzes = content
    shape = CourseShape.of(course, quizzes)
    today = date.today()
    with session_scope(db_url) as s:
        people = [create_user(s, SYSTEM, name=f"社員 {i}", email=f"u{i}@example.com", employee_id=f"E{i}",
                              department="営業部" if i < 3 else "開発部") for i in range(4)]
        assert summary.source(s, shape, StatsFilter()) == q.FACTS  # never built
        assert summary.ensure(s, shape) is True
        assert summary.ensure(s, shape) is False  # already built
    with session_scope(db_url) as s:
        now = summary.source(s, shape, StatsFilter())
        assert (now.lesson_summaries, now.day_stats) == (True, True)
        # a range that ended days ago needs the state as of then: facts for the lesson cells
        past = summary.source(s, shape, StatsFilter(end=today - timedelta(days=2)))
        assert (past.lesson_summaries, past.day_stats, past.ready) == (False, True, True)
        # one learner of four: the facts of that learner are cheaper than subtracting three
        assert summary.source(s, shape, StatsFilter(departments=("開発部",))).day_stats is False
        # three of four: subtracting the one outside is cheaper
        assert summary.source(s, shape, StatsFilter(departments=("営業部",))).day_stats is True
        set_active(s, SYSTEM, people[0].id, False)
        set_active(s, SYSTEM, people[1].id, False)
    with session_scope(db_url) as s:  # one of four left inside
        assert summary.source(s, shape, StatsFilter(departments=("営業部",))).day_stats is False


def test_a_quiz_moved_to_another_lesson_falls_back_to_the_facts_until_rebuilt(db_url, content):
    course, quizzes = content
    shape = CourseShape.of(course, quizzes)
    with session_scope(db_url) as s:
        summary.rebuild(s, shape)
    lesson_a, lesson_b = course.lessons
    moved = replace(course, lessons=(replace(lesson_a, meta=lesson_a.meta.model_copy(update={"quiz_id": None})),
                                     replace(lesson_b, meta=lesson_b.meta.model_copy(update={"quiz_id": "qa"}))))
    qa = quizzes["qa"]
    moved_quizzes = {"qa": replace(qa, meta=qa.meta.model_copy(update={"lesson_id": lesson_b.id}))}
    new_shape = CourseShape.of(moved, moved_quizzes)
    with session_scope(db_url) as s:
        assert not summary.ready(s, new_shape)
        assert summary.source(s, new_shape, StatsFilter()) == q.FACTS
        assert summary.ensure(s, new_shape)
        assert summary.ready(s, new_shape)
    # a lesson naming a quiz that belongs to another lesson: never summarised (facts only)
    broken = CourseShape.of(moved, quizzes)
    with session_scope(db_url) as s:
        assert not summary.consistent(broken)
        assert summary.source(s, broken, StatsFilter()) == q.FACTS
        assert summary.ensure(s, broken) is False


def test_score_bins_in_python_match_the_sql_bins():
    # the writer bins in Python, a rebuild in SQL: the edges must agree exactly
    edges = [0.0, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 1.0, 1 / 3, 2 / 3, 0.0999999999, 0.29999999999]
    assert [summaries.score_bin(x) for x in edges] == [0, 1, 2, 3, 7, 8, 9, 9, 3, 6, 1, 3]


def test_local_date_is_the_japanese_calendar_day():
    assert summaries.local_date(datetime(2026, 3, 5, 15, 0, tzinfo=timezone.utc)) == date(2026, 3, 6)
    assert summaries.local_date(datetime(2026, 3, 5, 14, 59, tzinfo=timezone.utc)) == date(2026, 3, 5)


def test_rows_of_a_lesson_no_longer_in_the_course_are_ignored(db_url, content):
    from portal.summaries import LessonSummary
    from portal.stats.people import people

    course, quizzes = content
    shape = CourseShape.of(course, quizzes)
    with session_scope(db_url) as s:
        learner = create_user(s, SYSTEM, name="社員", email="u@example.com", employee_id="E1", department="営業部")
    with session_scope(db_url) as s:
        progress.mark_read(s, learner, course.lessons[1])  # lesson B has no quiz: completed
        summary.rebuild(s, shape)
        at = datetime(2026, 3, 1, tzinfo=timezone.utc)
        s.add(LessonSummary(user_id=learner.id, lesson_id="retired-lesson", opened_at=at, read_at=at, attempts=1,
                            passed=True, best_score=1.0, last_at=at))
    with session_scope(db_url) as s:
        assert summary.source(s, shape, StatsFilter()).lesson_summaries
        ov = overview(s, SYSTEM, course, quizzes, StatsFilter())
        table = people(s, SYSTEM, course, quizzes, StatsFilter())
    assert list(ov.per_lesson["lesson_id"]) == ["lesson-a", "lesson-b"]
    assert ov.per_lesson.set_index("lesson_id")["completed"].to_dict() == {"lesson-a": 0, "lesson-b": 1}
    assert ov.departments["completed_all"].tolist() == [0]
    row = table.iloc[0]
    assert row["done"] == 1 and row["status:lesson-b"] == "completed" and row["status:lesson-a"] == "not_started"
    assert not any("retired" in c for c in table.columns)
