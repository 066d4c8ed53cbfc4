"""xAPI 1.0.3 statements export on the hand-built organisation (see conftest)."""

import json
import uuid
from collections import Counter
from datetime import date, datetime

import pytest

from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.stats import xapi
from portal.stats.filters import StatsFilter
from portal.stats.xapi import XapiOptions, validate_statement

BASE = "https://lms.example.co.jp/xapi"


def export(org, flt=StatsFilter(), **options):
    opts = XapiOptions(base_iri=BASE, **options)
    with session_scope(org.url) as s:
        items = list(xapi.statements(s, org.admin, org.course, org.quizzes, flt, opts))
        counted = xapi.count_statements(s, org.admin, org.course, org.quizzes, flt, opts)
    return items, counted


def by_verb(items):
    return Counter(i["verb"]["id"].rsplit("/", 1)[1] for i in items)


def test_statements_for_completions_results_and_answers(org):
    items, counted = export(org)
    # completed: L1 A, L1 B, L3 B, L4 A; attempts: L1 x2, L2, L4; answers: 4 attempts x 3 questions
    assert by_verb(items) == {"completed": 4, "passed": 2, "failed": 2, "answered": 12}
    assert counted >= len(items)  # the count is an upper bound used to refuse huge files


def test_every_statement_is_valid_xapi(org):
    items, _ = export(org)
    for item in items:
        assert validate_statement(item) == [], item
        assert item["version"] == "1.0.3"
        uuid.UUID(item["id"])
        assert datetime.fromisoformat(item["timestamp"].replace("Z", "+00:00")).tzinfo is not None
        assert item["actor"]["account"]["homePage"] == BASE
        assert item["object"]["id"].startswith(BASE + "/")
        assert item["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/")
    assert len({i["id"] for i in items}) == len(items)


def test_ids_are_stable_across_exports_and_differ_per_base_iri(org):
    first, _ = export(org)
    again, _ = export(org)
    assert [i["id"] for i in first] == [i["id"] for i in again]
    with session_scope(org.url) as s:
        other = list(xapi.statements(s, org.admin, org.course, org.quizzes, StatsFilter(),
                                     XapiOptions(base_iri="https://other.example/x")))
    assert not {i["id"] for i in first} & {i["id"] for i in other}


def test_quiz_result_and_answer_details(org):
    items, _ = export(org)
    l1 = [i for i in items if i["actor"]["account"]["name"] == "E-L1"]
    failed = next(i for i in l1 if i["verb"]["id"].endswith("/failed"))
    assert failed["object"]["id"] == f"{BASE}/quizzes/qa"
    assert failed["result"]["score"] == {"scaled": 0.6667, "raw": 2.0, "min": 0, "max": 3}
    assert failed["result"]["success"] is False and failed["result"]["completion"] is True
    assert failed["result"]["duration"] == "PT5M0.00S"
    assert failed["timestamp"] == "2026-03-02T01:00:00.000Z"
    assert failed["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/lessons/lesson-a"
    answers = [i for i in l1 if i["verb"]["id"].endswith("/answered") and i["result"]["success"] is False]
    assert len(answers) == 1  # q2 on the first attempt: only "a" of a and b
    q2 = answers[0]
    assert q2["object"]["id"] == f"{BASE}/quizzes/qa/questions/q2"
    assert q2["object"]["definition"]["interactionType"] == "choice"
    assert q2["object"]["definition"]["correctResponsesPattern"] == ["a[,]b"]
    assert q2["result"]["response"] == "a" and q2["result"]["score"]["scaled"] == 0
    completed_b = next(i for i in l1 if i["verb"]["id"].endswith("/completed") and i["object"]["id"].endswith("lesson-b"))
    assert completed_b["timestamp"] == "2026-03-05T16:00:00.000Z"
    assert completed_b["result"] == {"completion": True}


def test_mbox_actor_and_no_answers(org):
    items, _ = export(org, actor="mbox", include_answers=False)
    assert by_verb(items) == {"completed": 4, "passed": 2, "failed": 2}
    assert {i["actor"]["mbox"] for i in items} == {"mailto:l1@example.com", "mailto:l2@example.com",
                                                  "mailto:l3@example.com", "mailto:l4@example.com"}
    assert all("name" not in i["actor"] for i in items)  # no display names leave the portal


def test_date_range_and_departments(org):
    items, _ = export(org, StatsFilter(start=date(2026, 3, 5), end=date(2026, 3, 5)), include_answers=False)
    # JST 03-05: L1's passing attempt (and lesson A completed by it); lesson B read is 03-06 JST
    assert by_verb(items) == {"passed": 1, "completed": 1}
    items, _ = export(org, StatsFilter(departments=("開発部",)))
    assert {i["actor"]["account"]["name"] for i in items} == {"E-L4"}


def test_json_download_is_an_array_of_statements(org):
    items, _ = export(org)
    data = xapi.json_bytes(iter(items))
    parsed = json.loads(data.decode("utf-8"))
    assert parsed == items
    assert json.loads(xapi.json_bytes([])) == []


def test_validator_catches_broken_statements():
    good = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:a@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
        "object": {"objectType": "Activity", "id": "https://x.example/q"},
        "result": {"score": {"scaled": 0.5}, "success": True},
        "timestamp": "2026-03-02T01:00:00.000Z",
        "version": "1.0.3",
    }
    assert validate_statement(good) == []
    broken = [
        ({**good, "id": "not-a-uuid"}, "id must be a UUID"),
        ({k: v for k, v in good.items() if k != "verb"}, "verb is required"),
        ({**good, "actor": {"mbox": "a@example.com"}}, "mailto"),
        ({**good, "actor": {"mbox": "mailto:a@example.com", "account": {"homePage": "https://x", "name": "1"}}},
         "exactly one"),
        ({**good, "result": {"score": {"scaled": 1.5}}}, "between -1 and 1"),
        ({**good, "result": {"success": "yes"}}, "boolean"),
        ({**good, "timestamp": "2026-03-02 01:00"}, "ISO 8601"),
        ({**good, "object": {"id": "no iri"}}, "object.id"),
        ({**good, "verb": {"id": "passed"}}, "verb.id"),
    ]
    for statement, message in broken:
        problems = validate_statement(statement)
        assert any(message in p for p in problems), (message, problems)


def test_base_iri_setting(org):
    with session_scope(org.url) as s:
        assert xapi.get_base_iri(s, org.admin) == xapi.DEFAULT_BASE_IRI
        assert xapi.set_base_iri(s, org.admin, " https://lms.example.co.jp/xapi/ ") == "https://lms.example.co.jp/xapi"
    with session_scope(org.url) as s:
        assert xapi.get_base_iri(s, org.admin) == "https://lms.example.co.jp/xapi"
        with pytest.raises(xapi.XapiError):
            xapi.set_base_iri(s, org.admin, "lms.example.co.jp")


def test_learners_cannot_export(org):
    with session_scope(org.url) as s:
        with pytest.raises(PermissionDenied):
            list(xapi.statements(s, org.learner, org.course, org.quizzes, StatsFilter(), XapiOptions()))
        with pytest.raises(PermissionDenied):
            xapi.set_base_iri(s, org.learner, BASE)
