"""A lesson as a clean page: objectives, table of contents, body, takeaways, 読み終えた."""

from __future__ import annotations

import streamlit as st

from portal.i18n import t
from portal.learning import progress
from portal.learning.content import Lesson
from portal.ui import content, lesson_view, routes, state


def render() -> None:
    user = state.current_user()
    course = content.course()
    lesson_id = st.query_params.get("id")
    lesson = course.get(lesson_id) if lesson_id else None
    if lesson is None:
        if lesson_id:
            st.warning(t("lesson.not_found", id=lesson_id))
        lesson = _pick_lesson(course)
        if lesson is None:
            return
    with state.db(readonly=True) as session:
        lesson_state, recorded = progress.lesson_state(session, user, course, lesson)
    if not recorded:  # first visit of this version: record it (a write, once)
        with state.db() as session:
            lesson_state = progress.open_lesson(session, user, course, lesson)

    lesson_view.render_content(lesson, len(course.lessons))
    _actions(user, lesson, lesson_state)
    _prev_next(course, lesson)


def _pick_lesson(course) -> Lesson | None:
    if not course.lessons:
        st.info(t("course.empty"))
        return None
    titles = {l.id: f"{l.meta.order}. {l.title}" for l in course.lessons}
    chosen = st.selectbox(t("lesson.pick"), list(titles), format_func=titles.get)
    return course.get(chosen)


def _actions(user, lesson: Lesson, lesson_state: progress.LessonState) -> None:
    """読み終えた (or when it was read) and the link to the lesson's quiz, in one row."""
    quiz = content.quizzes().get(lesson.meta.quiz_id or "")
    with st.container(horizontal=True, vertical_alignment="center"):
        if lesson_state.read_at is None:
            st.button(t("lesson.mark_read"), type="primary", icon=":material/done:",
                      on_click=state.action, args=(_mark_read, lesson, True))
        else:
            read_on = t("lesson.read_on", date=lesson_state.read_at.astimezone().strftime("%Y-%m-%d"))
            if lesson_state.read_current:
                st.markdown(f":green[:material/check_circle:] {read_on}", width="content")
            else:
                st.markdown(f":green[:material/check_circle:] {read_on}{t('common.separator')}:small[{t('lesson.updated_since')}]",
                            width="content")
                st.button(t("lesson.mark_read_again"), on_click=state.action, args=(_mark_read, lesson, False))
        if quiz is not None:
            st.page_link(routes.page(routes.QUIZ), query_params={"id": quiz.id}, icon=":material/quiz:",
                         label=t("lesson.quiz_passed") if lesson_state.passed else t("lesson.take_quiz"))
        elif lesson.meta.quiz_id:
            st.caption(t("lesson.quiz_unavailable"))


def _mark_read(user, lesson: Lesson, toast: bool) -> None:
    """読み終えた (a button callback: the run it causes shows the reading date)."""
    with state.db() as session:
        progress.mark_read(session, user, lesson)
    if toast:
        st.toast(t("lesson.marked"))


def _prev_next(course, lesson: Lesson) -> None:
    """Links to the previous and next lessons, at the two ends of one row."""
    prev, nxt = course.neighbours(lesson.id)
    page = routes.page(routes.LESSON)
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        if prev:
            st.page_link(page, label=t("lesson.prev", title=prev.title), icon=":material/arrow_back:",
                         query_params={"id": prev.id})
        if nxt:
            st.page_link(page, label=t("lesson.next", title=nxt.title), icon=":material/arrow_forward:",
                         icon_position="right", query_params={"id": nxt.id})
