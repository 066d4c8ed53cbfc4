"""A small hand-built organisation whose statistics are worked out by hand in the tests.

Course (written to tmp_path): lesson A (order 1, quiz "qa" with three questions, all drawn,
pass mark 0.8) and lesson B (order 2, no quiz: completed by reading).

People (the admin and the deactivated learner never count as learners):

    user  department  what they did (times in UTC; JST = UTC+9)
    L1    営業部      read A; qa #1 (q1 a ✓, q2 [a] ✗, q3 true ✓) = 2/3 failed, 03-02 01:00;
                      qa #2 all right = 1.0 passed, 03-05 01:00; read B 03-05 16:00 (= 03-06 JST)
    L2    営業部      read A; qa #1 (q1 b ✗, q2 [a, b] ✓, q3 false ✗) = 1/3 failed, 03-04 01:00
    L3    営業部      opened A (not read); read B 03-03
    L4    開発部      read A; qa #1 all right = 1.0 passed, 03-03 01:00
    L5    開発部      deactivated: read A and passed (excluded everywhere)
    ADM   人事部      admin; one sandbox request

Sandbox: L1 three requests on 03-02 (JST), L1's own quota is 2 requests a day (the blocked
one does not use a request, as in portal.sandbox.quotas):
    {"EMAIL": 1, "PHONE": 2} masked, 10+20 tokens; {"EMAIL": 1} sent_anyway, 5+5 tokens;
    {"MY_NUMBER": 1} blocked, 0 tokens; L4 one plain request (rating 5, 7+8 tokens); ADM one (1+1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.accounts.roles import SYSTEM, CurrentUser
from portal.accounts.service import create_user, set_active
from portal.db import session_scope
from portal.db.models import SandboxEvent, User
from portal.learning.content import Course
from portal.learning.quiz import Quiz
from support.orgkit import RIGHT, add_attempt, read, utc, write_content


@dataclass
class Org:
    url: str
    course: Course
    quizzes: dict[str, Quiz]
    admin: CurrentUser
    users: dict[str, CurrentUser] = field(default_factory=dict)

    @property
    def learner(self) -> CurrentUser:
        return self.users["L1"]


def build_org(url: str, root: Path) -> Org:
    course, quizzes = write_content(root)
    a, b = course.lessons
    qa = quizzes["qa"]
    people = {}
    with session_scope(url) as s:
        for key, dept, role in [("L1", "営業部", "learner"), ("L2", "営業部", "learner"), ("L3", "営業部", "learner"),
                                ("L4", "開発部", "learner"), ("L5", "開発部", "learner"), ("ADM", "人事部", "admin")]:
            people[key] = create_user(s, SYSTEM, name=f"社員 {key}", email=f"{key.lower()}@example.com",
                                      employee_id=f"E-{key}", department=dept, role=role)
        set_active(s, SYSTEM, people["L5"].id, False)
        s.get(User, people["L1"].id).daily_request_quota = 2
        u = {k: v.id for k, v in people.items()}

        read(s, u["L1"], a, utc(3, 2, 0, 30))
        add_attempt(s, u["L1"], qa, utc(3, 2), {"q1": "a", "q2": ["a"], "q3": True})
        add_attempt(s, u["L1"], qa, utc(3, 5), RIGHT)
        read(s, u["L1"], b, utc(3, 5, 16))

        read(s, u["L2"], a, utc(3, 4, 0, 30))
        add_attempt(s, u["L2"], qa, utc(3, 4), {"q1": "b", "q2": ["a", "b"], "q3": False})

        read(s, u["L3"], a, None, opened=utc(3, 3, 0, 10))
        read(s, u["L3"], b, utc(3, 3, 0, 20))

        read(s, u["L4"], a, utc(3, 3, 0, 30))
        add_attempt(s, u["L4"], qa, utc(3, 3), RIGHT)

        read(s, u["L5"], a, utc(3, 3, 0, 30))
        add_attempt(s, u["L5"], qa, utc(3, 3), RIGHT)

        def event(user, when, prompt, completion, cats=None, action="none", rating=None, outcome="ok"):
            s.add(SandboxEvent(user_id=u[user], created_at=when, mode="chat", provider="practice", model="practice",
                               prompt_tokens=prompt, completion_tokens=completion, outcome=outcome,
                               risk_categories=cats or {}, risk_action=action, rating=rating))

        event("L1", utc(3, 2, 1), 10, 20, {"EMAIL": 1, "PHONE": 2}, "masked")
        event("L1", utc(3, 2, 2), 5, 5, {"EMAIL": 1}, "sent_anyway")
        event("L1", utc(3, 2, 3), 0, 0, {"MY_NUMBER": 1}, "blocked", outcome="blocked")
        event("L4", utc(3, 3, 2), 7, 8, rating=5)
        event("ADM", utc(3, 3, 3), 1, 1)
    return Org(url=url, course=course, quizzes=quizzes, admin=people["ADM"], users=people)


@pytest.fixture(params=["facts", "summaries"])
def org(request, db_url, tmp_path) -> Org:
    """The organisation, its statistics computed from the facts, or (after a rebuild) from the
    dashboard's summary tables: every test of a statistic runs on both and expects the same."""
    built = build_org(db_url, tmp_path)
    if request.param == "summaries":
        from portal.stats import rebuild as summary
        from portal.stats.filters import CourseShape

        shape = CourseShape.of(built.course, built.quizzes)
        with session_scope(db_url) as s:
            summary.rebuild(s, shape)
        with session_scope(db_url) as s:
            assert summary.ready(s, shape)
    return built


@pytest.fixture
def helpers():
    """add_attempt, read and utc, for tests that build their own data."""
    from types import SimpleNamespace

    return SimpleNamespace(add_attempt=add_attempt, read=read, utc=utc, RIGHT=RIGHT)


@pytest.fixture
def content(tmp_path) -> tuple[Course, dict[str, Quiz]]:
    """The same two lessons and quiz, for tests that build their own data."""
    return write_content(tmp_path / "content-only")
