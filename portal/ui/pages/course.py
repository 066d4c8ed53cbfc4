"""学ぶ: course overview, lesson pages, glossary, quizzes and my results."""

from __future__ import annotations

import streamlit as st

from portal.i18n import t
from portal.learning import progress
from portal.learning.progress import Status
from portal.stats import due_dates
from portal.ui import content, routes, state
from portal.ui.lesson_marks import lesson_badges

STATUS_ICON = {
    Status.NOT_STARTED: ":material/radio_button_unchecked:",
    Status.IN_PROGRESS: ":material/menu_book:",
    Status.QUIZ_PENDING: ":material/quiz:",
    Status.COMPLETED: ":material/check_circle:",
}


def status_label(status: Status) -> str:
    return t(f"status.{status.value}")


def overview() -> None:
    user = state.current_user()
    course = content.course()
    st.title(t("course.title"))
    st.write(t("course.lead"))
    if user and user.is_admin and content.problems():
        with st.expander(t("course.problems", n=len(content.problems())), icon=":material/warning:"):
            for p in content.problems():
                st.text(str(p))
    if not course.lessons:
        st.info(t("course.empty"))
        return
    with state.db(readonly=True) as session:  # (on SQLite: no wait for the write lock)
        states = progress.course_states(session, user, course)
        due = due_dates.describe_for_learner(session, user)
    done, total = progress.required_done(course, states)  # optional lessons (任意) do not count
    ratio = progress.completion_ratio(course, states)
    pct = round(ratio * 100)  # the bar and its text show the same whole percentage (a float bar truncates)
    st.progress(pct, text=t("course.progress", done=done, total=total, pct=pct))
    if total < len(course.lessons):
        st.caption(t("course.optional_note"))
    if due is not None:
        st.caption(due)
    _rules(first_time=all(s.status == Status.NOT_STARTED for s in states.values()))
    next_lesson = next((l for l in course.required_lessons if states[l.id].status != Status.COMPLETED), None)
    if next_lesson is not None:
        st.button(t("course.continue", title=next_lesson.title), type="primary", icon=":material/play_arrow:",
                  on_click=routes.go_on_click, args=(routes.LESSON,), kwargs={"id": next_lesson.id})
    else:
        st.success(t("course.all_done"), icon=":material/celebration:")

    # One card per lesson in four elements (title, status and summary, button): every element is a
    # message the server sends and wakes the event loop for, and under load the course page, shown
    # right after every sign-in, is what the portal renders most (benchmarks/bench_concurrency.py).
    for lesson in course.lessons:
        s = states[lesson.id]
        with st.container(border=True):
            st.markdown(f"**{lesson.meta.order}. {lesson.title}**" + lesson_badges(lesson))
            meta = t("course.meta", minutes=lesson.meta.reading_minutes) + (
                t("course.best", pct=round(s.best_score * 100)) if s.best_score is not None else "")
            st.markdown(t("course.card", icon=STATUS_ICON[s.status], status=status_label(s.status), meta=meta)
                        + f"\n\n{lesson.meta.summary}")
            st.button(t("course.open"), key=f"open-{lesson.id}", on_click=routes.go_on_click,
                      args=(routes.LESSON,), kwargs={"id": lesson.id})
    st.caption(t("course.credit"))


def _rules(*, first_time: bool) -> None:
    """まず守る3つのルール: one screen in full before the first lesson is opened, then folded away."""
    if first_time:
        with st.container(border=True):
            st.subheader(t("course.rules.title"), anchor="rules")
            st.caption(t("course.rules.lead"))
            st.markdown(t("course.rules.body"))
    else:
        with st.expander(t("course.rules.reference"), icon=":material/verified_user:"):
            st.markdown(t("course.rules.body"))


def glossary() -> None:
    st.title(t("glossary.title"))
    course = content.course()
    entries = [(term, lesson) for lesson in course.lessons for term in lesson.meta.key_terms]
    if not entries:
        st.info(t("glossary.empty"))
        return
    query = st.text_input(t("glossary.search"), placeholder=t("glossary.search.placeholder"))
    if query:
        q = query.strip().lower()
        entries = [
            (term, lesson) for term, lesson in entries
            if q in term.term.lower() or q in (term.reading or "").lower() or q in term.definition.lower()
        ]
    st.caption(t("glossary.count", n=len(entries)))
    if not entries:
        st.info(t("glossary.no_match"))
    for term, lesson in sorted(entries, key=lambda e: (e[0].reading or e[0].term).lower()):
        with st.container(border=True):
            reading = f"({term.reading})" if term.reading else ""
            st.markdown(f"**{term.term}** {reading}")
            st.write(term.definition)
            st.button(t("glossary.lesson", title=lesson.title), key=f"g-{lesson.id}-{term.term}", type="tertiary",
                      on_click=routes.go_on_click, args=(routes.LESSON,), kwargs={"id": lesson.id})
