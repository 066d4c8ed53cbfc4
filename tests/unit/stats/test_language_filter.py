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


def test_xapi_statements_carry_each_learners_language(org):
    from portal.stats import xapi
    from portal.stats.xapi import XapiOptions

    with session_scope(org.url) as s:
        set_language(s, org.users["L4"], "en")
    with session_scope(org.url) as s:
        items = list(xapi.statements(s, org.admin, org.course, org.quizzes, StatsFilter(),
                                     XapiOptions(base_iri="https://lrs.example/portal")))
    by_language = {}
    for item in items:
        actor = item["actor"]
        by_language.setdefault(item["context"]["language"], set()).add(
            actor.get("mbox") or actor["account"]["name"])
    l4 = org.users["L4"]
    assert by_language["en-US"] == {l4.employee_id or "mailto:" + l4.email}
    assert not by_language["ja-JP"] & by_language["en-US"]
    assert all(not xapi.validate_statement(item) for item in items)
