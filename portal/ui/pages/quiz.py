"""Quizzes: take (or resume) an attempt, see what was right and why, retake; my results."""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import streamlit as st

from portal.certificates import service as certificates
from portal.i18n import t
from portal.learning import attempts
from portal.learning.quiz import (
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Quiz,
    SingleChoice,
    TrueFalse,
    correct_response,
    is_answered,
    option_order,
)
from portal.ui import certificate_widgets, content, routes, state


def render() -> None:
    user = state.current_user()
    quizzes = content.quizzes()
    quiz = quizzes.get(st.query_params.get("id", ""))
    if quiz is None:
        st.title(t("quiz.title"))
        if st.query_params.get("id"):  # an old or mistyped link
            st.warning(t("quiz.not_found", id=st.query_params.get("id")), icon=":material/link_off:")
        if not quizzes:
            st.info(t("quiz.none"))
            return
        titles = {q.id: q.meta.title for q in quizzes.values()}
        chosen = st.selectbox(t("quiz.pick"), list(titles), format_func=titles.get, index=None,
                              placeholder=t("quiz.pick.placeholder"))
        if chosen:
            routes.open_quiz(chosen)
        return
    lesson = content.course().get(quiz.meta.lesson_id)
    st.title(quiz.meta.title)
    st.caption(t("quiz.rules", n=quiz.draw_count, pass_pct=round(quiz.meta.pass_mark * 100)))

    result_key = f"quiz-result-{quiz.id}"
    if result_key in st.session_state:
        _result_view(user, quiz, st.session_state[result_key], lesson)
        return
    with state.db() as session:
        standing = attempts.quiz_standing(session, user, quiz)
        shown = st.session_state.pop(f"quiz-open-{quiz.id}", None)
        if standing.attempt is None and shown is not None and attempts.submitted_attempt(session, user, shown):
            # the attempt this page was showing got graded meanwhile (another tab or browser)
            graded_elsewhere = shown
        else:
            graded_elsewhere = None
    if graded_elsewhere is not None:
        st.session_state[result_key] = graded_elsewhere
        st.session_state[f"quiz-duplicate-{quiz.id}"] = True
        _result_view(user, quiz, graded_elsewhere, lesson)
        return
    if standing.set_aside:  # the quiz file changed since the attempt began
        st.warning(t("quiz.error.version_changed"))
    if standing.attempt is None:
        if standing.submitted:
            st.info(t("quiz.past", n=standing.submitted, best=round(standing.best_score * 100),
                      passed=t("quiz.passed") if standing.passed else t("quiz.not_passed")))
        st.button(t("quiz.start") if not standing.submitted else t("quiz.retake"), type="primary",
                  icon=":material/play_arrow:", on_click=state.action, args=(_start, quiz))
        error = st.session_state.pop(f"quiz-error-{quiz.id}", None)
        if error:
            st.error(error)
        return
    _attempt_form(user, quiz, standing.attempt)


def _start(user, quiz: Quiz) -> None:
    """クイズを始める (a button callback: the run it causes shows the questions)."""
    try:
        with state.db() as session:
            attempts.start_attempt(session, user, quiz)
    except attempts.AttemptError as exc:
        st.session_state[f"quiz-error-{quiz.id}"] = str(exc)


def _widget_key(attempt_id: int, qid: str, part: str = "") -> str:
    return f"q-{attempt_id}-{qid}-{part}"


def _attempt_form(user, quiz: Quiz, attempt) -> None:
    draft: dict[str, Any] = attempt.draft or {}
    missing = st.session_state.pop(f"quiz-missing-{attempt.id}", None)  # set by _submit
    error = st.session_state.pop(f"quiz-error-{quiz.id}", None)
    if draft and missing is None:  # (the draft _submit has just saved is not a resumed one)
        st.caption(t("quiz.resumed"))
    st.session_state[f"quiz-open-{quiz.id}"] = attempt.id
    key_name = f"idem-{attempt.id}"
    st.session_state.setdefault(key_name, uuid.uuid4().hex)
    with st.form(f"attempt-{attempt.id}", enter_to_submit=False):
        for number, qid in enumerate(attempt.question_ids, 1):
            question = quiz.question(qid)
            with st.container(border=True):
                st.markdown(f"**{t('quiz.question_n', n=number)}** {question.prompt}")
                _question_widget(quiz, question, attempt, draft.get(qid))
        col1, col2 = st.columns([1, 1])
        col1.form_submit_button(t("quiz.submit"), type="primary", on_click=state.action, args=(_submit, quiz, attempt))
        saved = col2.form_submit_button(t("quiz.save"))
    if saved:
        with state.db() as session:
            attempts.save_draft(session, user, attempt.id, _responses(quiz, attempt))
        st.toast(t("quiz.saved"))
    if missing:
        st.warning(t("quiz.missing", numbers="、".join(map(str, missing))))
        st.caption(t("quiz.missing_hint"))
        return
    if error:
        st.error(error)
        return
    if st.button(t("quiz.abandon"), type="tertiary", icon=":material/close:"):
        with state.db() as session:
            attempts.abandon(session, user, attempt.id)
        st.rerun()


def _responses(quiz: Quiz, attempt) -> dict[str, Any]:
    return {qid: _read_response(quiz, quiz.question(qid), attempt) for qid in attempt.question_ids}


def _submit(user, quiz: Quiz, attempt) -> None:
    """採点する (a form button callback, so the run it causes shows the result at once). The first
    press with unanswered questions saves the draft and asks again (_attempt_form shows which);
    the next press grades."""
    responses = _responses(quiz, attempt)
    missing = [n for n, qid in enumerate(attempt.question_ids, 1) if not is_answered(quiz.question(qid), responses[qid])]
    confirm_key = f"confirm-missing-{attempt.id}"
    if missing and not st.session_state.get(confirm_key):
        with state.db() as session:
            attempts.save_draft(session, user, attempt.id, responses)
        st.session_state[confirm_key] = True
        st.session_state[f"quiz-missing-{attempt.id}"] = missing
        return
    try:
        with state.db() as session:
            result = attempts.submit(session, user, quiz, attempt.id, responses,
                                     st.session_state[f"idem-{attempt.id}"])
    except attempts.AttemptError as exc:
        st.session_state[f"quiz-error-{quiz.id}"] = str(exc)
        return
    st.session_state[f"quiz-result-{quiz.id}"] = result.attempt_id
    if result.duplicate:  # graded already (another tab or browser, or a double click)
        st.session_state[f"quiz-duplicate-{quiz.id}"] = True
    st.session_state.pop(confirm_key, None)


def _question_widget(quiz: Quiz, question, attempt, saved: Any) -> None:
    order = option_order(quiz, question, attempt.seed)
    key = _widget_key(attempt.id, question.id)
    if isinstance(question, SingleChoice):
        st.radio(t("quiz.choose_one"), order, format_func=question.option_text, key=key,
                 index=order.index(saved) if saved in order else None, label_visibility="collapsed")
    elif isinstance(question, MultipleChoice):
        st.caption(t("quiz.choose_all"))
        for oid in order:
            st.checkbox(question.option_text(oid), key=_widget_key(attempt.id, question.id, oid),
                        value=bool(saved) and oid in saved)
    elif isinstance(question, TrueFalse):
        choices = [True, False]
        st.radio(t("quiz.true_false"), choices, key=key, horizontal=True, label_visibility="collapsed",
                 format_func=lambda v: t("quiz.true") if v else t("quiz.false"),
                 index=choices.index(saved) if isinstance(saved, bool) else None)
    elif isinstance(question, Ordering):
        st.caption(t("quiz.order_hint"))
        for position in range(len(order)):
            prior = saved[position] if isinstance(saved, list) and position < len(saved) else None
            st.selectbox(t("quiz.position", n=position + 1), order, format_func=question.option_text,
                         key=_widget_key(attempt.id, question.id, str(position)),
                         index=order.index(prior) if prior in order else None, placeholder=t("quiz.select"))
    elif isinstance(question, Matching):
        rights = {p.id: p.right for p in question.pairs}
        for pair in question.pairs:
            prior = saved.get(pair.id) if isinstance(saved, dict) else None
            st.selectbox(pair.left, order, format_func=rights.get,
                         key=_widget_key(attempt.id, question.id, pair.id),
                         index=order.index(prior) if prior in order else None, placeholder=t("quiz.select"))
    elif isinstance(question, Numeric):
        st.number_input(t("quiz.number", unit=question.unit), value=saved if isinstance(saved, (int, float)) else None,
                        key=key, step=1.0, placeholder=t("quiz.number_placeholder"))


def _read_response(quiz: Quiz, question, attempt) -> Any:
    key = _widget_key(attempt.id, question.id)
    ss = st.session_state
    if isinstance(question, MultipleChoice):
        picked = [oid for oid in question.option_ids() if ss.get(_widget_key(attempt.id, question.id, oid))]
        return picked or None
    if isinstance(question, Ordering):
        chosen = [ss.get(_widget_key(attempt.id, question.id, str(i))) for i in range(len(question.options))]
        return chosen if all(chosen) else (chosen if any(chosen) else None)
    if isinstance(question, Matching):
        chosen = {p.id: ss.get(_widget_key(attempt.id, question.id, p.id)) for p in question.pairs}
        return {k: v for k, v in chosen.items() if v} or None
    value = ss.get(key)
    if isinstance(question, Numeric) and value is not None:
        return float(value)
    return value


# ---------------------------------------------------------------- review


def describe(question, response: Any) -> str:
    """A response in words, for review."""
    if response is None:
        return t("quiz.unanswered")
    if isinstance(question, SingleChoice):
        return question.option_text(response)
    if isinstance(question, MultipleChoice):
        return "、".join(question.option_text(r) for r in response)
    if isinstance(question, TrueFalse):
        return t("quiz.true") if response else t("quiz.false")
    if isinstance(question, Ordering):
        return " → ".join(question.option_text(r) if r else "?" for r in response)
    if isinstance(question, Matching):
        rights = {p.id: p.right for p in question.pairs}
        return " / ".join(f"{p.left} = {rights.get(response.get(p.id), '?')}" for p in question.pairs)
    if isinstance(question, Numeric):
        return f"{response:g} {question.unit}"
    return str(response)


def review(user, quiz: Quiz, attempt_id: int, lesson) -> None:
    with state.db(readonly=True) as session:
        attempt = attempts.attempt_with_answers(session, user, attempt_id)
    if attempt.quiz_version != quiz.version:
        st.caption(t("quiz.review_old_version"))
    for number, answer in enumerate(attempt.answers, 1):
        question = quiz.question(answer.question_id)
        if question is None:
            st.caption(t("quiz.review_question_gone", n=number))
            continue
        icon = ":material/check_circle:" if answer.correct else (":material/adjust:" if answer.credit > 0 else ":material/cancel:")
        with st.container(border=True):
            st.markdown(f"{icon} **{t('quiz.question_n', n=number)}** {question.prompt}")
            st.markdown(f"{t('quiz.your_answer')}: {describe(question, answer.response)}")
            if not answer.correct:
                st.markdown(f"{t('quiz.right_answer')}: {describe(question, correct_response(question))}")
                if answer.credit > 0:
                    st.caption(t("quiz.partial", pct=round(answer.credit * 100)))
            st.info(question.explanation, icon=":material/school:")
            if lesson is not None and question.section:
                section = lesson.section(question.section)
                if section is not None:
                    routes.link(routes.LESSON, t("quiz.review_section", section=section.title),
                                icon=":material/menu_book:", id=lesson.id)


def _result_view(user, quiz: Quiz, attempt_id: int, lesson) -> None:
    with state.db(readonly=True) as session:
        attempt = attempts.attempt_with_answers(session, user, attempt_id)
    pct = round((attempt.score or 0) * 100)
    if st.session_state.pop(f"quiz-duplicate-{quiz.id}", False):
        st.info(t("quiz.already_graded"), icon=":material/info:")
    if attempt.passed:
        st.success(t("quiz.result_pass", pct=pct), icon=":material/celebration:")
    else:
        st.error(t("quiz.result_fail", pct=pct, pass_pct=round(quiz.meta.pass_mark * 100)), icon=":material/replay:")
    col1, col2, col3 = st.columns(3)
    col1.button(t("quiz.retake"), icon=":material/replay:", type="secondary" if attempt.passed else "primary",
                on_click=state.action, args=(_retake, quiz))
    if lesson is not None:
        col2.button(t("quiz.back_to_lesson"), icon=":material/menu_book:", on_click=_leave_result,
                    args=(quiz, lesson.id))
        _, nxt = content.course().neighbours(lesson.id)
        if attempt.passed and nxt is not None:
            col3.button(t("lesson.next", title=nxt.title), type="primary", icon=":material/arrow_forward:",
                        on_click=_leave_result, args=(quiz, nxt.id))
    st.subheader(t("quiz.review"))
    review(user, quiz, attempt_id, lesson)


def _retake(user, quiz: Quiz) -> None:
    """もう一度受ける (a button callback: the run it causes shows the new attempt's questions)."""
    st.session_state.pop(f"quiz-result-{quiz.id}", None)
    _start(user, quiz)


def _leave_result(quiz: Quiz, lesson_id: str) -> None:
    """レッスンに戻る / 次のレッスン (a button callback): the lesson opens before the result renders again."""
    st.session_state.pop(f"quiz-result-{quiz.id}", None)
    routes.go_on_click(routes.LESSON, id=lesson_id)


def results() -> None:
    """My results: the completion certificate, every submitted attempt, and a review of any of them."""
    user = state.current_user()
    st.title(t("results.title"))
    _certificate(user)
    quizzes = content.quizzes()
    with state.db() as session:
        past = attempts.history(session, user)
    if not past:
        st.info(t("results.empty"), icon=":material/quiz:")
        routes.link(routes.HOME, t("results.go_course"), icon=":material/school:")
        return
    rows = [
        {"id": a.id, t("results.col.quiz"): quizzes[a.quiz_id].meta.title if a.quiz_id in quizzes else a.quiz_id,
         t("results.col.date"): a.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M"),
         t("results.col.score"): round((a.score or 0) * 100),
         t("results.col.passed"): t("quiz.passed") if a.passed else t("quiz.not_passed")}
        for a in past
    ]
    frame = pd.DataFrame(rows)
    st.dataframe(frame.drop(columns=["id"]), hide_index=True,
                 column_config={t("results.col.score"): st.column_config.ProgressColumn(
                     t("results.col.score"), min_value=0, max_value=100, format="%d%%")})
    labels = {r["id"]: f'{r[t("results.col.date")]}  {r[t("results.col.quiz")]}  ({r[t("results.col.score")]}%)' for r in rows}
    chosen = st.selectbox(t("results.pick"), list(labels), format_func=labels.get, index=None,
                          placeholder=t("results.pick.placeholder"))
    if chosen is not None:
        attempt = next(a for a in past if a.id == chosen)
        quiz = quizzes.get(attempt.quiz_id)
        if quiz is None:
            st.warning(t("results.quiz_gone"))
            return
        review(user, quiz, chosen, content.course().get(quiz.meta.lesson_id))


def _certificate(user) -> None:
    with state.db() as session:  # issues the certificate the first time the course is complete
        cert = certificates.my_certificate(session, user, content.course())
    st.subheader(t("certificates.mine.title"))
    if cert is None:
        st.caption(t("certificates.mine.not_yet"))
        return
    day = cert.completed_on
    st.success(t("certificates.mine.ready", date=t("stats.due.date", y=day.year, m=day.month, d=day.day),
                 code=cert.display_code), icon=":material/workspace_premium:")
    certificate_widgets.pdf_button(cert, key="certificate-mine")
