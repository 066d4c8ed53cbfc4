"""The English edition through the real app script (AppTest): an English user sees no Japanese
UI text on any page, the choice of language is stored on the account, and switching language
keeps progress and results."""

from __future__ import annotations

import re

from google.protobuf.json_format import MessageToDict

from portal.accounts import service as accounts
from portal.config import REPO_ROOT
from portal.db import session_scope
import pytest

from portal.i18n import catalog, set_lang
from portal.learning import attempts, progress
from portal.learning.content import load_course
from portal.learning.editions import Edition, align
from portal.learning.quiz import correct_response, load_quizzes
from support.apptest import goto

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]+")
# proper nouns that stay Japanese in the English UI: the language's own name in the picker
ALLOWED = {"日本語"}
EN_LESSONS = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "content" / "en").glob("*.md"))


def _strings(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def visible_strings(at) -> list[str]:
    """Every string in the elements of the last run (texts, labels, options, help, chart specs)."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            _strings(MessageToDict(proto), out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def japanese_in(at) -> set[str]:
    """Japanese words shown, leaving out the allow-list and words the English lessons themselves
    quote on purpose (「In Japanese it is called 大規模言語モデル」)."""
    found = set()
    for text in visible_strings(at):
        for word in JAPANESE.findall(text):
            if word not in ALLOWED and word not in EN_LESSONS:
                found.add(word)
    return found


@pytest.fixture
def test_thread_lang():
    """AppTest calls widgets' format_func in the test's own thread when it replays widget
    values: that thread must speak the language the script run spoke. Set per test, reset after."""
    yield set_lang
    set_lang(None)


def english_user(portal, email="emma@example.com", role="learner", name="Emma Brown"):
    user = portal.user(email=email, role=role, name=name, department="Sales")
    with session_scope(portal.url) as s:
        return accounts.set_language(s, user, "en")


def test_an_english_learner_sees_no_japanese_on_any_page(portal, test_thread_lang):
    english_user(portal)
    test_thread_lang("en")
    at = portal.signed_in("emma@example.com")
    assert at.title[0].value == catalog()["course.title"]["en"]
    pages = [("course", {}), ("lesson", {"id": "parameters"}), ("lesson", {"id": "cloud-local"}),
             ("lesson", {"id": "rag"}), ("quiz", {"id": "parameters"}), ("results", {}), ("glossary", {}),
             ("sandbox", {}), ("sandbox-compare", {}), ("sandbox-explorer", {}), ("password", {})]
    seen = {}
    for path, query in pages:
        goto(at, path, **query)
        assert not at.exception, (path, at.exception)
        seen[(path, tuple(query.items()))] = japanese_in(at)
    goto(at, "quiz", id="parameters")  # the questions themselves, then the review after grading
    next(b for b in at.button if b.label == catalog()["quiz.start"]["en"]).click().run()
    assert any(m.value.startswith("Q1.") or "Q1." in m.value for m in at.markdown), "no questions shown"
    seen["quiz questions"] = japanese_in(at)
    assert {k: v for k, v in seen.items() if v} == {}


def test_an_english_admin_sees_no_japanese_on_the_admin_pages(portal, test_thread_lang):
    english_user(portal, email="alex@example.com", role="admin", name="Alex Admin")
    learner = english_user(portal)
    course = load_course(REPO_ROOT / "content" / "en")
    quizzes, _ = load_quizzes(REPO_ROOT / "quizzes" / "en")
    with session_scope(portal.url) as s:  # something to show in every tab
        progress.mark_read(s, learner, course.lessons[0])
        quiz = quizzes[course.lessons[0].meta.quiz_id]
        attempt = attempts.start_attempt(s, learner, quiz)
        attempts.submit(s, learner, quiz, attempt.id, {}, "en-admin-1")
    test_thread_lang("en")
    at = portal.signed_in("alex@example.com")
    seen = {}
    for path in ("admin-users", "admin-policy"):
        goto(at, path)
        assert not at.exception, (path, at.exception)
        seen[path] = japanese_in(at)
    tabs = [catalog()[f"stats.tab.{k}"]["en"] for k in ("overview", "due", "people", "quizzes", "sandbox", "exports")]
    for tab in tabs:
        at.session_state["dash_tab"] = tab
        goto(at, "admin-dashboard")
        assert not at.exception, (tab, at.exception)
        assert [x.label for x in at.tabs] == tabs
        seen[tab] = japanese_in(at)
    assert {k: v for k, v in seen.items() if v} == {}


def test_switching_language_keeps_progress_and_results(portal, test_thread_lang):
    ja_user = portal.user()  # 学習 花子, Japanese (no choice yet: the default)
    course_ja = load_course(REPO_ROOT / "content" / "ja")
    quizzes_ja, _ = load_quizzes(REPO_ROOT / "quizzes" / "ja")
    with session_scope(portal.url) as s:  # lesson 1 read and passed in Japanese
        lesson = course_ja.get("what-is-llm")
        progress.mark_read(s, ja_user, lesson)
        quiz = quizzes_ja["what-is-llm"]
        attempt = attempts.start_attempt(s, ja_user, quiz)
        attempts.submit(s, ja_user, quiz, attempt.id,
                        {q: correct_response(quiz.question(q)) for q in attempt.question_ids}, "ja-1")
    at = portal.signed_in()
    ja_lines = [m.value for m in at.markdown]
    assert ja_lines[ja_lines.index("**1. LLMとは**") + 1].split(" ・ ")[0].endswith("修了")  # "icon 修了 ・ :small[…]"
    goto(at, "password")
    (picker,) = [w for w in at.get("button_group")]
    test_thread_lang("en")
    picker.set_value("en").run()
    assert not at.exception, at.exception
    with session_scope(portal.url) as s:
        assert accounts.find_user(s, "hanako@example.com").language == "en"  # stored on the account
    goto(at, "course")
    assert at.title[0].value == catalog()["course.title"]["en"]
    lines = [m.value for m in at.markdown]
    assert "**1. What is an LLM?**" in lines
    status = lines[lines.index("**1. What is an LLM?**") + 1].split(" · ")[0]
    assert status.endswith(catalog()["status.completed"]["en"]), status
    # the English edition of lesson 1 counts as read: no "updated since" prompt
    goto(at, "lesson", id="what-is-llm")
    assert not at.exception
    labels = [b.label for b in at.button]
    assert catalog()["lesson.mark_read"]["en"] not in labels
    assert catalog()["lesson.mark_read_again"]["en"] not in labels


def test_the_sign_in_page_follows_the_choice_and_saves_it_at_first_sign_in(portal, test_thread_lang):
    portal.user(email="kenji@example.com", name="Kenji", department="Sales")
    at = portal.app()
    assert at.button[0].label != catalog()["login.submit"]["en"]  # default: Japanese
    (picker,) = at.get("button_group")
    test_thread_lang("en")
    picker.set_value("en").run()
    assert catalog()["login.submit"]["en"] in [b.label for b in at.button]
    assert japanese_in(at) == set()  # the whole sign-in page, but the picker's 日本語
    at.text_input[0].input("kenji@example.com")
    at.text_input[1].input("Secret-pass-1")
    next(b for b in at.button if b.label == catalog()["login.submit"]["en"]).click().run()
    assert not at.exception
    with session_scope(portal.url) as s:
        assert accounts.find_user(s, "kenji@example.com").language == "en"
