"""The course overview and a lesson page, driven through the real app script with AppTest."""

from __future__ import annotations

import dataclasses
import shutil
from urllib.parse import parse_qs

from sqlalchemy import select

from portal.config import REPO_ROOT, get_settings
from portal.accounts import service as accounts
from portal.db import DatabaseError, session_scope
from portal.db.models import LessonProgress
from portal.learning import progress
from portal.learning.content import load_course
from support.apptest import goto

COURSE = load_course(REPO_ROOT / "content" / "ja")
N = len(COURSE.required_lessons)  # the progress bar counts the required lessons (13)
ALL = len(COURSE.lessons)  # every lesson shown, optional ones (任意) included


def progress_bar(at):
    (bar,) = at.get("progress")
    return bar.proto.value, bar.proto.text


def status_lines(at) -> dict[str, str]:
    """Lesson title -> the status shown beside it on the overview."""
    md = [m.value for m in at.markdown]
    out = {}
    for lesson in COURSE.lessons:
        i = next(i for i, m in enumerate(md) if m.startswith(f"**{lesson.meta.order}. {lesson.title}**"))
        out[lesson.id] = md[i + 1].split(" ", 1)[1].split(" ・ ", 1)[0]  # ":material/...: 修了 ・ :small[…]"
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


def page_links(at) -> dict[str, tuple[str, str]]:
    """Label -> (target page URL path, query string) of the page's st.page_link links."""
    return {link.proto.label: (link.proto.page, link.proto.query_string) for link in at.get("page_link")}


def open_lesson(portal, lesson_id: str):
    """A new learner on the lesson page: (the page, the lesson)."""
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id=lesson_id)
    assert not at.exception
    return at, COURSE.get(lesson_id)


def test_lesson_page_shows_objectives_contents_body_and_takeaways(portal):
    at, lesson = open_lesson(portal, "parameters")
    assert at.title[0].value == lesson.title
    assert at.caption[0].value == f"レッスン 4 / {ALL} ・ 約 {lesson.meta.reading_minutes} 分 ・ 情報の時点 2025年9月"
    # objectives first, then the contents: links to every section's anchor
    overview = at.info[0].value
    assert overview.startswith("**このレッスンの目標**")
    assert all(f"- {o}" in overview for o in lesson.meta.objectives)
    toc = overview.split("**目次**", 1)[1]
    for n, section in enumerate(lesson.sections, 1):
        assert f"[{n}. {section.title}](#{section.id})" in toc
    assert [(h.value, h.proto.anchor) for h in at.header] == [(s.title, s.id) for s in lesson.sections]
    markdown = [m.value for m in at.markdown]
    assert any("Llama 3.1" in m for m in markdown)
    # the takeaways close the page, before the actions
    takeaways = at.success[0].value
    assert takeaways.startswith("**まとめ**") and all(x in takeaways for x in lesson.meta.takeaways)
    assert [b.label for b in at.button] == ["読み終えた"]
    links = page_links(at)
    assert links["確認クイズに進む"] == ("quiz", "id=parameters")
    assert links[f"前へ:{COURSE.get('vs-conventional').title}"] == ("lesson", "id=vs-conventional")
    assert links[f"次へ:{COURSE.get('how-generation-works').title}"] == ("lesson", "id=how-generation-works")


def test_first_and_last_lessons_link_only_to_the_neighbour_they_have(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id=COURSE.lessons[0].id)
    labels = list(page_links(at))
    assert not any(label.startswith("前へ") for label in labels)
    assert f"次へ:{COURSE.lessons[1].title}" in labels
    goto(at, "lesson", id=COURSE.lessons[-1].id)
    labels = list(page_links(at))
    assert f"前へ:{COURSE.lessons[-2].title}" in labels
    assert not any(label.startswith("次へ") for label in labels)


def follow(at, link: tuple[str, str]):
    """What the browser does on a page link click: run its page with its query string."""
    page, query = link
    at.query_params.clear()
    return goto(at, page, **dict(part.split("=", 1) for part in query.split("&") if part))


def test_lesson_links_open_the_next_lesson_and_the_quiz(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")
    nxt = COURSE.get("how-generation-works")
    follow(at, page_links(at)[f"次へ:{nxt.title}"])
    assert not at.exception and at.title[0].value == nxt.title
    follow(at, page_links(at)["確認クイズに進む"])
    assert not at.exception
    assert "クイズを始める" in [b.label for b in at.button]


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


def test_mark_read_after_signing_out_in_another_tab_records_nothing_and_shows_sign_in(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")
    with session_scope(portal.url) as s:  # 「サインアウト」 in another tab revokes this session
        accounts.revoke_session(s, at.session_state["auth_token"])
    next(b for b in at.button if b.label == "読み終えた").click().run()
    assert not at.exception
    assert all(r.read_at is None for r in read_rows(portal.url, "parameters"))
    assert "サインイン" in [b.label for b in at.button]


def test_a_database_failure_on_mark_read_shows_a_message_not_a_traceback(portal, monkeypatch):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")

    def unavailable(*args, **kwargs):
        raise DatabaseError("テスト用の障害")

    monkeypatch.setattr(progress, "mark_read", unavailable)
    next(b for b in at.button if b.label == "読み終えた").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["データベースを利用できません: テスト用の障害"]
    assert "読み終えた" in [b.label for b in at.button]  # nothing was recorded: the button stays
    monkeypatch.undo()
    next(b for b in at.button if b.label == "読み終えた").click().run()
    assert not at.error and any(m.value.endswith("に読了") for m in at.markdown)


def test_a_lesson_read_before_an_update_says_so_and_can_be_confirmed_again(portal):
    user = portal.user()
    lesson = COURSE.get("parameters")
    with session_scope(portal.url) as s:  # read when the file had another content hash
        progress.mark_read(s, user, dataclasses.replace(lesson, version="0123456789abcdef"))
    at = portal.signed_in()
    goto(at, "lesson", id="parameters")
    assert not at.exception
    (read,) = [m.value for m in at.markdown if "に読了" in m.value]
    assert "読んだ後にこのレッスンの内容が更新されています。" in read
    assert [b.label for b in at.button] == ["最新版を読み終えた"]
    at.button[0].click().run()
    assert not at.exception
    assert sorted(r.read_at is not None for r in read_rows(portal.url, "parameters")) == [True, True]
    assert not at.button and not any("更新されています" in m.value for m in at.markdown)


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
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in rows]
    verdict = {row[0]: row[2] for row in cells}
    assert len(verdict) == 5
    assert verdict["NVIDIA RTX 4090"] == "❌ 載らない"
    assert verdict["NVIDIA H100 ノード (8枚)"] == "✅ 載る"
    assert "重みだけの目安です" in table  # the note under the table


def test_unknown_lesson_id_warns_and_offers_a_list(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="no-such-lesson")
    assert not at.exception
    assert "no-such-lesson" in at.warning[0].value
    assert at.selectbox[0].label == "レッスンを選択"
    assert len(at.selectbox[0].options) == ALL


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


def test_the_three_rules_come_first_then_fold_away_once_a_lesson_is_opened(portal):
    user = portal.user()
    at = portal.signed_in()
    assert [h.value for h in at.subheader][:1] == ["まず守る3つのルール"]
    rules = next(m.value for m in at.markdown if "個人情報と機密情報は入力しない" in m.value)
    assert rules.count("\n1. ") + rules.startswith("1. ") == 1 and "\n3. " in rules  # three numbered rules
    assert "うのみ" in rules and not at.expander
    assert "シナプス技術者ブログの記事「LLMについて学んだこと」" in " ".join(c.value for c in at.caption)  # the source article is credited
    with session_scope(portal.url) as s:
        progress.record_opened(s, user, COURSE.lessons[0])
    at = portal.signed_in()
    assert "まず守る3つのルール" not in [h.value for h in at.subheader]
    assert [e.label for e in at.expander] == ["まず守る3つのルール(いつでも見返せます)"]


def test_lesson_page_has_a_practice_with_a_sandbox_deep_link_a_reflection_and_dated_sources(portal):
    at, lesson = open_lesson(portal, "parameters")
    assert "やってみよう(約 4 分)" in [h.value for h in at.subheader]
    target, query = page_links(at)["サンドボックスをプロンプト入りで開く(送信はあなたが押すまで行いません)"]
    assert target == "sandbox"
    assert parse_qs(query) == {"prompt": [lesson.meta.practice.prompt], "mode": ["chat"]}
    reflection = next(i.value for i in at.info if i.value.startswith("**ふりかえり"))
    assert lesson.meta.reflection in reflection
    sources = next(c.value for c in at.caption if c.value.startswith("**出典**"))
    assert "シナプス技術者ブログ" in sources and "情報の時点:2025年9月" in sources
    # the dated model table: undisclosed counts say so
    table = next(m.value for m in at.markdown if "代表的なモデルの一覧(2025年9月時点)" in m.value)
    assert "| Gemini 1.0 Ultra | Google | 2023年12月 |" in table and "推定1.56兆(根拠は未確認)(非公表)" in table
    assert "| Llama 3.1 405B | Meta | 2024年7月 | 重み公開(手元でも動かせる) | 4050億(405B)(公表) |" in table


def test_rag_lesson_practice_opens_the_sandbox_in_grounded_mode(portal):
    at, _ = open_lesson(portal, "rag")
    target, query = page_links(at)["サンドボックスをプロンプト入りで開く(送信はあなたが押すまで行いません)"]
    assert target == "sandbox" and "mode=grounded" in query


def test_optional_lessons_beyond_the_article_are_marked_and_not_counted(portal):
    """Lessons 14-17 (required: false, beyond_source: true) carry 任意 and 元記事の範囲外 on the
    overview; the 13 lessons of the article carry neither; the bar counts the required ones."""
    portal.user()
    at = portal.signed_in()
    assert not at.exception
    optional = [l for l in COURSE.lessons if not l.meta.required]
    assert [l.meta.order for l in optional] == [14, 15, 16, 17] and all(l.meta.beyond_source for l in optional)
    md = [m.value for m in at.markdown]
    for lesson in COURSE.lessons:
        (title,) = [m for m in md if m.startswith(f"**{lesson.meta.order}. {lesson.title}**")]
        marked = lesson in optional
        assert (":gray-badge[任意]" in title) == marked, title
        assert ("元記事の範囲外の追加レッスン" in title) == marked, title
    assert progress_bar(at)[1] == f"修了 0 / {N} レッスン(0%)" and N == ALL - 4
    assert any("「任意」のレッスンは修了の条件に含まれません" in c.value for c in at.caption)


def test_an_optional_lesson_page_says_it_is_optional_and_beyond_the_article(portal):
    at, lesson = open_lesson(portal, "prompt-injection")
    assert at.caption[0].value.startswith(f"レッスン 17 / {ALL} ・")
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert badges and "任意" in badges[0] and "元記事の範囲外の追加レッスン" in badges[0]
    note = at.caption[1].value
    assert "修了の条件には含まれません" in note and "範囲外の内容" in note
    assert any("OWASP Top 10 for LLM Applications 2025" in c.value for c in at.caption)  # its own sources


def test_a_required_lesson_page_has_no_marks(portal):
    at, _ = open_lesson(portal, "parameters")
    assert not [m.value for m in at.markdown if "badge[" in m.value]
    assert not any("修了の条件には含まれません" in c.value for c in at.caption)
