"""Journey 11: keyboard only. Sign in, open lesson 1, mark it read, take and submit its quiz, then
send a sandbox prompt after masking a finding, with Tab / Shift+Tab / Enter / Space, and typing
into fields (a drop-down's filter included: Space opens it and also types a space there, which one
Backspace removes; no arrow keys, no mouse). Every element the focus passes shows it (e2e/streamlit_page.py ``Keyboard``),
the focus is never trapped. (axe-core checks the same pages in test_accessibility.py; this
journey needs no npm.)
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.harness import REPO
from e2e.streamlit_page import Keyboard
from portal.i18n import t
from portal.learning.content import load_course

PASSWORD = "Green-tea-2024-cup"
EMAIL = "tanaka.ichiro@example.co.jp"


def test_keyboard_only_learner_journey(portal, app):
    lesson = load_course(REPO / "content" / "ja").lessons[0]
    portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")
    keys = Keyboard(app)
    page = app.page

    # sign in: Tab to each field, type, Enter submits the form
    keys.to(app.main.get_by_label(t("login.field.login"), exact=True))
    page.keyboard.type("hanako@example.com")
    keys.to(app.main.get_by_label(t("login.field.password"), exact=True))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    app.expect_signed_in()

    # the course: Tab to lesson 1's 開く, Enter
    card = app.block(page.get_by_text(f"1. {lesson.title}", exact=True), page.get_by_role("button", name="開く"))
    keys.to(card.get_by_role("button", name="開く"))
    keys.activate("Enter")
    expect(app.title()).to_have_text(lesson.title)

    # the lesson: 読み終えた with Space, then (Shift+Tab: the quiz link is above it) the quiz link
    keys.to(app.main.get_by_role("button", name=t("lesson.mark_read")))
    keys.activate("Space")
    expect(app.main.get_by_text(re.compile(r"\d{4}-\d{2}-\d{2} に読了"))).to_be_visible()
    quiz_link = app.main.get_by_role("link", name=t("lesson.take_quiz"), exact=True)
    keys.to(quiz_link)
    keys.activate("Enter")
    keys.to(app.main.get_by_role("button", name=t("quiz.start")))
    keys.activate("Enter")

    # the quiz: on the way to 採点する, answer every question from the keyboard: Space checks the
    # first radio button or check box of a question, Space opens a drop-down, typing a choice's
    # name filters it and Enter picks it, digits go into a number field
    answered: list[str] = []

    def answer(handle) -> None:
        kind = page.evaluate("e => e.getAttribute('role') || e.type", handle)
        if kind == "radio" and not page.evaluate("e => e.checked", handle):
            if not page.evaluate("e => e.closest('[role=\"radiogroup\"]').querySelector('input:checked') !== null", handle):
                page.keyboard.press("Space")
                assert page.evaluate("e => e.checked", handle)
                answered.append("radio")
        elif kind == "checkbox" and not page.evaluate("e => e.checked", handle):
            page.keyboard.press("Space")
            assert page.evaluate("e => e.checked", handle)
            answered.append("checkbox")
        elif kind == "combobox" and not page.evaluate("e => e.value.trim()", handle):  # nothing chosen
            page.keyboard.press("Space")  # opens the list (and types a space into its filter)
            listbox = page.get_by_role("listbox")
            expect(listbox).to_be_visible()
            page.keyboard.press("Backspace")
            position = re.fullmatch(r"(\d+) 番目", page.evaluate("e => e.getAttribute('aria-label') || ''", handle))
            # typing a choice's name filters the list to it; Enter picks it (ordering: each
            # position its own item; otherwise the first choice)
            pick = int(position.group(1)) - 1 if position else 0
            choice = listbox.get_by_role("option").nth(pick).inner_text().strip()
            page.keyboard.type(choice)
            page.keyboard.press("Enter")
            expect(listbox).to_have_count(0)
            assert page.evaluate("e => e.value.trim()", handle) == choice
            answered.append("combobox")
        elif kind == "spinbutton" and not page.evaluate("e => e.value", handle):
            page.keyboard.type("1")
            answered.append("number")

    keys.to(app.main.get_by_role("button", name=t("quiz.submit")), on_stop=answer)
    assert answered, keys.path
    keys.activate("Enter")
    expect(app.main.get_by_role("heading", name=t("quiz.review"))).to_be_visible()
    expect(app.main.get_by_text(re.compile(r"得点 \d+%"))).to_be_visible()

    # the sandbox: the sidebar link, the chat box, Enter sends; the checklist stops it; マスクして送信
    keys.to(app.sidebar.get_by_role("link", name=t("nav.sandbox.chat"), exact=True), backwards=True)
    keys.activate("Enter")
    expect(app.title()).to_have_text(t("sandbox.chat.title"))
    keys.to(app.chat_input)
    page.keyboard.type(f"研修の案内を {EMAIL} に送る文面を書いてください。")
    keys.activate("Enter")
    mask = app.main.get_by_role("button", name="マスクして送信")
    keys.to(mask, backwards=True)
    keys.activate("Enter")
    question, answer_bubble = app.main.get_by_test_id("stChatMessage").nth(0), app.main.get_by_test_id("stChatMessage").nth(1)
    expect(question).to_contain_text("〈メールアドレス〉")
    expect(question).not_to_contain_text(EMAIL)
    expect(answer_bubble).to_contain_text("教育用ミニ言語モデル ・ トークン")
