"""People table and one learner's history; the set-based completion rule against the learner's own."""

import random
from datetime import date, timedelta

import pytest

from portal.accounts.roles import SYSTEM, CurrentUser
from portal.accounts.service import create_user
from portal.db import session_scope
from portal.db.models import User
from portal.learning import progress
from portal.stats.filters import StatsFilter
from portal.stats.people import NotFound, learner_detail, people


def table(org, flt=StatsFilter()):
    with session_scope(org.url) as s:
        return people(s, org.admin, org.course, org.quizzes, flt).set_index("employee_id")


def test_status_per_lesson_best_scores_and_progress(org):
    t = table(org)
    assert list(t.index) == ["E-L1", "E-L2", "E-L3", "E-L4"]  # by department, then employee id
    assert t.loc["E-L1", "status:lesson-a"] == "completed" and t.loc["E-L1", "status:lesson-b"] == "completed"
    assert t.loc["E-L2", "status:lesson-a"] == "quiz_pending" and t.loc["E-L2", "status:lesson-b"] == "not_started"
    assert t.loc["E-L3", "status:lesson-a"] == "in_progress" and t.loc["E-L3", "status:lesson-b"] == "completed"
    assert t.loc["E-L4", "status:lesson-a"] == "completed" and t.loc["E-L4", "status:lesson-b"] == "not_started"
    assert t.loc["E-L1", "best:lesson-a"] == pytest.approx(1.0)
    assert t.loc["E-L2", "best:lesson-a"] == pytest.approx(1 / 3)
    assert t["best:lesson-b"].isna().all()  # lesson B has no quiz
    assert list(t["done"]) == [2, 0, 1, 1]
    assert t.loc["E-L3", "progress"] == pytest.approx(0.5)
    assert t.loc["E-L1", "name"] == "社員 L1" and t.loc["E-L4", "department"] == "開発部"


def test_last_activity_includes_the_sandbox(org):
    t = table(org)
    assert t.loc["E-L1", "last_activity"].isoformat().startswith("2026-03-05T16:00")  # read B
    assert t.loc["E-L4", "last_activity"].isoformat().startswith("2026-03-03T02:00")  # sandbox after the quiz


def test_as_of_an_earlier_day(org):
    t = table(org, StatsFilter(end=date(2026, 3, 2)))
    assert t.loc["E-L1", "status:lesson-a"] == "quiz_pending"  # read, first attempt failed
    assert t.loc["E-L4", "status:lesson-a"] == "not_started"


def test_learner_detail(org):
    with session_scope(org.url) as s:
        d = learner_detail(s, org.admin, org.users["L1"].id, org.course, org.quizzes)
    assert d.name == "社員 L1" and d.department == "営業部"
    assert list(d.lessons["status"]) == ["completed", "completed"]
    assert list(d.attempts["passed"]) == [False, True]
    assert list(d.attempts["minutes"]) == [5.0, 5.0]
    assert int(d.sandbox["requests"].sum()) == 3
    assert set(d.risks["category"]) == {"EMAIL", "PHONE", "MY_NUMBER"}
    kinds = list(d.timeline["kind"])
    assert kinds[0] == "read" and kinds.count("sandbox") == 1 and "passed" in kinds and "failed" in kinds


def test_detail_refuses_unknown_or_non_learners(org):
    with session_scope(org.url) as s:
        with pytest.raises(NotFound):
            learner_detail(s, org.admin, 999_999, org.course, org.quizzes)
        with pytest.raises(NotFound):
            learner_detail(s, org.admin, org.admin.id, org.course, org.quizzes)


def test_set_based_completion_agrees_with_the_learner_progress_rules(db_url, content, helpers):
    """Random histories: the dashboard's SQL statuses equal portal.learning.progress for everyone."""
    course, quizzes = content
    a, b = course.lessons
    qa = quizzes["qa"]
    rng = random.Random(20240607)
    choices = [helpers.RIGHT, {"q1": "b", "q2": ["a"], "q3": False}, {"q1": "a", "q2": ["a", "b"], "q3": False}]
    users = []
    with session_scope(db_url) as s:
        for i in range(30):
            user = create_user(s, SYSTEM, name=f"u{i}", email=f"u{i}@example.com", department=f"部{i % 3}")
            users.append(user)
            when = helpers.utc(3, 1) + timedelta(hours=i)
            for lesson in (a, b):
                roll = rng.random()
                if roll < 0.25:
                    continue
                read_at = when if roll > 0.5 else None
                helpers.read(s, user.id, lesson, read_at, opened=when - timedelta(minutes=1))
                if rng.random() < 0.2:  # the same lesson read again after an edit (another version)
                    from portal.db.models import LessonProgress

                    s.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, content_version="old",
                                         opened_at=when - timedelta(days=1), read_at=when - timedelta(days=1)))
            for k in range(rng.randrange(0, 4)):
                helpers.add_attempt(s, user.id, qa, when + timedelta(minutes=10 * (k + 1)), rng.choice(choices))
    with session_scope(db_url) as s:
        sql = people(s, SYSTEM, course, quizzes, StatsFilter()).set_index("user_id")
        for user in users:
            mine = progress.course_states(s, CurrentUser.from_model(s.get(User, user.id)), course)
            for lesson in (a, b):
                assert sql.loc[user.id, f"status:{lesson.id}"] == mine[lesson.id].status.value, (user.id, lesson.id)
                best = sql.loc[user.id, f"best:{lesson.id}"]
                expected = mine[lesson.id].best_score
                assert (expected is None and best != best) or best == pytest.approx(expected)
            assert sql.loc[user.id, "done"] == sum(st.status == progress.Status.COMPLETED for st in mine.values())
