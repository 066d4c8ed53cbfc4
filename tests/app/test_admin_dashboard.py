"""The admin dashboard through the real app script (AppTest): admins get it, learners do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support.apptest import goto, nav_paths

from portal.accounts.roles import CurrentUser
from portal.config import get_settings
from portal.db import session_scope
from portal.db.models import SandboxEvent
from portal.summaries import LessonSummary
from portal.learning import attempts, progress
from portal.learning.content import load_course
from portal.learning.quiz import correct_response, load_quizzes
from portal.stats.filters import today_local

TABS = ["概要", "期限", "受講者", "クイズ分析", "サンドボックス", "エクスポート"]


@pytest.fixture
def content():
    settings = get_settings()
    course = load_course(settings.content_dir)
    quizzes, _ = load_quizzes(settings.quiz_dir)
    return course, quizzes


def learn(url, user: CurrentUser, course, quizzes, lessons: int, *, right: bool = True) -> None:
    """The learner reads the first ``lessons`` lessons and takes each quiz once, through the
    learning services (as the course pages do)."""
    with session_scope(url) as s:
        for lesson in course.lessons[:lessons]:
            progress.mark_read(s, user, lesson)
            quiz = quizzes[lesson.meta.quiz_id]
            attempt = attempts.start_attempt(s, user, quiz)
            responses = {qid: correct_response(quiz.question(qid)) for qid in attempt.question_ids} if right else {}
            attempts.submit(s, user, quiz, attempt.id, responses, f"{user.id}-{lesson.id}")


@pytest.fixture
def org(portal, content):
    course, quizzes = content
    admin = portal.user(email="admin@example.com", role="admin", name="管理 太郎", department="人事部")
    hanako = portal.user(email="hanako@example.com", name="学習 花子", department="営業部")
    jiro = portal.user(email="jiro@example.com", name="学習 次郎", department="営業部")
    saburo = portal.user(email="saburo@example.com", name="開発 三郎", department="開発部")
    learn(portal.url, hanako, course, quizzes, len(course.lessons))
    learn(portal.url, jiro, course, quizzes, 2, right=False)
    learn(portal.url, saburo, course, quizzes, 1)
    with session_scope(portal.url) as s:
        s.add(SandboxEvent(user_id=hanako.id, provider="practice", model="practice", prompt_tokens=12,
                           completion_tokens=30, outcome="ok", risk_categories={"EMAIL": 1}, risk_action="masked"))
    return dict(admin=admin, hanako=hanako, jiro=jiro, saburo=saburo)


def dashboard(portal, tab: str | None = None):
    at = portal.signed_in("admin@example.com")
    if tab:
        at.session_state["dash_tab"] = tab
    goto(at, "admin-dashboard")
    assert not at.exception, at.exception
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def all_text(at) -> str:
    parts = [str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.error]]
    return "\n".join(parts)


def test_admin_sees_the_overview(portal, org):
    at = dashboard(portal)
    assert at.title[0].value == "学習状況ダッシュボード"
    assert [t.label for t in at.tabs] == TABS
    assert metric(at, "受講者") == "3"
    assert metric(at, "全レッスン修了") == "33.3%"  # 花子 only
    assert "admin-dashboard" in nav_paths(at)
    tables = [df.value for df in at.dataframe]
    per_lesson = next(df for df in tables if "レッスン" in df.columns and "修了率(%)" in df.columns and "部署" not in df.columns)
    assert per_lesson["修了した人"].iloc[0] == 2  # lesson 1: 花子 and 三郎 (次郎 failed its quiz)
    assert any(b.label == "CSVをダウンロード" for b in at.get("download_button"))


def test_every_tab_renders(portal, org):
    for tab in TABS:
        at = dashboard(portal, tab)
        assert not at.error, (tab, [e.value for e in at.error])


def test_department_filter_narrows_the_figures(portal, org):
    at = dashboard(portal)
    at.multiselect(key="dash_departments").select("開発部").run()
    assert not at.exception
    assert metric(at, "受講者") == "1"


def test_people_tab_search_and_drill_down(portal, org):
    at = dashboard(portal, "受講者")
    at.text_input(key="people_query").input("次郎").run()
    people = at.dataframe[0].value
    assert list(people["氏名"]) == ["学習 次郎"]
    assert people["01 状態"].iloc[0] == "クイズ未合格"
    at.selectbox(key="people_pick").select(org["jiro"].id).run()
    assert not at.exception
    assert "学習 次郎" in all_text(at)
    assert metric(at, "修了レッスン") == f"0 / {len(load_course(get_settings().content_dir).required_lessons)}"


def test_quiz_tab_shows_question_statistics(portal, org):
    at = dashboard(portal, "クイズ分析")
    frames = [df.value for df in at.dataframe]
    questions = next(df for df in frames if "識別度 D" in df.columns)
    assert "正答率・容易度 F(%)" in questions.columns and len(questions) > 0
    assert "指標の求め方" in [e.label for e in at.expander]


def test_sandbox_tab_shows_counts_never_prompts(portal, org):
    at = dashboard(portal, "サンドボックス")
    assert metric(at, "利用回数") == "1"
    assert "プロンプトの本文は保存も表示もしません" in all_text(at)


def test_admin_sets_a_due_date_and_the_learner_sees_it(portal, org):
    at = dashboard(portal, "期限")
    due = today_local() + timedelta(days=5)
    at.date_input(key="due_date").set_value(due)
    next(b for b in at.button if b.label == "期限を保存").click().run()
    assert not at.exception
    assert metric(at, "7 日以内に期限") == "2"  # 次郎 and 三郎 have not completed the course
    learner = portal.signed_in("jiro@example.com")
    captions = [c.value for c in learner.caption]
    assert f"受講期限: {due.year}年{due.month}月{due.day}日(あと 5 日)" in captions


def test_empty_organisation_says_how_to_import(portal):
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    at = dashboard(portal)
    assert "社員CSVを取り込む" in all_text(at)
    assert any(link.label == "ユーザー管理で社員CSVを取り込む" for link in at.get("page_link"))


def test_learners_are_not_offered_the_dashboard(portal, org):
    at = portal.signed_in("hanako@example.com")
    assert "admin-dashboard" not in nav_paths(at)
    goto(at, "admin-dashboard")
    assert not at.exception
    assert at.title[0].value != "学習状況ダッシュボード"
    assert not any("jiro@example.com" in str(df.value.to_dict()) for df in at.dataframe)
    assert not at.metric


def test_the_first_opening_prepares_the_summary_tables_and_the_writers_keep_them(portal, org, content):
    from portal.stats import rebuild as summary
    from portal.stats.filters import CourseShape

    shape = CourseShape.of(*content)
    with session_scope(portal.url) as s:
        assert not summary.ready(s, shape)  # the migration leaves them to the first admin view
    dashboard(portal)
    with session_scope(portal.url) as s:
        assert summary.ready(s, shape)
        before = s.get(LessonSummary, (org["saburo"].id, content[0].lessons[1].id))
    assert before is None
    learn(portal.url, org["saburo"], *content, 2)  # through the services: summaries follow
    with session_scope(portal.url) as s:
        row = s.get(LessonSummary, (org["saburo"].id, content[0].lessons[1].id))
        assert row.read_at is not None and row.passed and row.attempts == 1


def test_quiz_tab_marks_questions_for_review_once_30_first_attempts_exist(portal, content):
    """45 learners all answer quiz 1 right: every question seen by 30+ of them is too easy for the
    pilot bands (facility 1.0 > 0.9) and is listed with the reason in words; the others are not."""
    course, quizzes = content
    portal.user(email="admin@example.com", role="admin", name="管理 太郎", department="人事部")
    for i in range(45):
        learn(portal.url, portal.user(email=f"p{i}@example.com", name=f"試行 {i}"), course, quizzes, 1)
    at = dashboard(portal, "クイズ分析")
    questions = next(df for df in (d.value for d in at.dataframe) if "識別度 D" in df.columns)
    seen = dict(zip(questions["設問ID"], questions["回答数(初回)"]))
    box = next(e.value for e in at.error if "要見直し(試行データ)" in e.value)
    listed = {qid for qid, n in seen.items() if f"**{qid}**" in box}
    assert listed and listed == {qid for qid, n in seen.items() if n >= 30}
    assert "正答率 1.00 が目安 0.3〜0.9 より高い" in box
    assert set(questions.loc[questions["回答数(初回)"] >= 30, "要見直し(試行)"].str.len() > 0) == {True}
    assert set(questions.loc[questions["回答数(初回)"] < 30, "要見直し(試行)"]) <= {""}


def test_drill_down_offers_the_certificate_of_a_learner_who_completed_and_a_department_zip(portal, org):
    at = dashboard(portal, "受講者")
    at.selectbox(key="people_pick").select(org["hanako"].id).run()
    assert not at.exception
    assert "修了証 確認コード: " in all_text(at)
    assert "修了証をダウンロード(PDF)" in [b.proto.label for b in at.get("download_button")]
    at.selectbox(key="people_pick").select(org["jiro"].id).run()
    assert "まだすべての必修レッスンを修了していないため、修了証はありません。" in all_text(at)

    at.selectbox(key="cert_zip_department").select("営業部").run()
    next(b for b in at.button if b.label == "修了証を用意する").click().run()
    assert not at.exception
    assert "1 人分の修了証をダウンロード(ZIP)" in [b.proto.label for b in at.get("download_button")]  # 花子, not 次郎
    at.selectbox(key="cert_zip_department").select("開発部").run()
    next(b for b in at.button if b.label == "修了証を用意する").click().run()
    assert "この部署には全レッスンを修了した受講者がまだいません。" in all_text(at)


def test_admin_sets_a_reminder_schedule_and_sees_who_is_mailed_today(portal, org):
    at = dashboard(portal, "期限")
    at.date_input(key="due_date").set_value(today_local() + timedelta(days=7))
    next(b for b in at.button if b.label == "期限を保存").click().run()
    at.multiselect(key="reminder_before").select(7)  # a form: the value goes with the submit
    next(b for b in at.button if b.label == "スケジュールを保存").click().run()
    assert not at.exception
    assert "リマインダーのスケジュールを保存しました。" in all_text(at)
    assert "今日送られる予定のリマインダー: 2 件" in all_text(at)
    planned = next(df.value for df in at.dataframe if "種類" in df.value.columns)
    assert sorted(planned["氏名"]) == ["学習 次郎", "開発 三郎"] and set(planned["種類"]) == {"期限の 7 日前"}


def _charts(at) -> list[dict]:
    import json

    return [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]


def _axis_title(spec: dict, channel: str) -> str | None:
    """The title of an x / y channel, in the chart or in any of its layers."""
    for part in [spec, *spec.get("layer", [])]:
        encoding = (part.get("encoding") or {}).get(channel)
        if encoding:
            title = encoding.get("title") or (encoding.get("axis") or {}).get("title")
            if title:
                return title
    return None


def test_every_chart_has_a_title_axis_titles_and_a_table(portal, org):
    seen = 0
    for tab in TABS:
        at = dashboard(portal, tab)
        charts = _charts(at)
        for spec in charts:
            title = spec.get("title")
            title = title.get("text") if isinstance(title, dict) else title
            assert title, (tab, spec)
            assert spec.get("description") == title
            for channel in ("x", "y"):
                assert _axis_title(spec, channel), (tab, title, channel)
        # the table alternative: a table behind each chart (in an expander, with its CSV)
        assert len(at.dataframe) >= len(charts), (tab, len(at.dataframe), len(charts))
        seen += len(charts)
    assert seen >= 8  # overview 3, quizzes 3, sandbox 4 (the risk chart needs flagged events)


def test_heatmap_cells_carry_their_numbers(portal, org):
    at = dashboard(portal)
    heatmap = next(spec for spec in _charts(at) if spec.get("title") == "部署 × レッスンの修了率")
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in heatmap["layer"]]
    assert marks == ["rect", "text"]
    text = heatmap["layer"][1]["encoding"]["text"]
    assert text["field"] == "completion_rate" and text["format"] == ".0%"
