"""The dashboard's language filter: the users' UI language narrows the population like a
department does, on the facts and on the summary tables alike; the people table shows it."""

from __future__ import annotations

from portal.accounts.service import set_language
from portal.db import session_scope
from portal.stats.filters import StatsFilter
from portal.stats.overview import overview
from portal.stats.people import people
from portal.stats.sandbox_usage import sandbox_stats


def test_the_language_filter_narrows_learners_and_the_people_table_shows_the_language(org):
    with session_scope(org.url) as s:  # L4 (開発部, passed A) chose English; nobody else chose
        set_language(s, org.users["L4"], "en")
    with session_scope(org.url) as s:
        everyone = overview(s, org.admin, org.course, org.quizzes, StatsFilter())
        english = overview(s, org.admin, org.course, org.quizzes, StatsFilter(languages=("en",)))
        japanese = overview(s, org.admin, org.course, org.quizzes, StatsFilter(languages=("ja",)))
        table = people(s, org.admin, org.course, org.quizzes, StatsFilter(languages=("en",)))
        all_rows = people(s, org.admin, org.course, org.quizzes, StatsFilter())
        sandbox_en = sandbox_stats(s, org.admin, StatsFilter(languages=("en",)))
        sandbox_all = sandbox_stats(s, org.admin, StatsFilter())
    assert (everyone.learners, english.learners, japanese.learners) == (4, 1, 3)
    assert english.average_score == 1.0  # L4's one passed attempt
    assert table["employee_id"].tolist() == ["E-L4"] and table["language"].tolist() == ["en"]
    assert dict(zip(all_rows["employee_id"], all_rows["language"])) == {"E-L1": "ja", "E-L2": "ja", "E-L3": "ja",
                                                                       "E-L4": "en"}
    assert (sandbox_en.requests, sandbox_en.users) == (1, 1)  # L4's one request; L1 and the admin are ja
    assert sandbox_all.requests > sandbox_en.requests
