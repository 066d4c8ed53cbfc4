"""The course overview and a lesson page, driven through the real app script with AppTest."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from portal.config import REPO_ROOT, get_settings
from portal.db import session_scope
from portal.db.models import LessonProgress
from portal.learning import progress
from portal.learning.content import load_course
from support.apptest import goto

COURSE = load_course(REPO_ROOT / "content" / "ja")
N = len(COURSE.lessons)


def progress_bar(at):
    (bar,) = at.get("progress")
    return bar.proto.value, bar.proto.text


def status_lines(at) -> dict[str, str]:
    """Lesson title -> the status shown beside it on the overview."""
    md = [m.value for m in at.markdown]
    out = {}
    for lesson in COURSE.lessons:
        i = md.index(f"**{lesson.meta.order}. {lesson.title}**")
        out[lesson.id] = md[i + 2].split(" ", 1)[1]  # ":material/...: 修了"
    return out


def read_rows(url, lesson_id):
    with session_scope(url) as s:
        return s.scalars(select(LessonProgress).where(LessonProgress.lesson_id == lesson_id)).all()


def test_overview_shows_every_lesson_not_started_and_an_empty_progress_bar(portal):
    portal.user()
    at = portal.signed_in()
    assert not at.exception
    assert at.title[0].value == "コース:生成AIと上手につきあうために"
    value, text = progress_bar(at)
    assert value == 0 and text == f"修了 0 / {N} レッスン(0%)"
    assert set(status_lines(at).values()) == {"未着手"}
    assert at.button[0].label == f"続きから学ぶ:{COURSE.lessons[0].title}"


def test_overview_statuses_follow_reading(portal):
    user = portal.user()
    first, second = COURSE.lessons[:2]
    with session_scope(portal.url) as s:
        progress.mark_read(s, user, first)
        progress.record_opened(s, user, second)
    at = portal.signed_in()
    statuses = status_lines(at)
    assert statuses[first.id] == "クイズ未合格"
    assert statuses[second.id] == "学習中"
    assert statuses[COURSE.lessons[2].id] == "未着手"
    assert progress_bar(at)[0] == 0  # reading alone does not complete a lesson with a quiz


def test_open_button_goes_to_the_lesson(portal):
    portal.user()
    at = portal.signed_in()
    at.button(key="open-rag").click().run()
    assert not at.exception
    assert at.title[0].value == COURSE.get("rag").title


def test_lesson_page_shows_objectives_contents_body_and_takeaways(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")
    assert not at.exception
    lesson = COURSE.get("parameters")
    assert at.title[0].value == lesson.title
    assert at.caption[0].value == f"レッスン 4 / {N} ・ 約 {lesson.meta.reading_minutes} 分"
    markdown = [m.value for m in at.markdown]
    objectives = next(m for m in markdown if m.startswith("**このレッスンの目標**"))
    assert all(f"- {o}" in objectives for o in lesson.meta.objectives)
    assert [e.label for e in at.expander] == ["目次"]
    toc = at.expander[0].markdown[0].value
    for n, section in enumerate(lesson.sections, 1):
        assert f"{n}. [{section.title}](#{section.id})" in toc
    assert [h.value for h in at.header] == [s.title for s in lesson.sections]
    assert any("Llama 3.1" in m for m in markdown)
    assert at.subheader[0].value == "まとめ"
    assert all(x in at.success[0].value for x in lesson.meta.takeaways)
    labels = [b.label for b in at.button]
    assert "読み終えた" in labels and "確認クイズに進む" in labels
    assert f"次へ:{COURSE.get('how-generation-works').title}" in labels


def test_opening_a_lesson_records_it_once(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="rag")
    at.run()
    rows = read_rows(portal.url, "rag")
    assert len(rows) == 1 and rows[0].read_at is None


def test_mark_read_records_in_the_database_and_shows_the_date(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")
    next(b for b in at.button if b.label == "読み終えた").click().run()
    assert not at.exception
    rows = read_rows(portal.url, "parameters")
    assert len(rows) == 1 and rows[0].read_at is not None
    assert rows[0].content_version == COURSE.get("parameters").version
    assert "読み終えた" not in [b.label for b in at.button]
    assert any(m.value.endswith("に読了") for m in at.markdown)
    at.run()  # a rerun records nothing more
    assert len(read_rows(portal.url, "parameters")) == 1
    goto(at, "")
    assert status_lines(at)["parameters"] == "クイズ未合格"


def test_memory_calculator_computes_70b_fp8_as_70_gb(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")
    assert at.metric[0].value == "16 GB"  # 8B at FP16 by default
    at.number_input(key="calc-p-parameters").set_value(70).run()
    at.selectbox(key="calc-q-parameters").set_value("FP8").run()
    assert not at.exception
    assert at.metric[0].value == "70 GB"
    table = next(m.value for m in at.markdown if m.value.startswith("| GPU |"))
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    verdict = {row[0]: row[2] for row in cells}
    assert len(verdict) == 5
    assert verdict["NVIDIA RTX 4090"] == "❌ 載らない"
    assert verdict["NVIDIA H100 ノード (8枚)"] == "✅ 載る"


def test_unknown_lesson_id_warns_and_offers_a_list(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="no-such-lesson")
    assert not at.exception
    assert "no-such-lesson" in at.warning[0].value
    assert at.selectbox[0].label == "レッスンを選択"
    assert len(at.selectbox[0].options) == N


def test_broken_lesson_is_left_out_and_reported_to_admins_only(portal, tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content" / "ja", content)
    broken = content / "05-how-generation-works.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("title: ", "title: [", 1), encoding="utf-8")
    monkeypatch.setenv("PORTAL_CONTENT_DIR", str(content))
    get_settings.cache_clear()
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    portal.user()

    at = portal.signed_in()
    assert not at.exception
    assert progress_bar(at)[1] == f"修了 0 / {N - 1} レッスン(0%)"
    assert not any("how-generation-works" in m.value or "文章を作るしくみ" in m.value for m in at.markdown)
    assert not at.expander  # learners never see the content problems
    goto(at, "lesson", id="ambiguity")
    assert at.title[0].value == COURSE.get("ambiguity").title

    admin = portal.signed_in("admin@example.com")
    assert not admin.exception
    # the broken lesson, and its quiz that now points at a lesson that is not served
    assert admin.expander[0].label.startswith("管理者向け: 読み込めなかったコンテンツが 2 件")
    shown = [t.value for t in admin.expander[0].text]
    assert shown[0].startswith("05-how-generation-works.md front matter:")
    assert shown[1] == "05-how-generation-works.yaml lesson_id: lesson 'how-generation-works' does not exist"
