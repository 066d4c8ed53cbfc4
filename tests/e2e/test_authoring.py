"""Journey 15: an admin writes a lesson with a quiz in 管理 > レッスン作成, checks the preview and
publishes it; a learner finds it in the course, reads it and passes its quiz; the dashboard shows
the learner's lesson completed."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from e2e.harness import REPO
from e2e.quiz_answers import answer_all, open_attempt
from e2e.streamlit_page import dataframe_rows
from portal.learning.content import load_course
from portal.learning.quiz import parse_quiz

ADMIN_PASSWORD = "Blue-river-42-sky"
PASSWORD = "Green-tea-2024-cup"
TITLE = "当社の生成AI利用ルール"
BODY = """## 使ってよいサービス {#services}

承認済みのサービスは社内ポータルの一覧にあります。

## 入力してはいけない情報 {#inputs}

顧客名とプロジェクトのコード名は入力しません。"""
QUIZ = """id: company-rules-quiz
lesson_id: company-rules
title: 当社ルールの確認
questions:
  - id: customer-name
    type: true_false
    kind: scenario
    section: inputs
    prompt: 顧客名を含む議事録を、そのまま承認されていないサービスに貼ってよい。
    answer: false
    explanation: 顧客名は入力してはいけない情報です。
  - id: where-list
    type: single
    kind: scenario
    section: services
    prompt: 新しいサービスを使ってよいか迷ったとき、まず確かめるのはどこですか。
    options:
      - {id: portal, text: 社内ポータルの承認済み一覧}
      - {id: news, text: ニュースサイトの評判}
    answer: portal
    explanation: 承認済みの一覧は社内ポータルにあります。
"""


def test_admin_publishes_a_lesson_with_a_quiz_and_a_learner_passes_it(portal, new_app):
    portal.create_user(name="管理 太郎", email="kanri@example.com", password=ADMIN_PASSWORD, role="admin",
                       department="人事部")
    learner = portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")
    order = max(x.meta.order for x in load_course(REPO / "content" / "ja").lessons) + 1

    admin = new_app(portal)
    admin.sign_in("kanri@example.com", ADMIN_PASSWORD)
    admin.nav("レッスン作成")
    expect(admin.title()).to_have_text("レッスン作成")
    new = admin.tab("レッスン一覧・新規作成")
    admin.fill("レッスン ID", "company-rules", within=new)
    admin.fill("タイトル(title)", TITLE, within=new)
    admin.click("下書きを作成", within=new)
    expect(admin.main.get_by_text("下書き「company-rules」を作成しました。「編集」で内容を書いてください。")).to_be_visible()

    editor = admin.tab("編集")
    lesson = admin.main.get_by_role("tabpanel", name="レッスン", exact=True)
    admin.fill("概要(summary)", "当社で使ってよいサービスと、入力してはいけない情報", within=lesson, submit=True)
    admin.fill("学習目標(objectives)", "承認済みのサービスを確かめられる", within=lesson, submit=True)
    admin.fill("確認問題の ID(quiz_id)", "company-rules-quiz", within=lesson, submit=True)
    admin.fill("本文(Markdown)", BODY + "\n\n<b>太字</b>", within=lesson, submit=True)
    expect(editor.get_by_text(re.compile(r"company-rules\.md body: raw HTML on line \d+ is not allowed"))).to_be_visible()
    expect(editor.get_by_role("button", name="公開", exact=True)).to_be_disabled()
    admin.fill("本文(Markdown)", BODY, within=lesson, submit=True)
    admin.tab("確認問題")
    bank = admin.main.get_by_role("tabpanel", name="確認問題", exact=True)
    admin.fill("問題集(YAML)", QUIZ, within=bank, submit=True)
    expect(editor.get_by_text("検証エラーはありません(portal validate と同じ検証)。公開できます。")).to_be_visible()

    preview = admin.tab("プレビュー")
    expect(preview.locator("h1")).to_have_text(TITLE)  # the learners' renderer
    expect(preview.get_by_role("heading", name="入力してはいけない情報")).to_be_visible()
    admin.click("公開", within=editor)
    expect(admin.main.get_by_text("第 1 版として公開しました。")).to_be_visible()

    # the learner: the lesson in the course in its order, read, its quiz passed
    app = new_app(portal)
    app.sign_in("hanako@example.com", PASSWORD)
    card = app.block(app.page.get_by_text(f"{order}. {TITLE}", exact=True), app.page.get_by_role("button", name="開く"))
    expect(card).to_contain_text("未着手")
    app.click("開く", within=card)
    expect(app.title()).to_have_text(TITLE)
    expect(app.main.get_by_text("顧客名とプロジェクトのコード名は入力しません。")).to_be_visible()
    app.click("読み終えた")
    app.follow("確認クイズに進む")
    expect(app.title()).to_have_text("当社ルールの確認")
    app.click("クイズを始める")
    quiz, problems = parse_quiz(QUIZ.encode("utf-8"), Path("company-rules.yaml"))
    assert quiz is not None, problems
    _, drawn = open_attempt(portal.database_url, learner.id, quiz)
    answer_all(app, quiz, drawn, right=True)
    app.click("採点する")
    expect(app.main.get_by_text("合格です!得点 100%。このレッスンの確認クイズに合格しました。")).to_be_visible()

    # the dashboard: her one completed lesson is the custom one (she opened no other lesson)
    admin.nav("ダッシュボード")
    people = admin.tab("受講者", reruns=True)
    rows = {row["氏名"]: row for row in dataframe_rows(people.get_by_test_id("stDataFrame").first)}
    assert rows["学習 花子"]["修了レッスン数"] == "1", rows["学習 花子"]
