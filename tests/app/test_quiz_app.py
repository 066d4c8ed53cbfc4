"""Taking a quiz through the real app script (AppTest): unanswered questions, failing, review,
retaking, passing, resuming, and the lesson shown completed on the overview."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.config import REPO_ROOT
from portal.db import session_scope
from portal.db.models import QuizAnswer, QuizAttempt
from portal.learning import progress
from portal.learning.content import load_course
from portal.learning.quiz import (
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    SingleChoice,
    TrueFalse,
    correct_response,
    load_quizzes,
)
from support.apptest import goto

COURSE = load_course(REPO_ROOT / "content" / "ja")
QUIZZES, _ = load_quizzes(REPO_ROOT / "quizzes" / "ja")
QUIZ = QUIZZES["parameters"]  # every question type but one, and numeric answers
N = len(COURSE.required_lessons)  # the progress bar counts the required lessons


def open_attempt(url) -> QuizAttempt:
    with session_scope(url) as s:
        return s.scalars(select(QuizAttempt).where(QuizAttempt.status == "in_progress")).one()


def submitted(url) -> list[QuizAttempt]:
    with session_scope(url) as s:
        return list(s.scalars(select(QuizAttempt).where(QuizAttempt.status == "submitted").order_by(QuizAttempt.id)))


def wrong_response(q):
    if isinstance(q, SingleChoice):
        return next(o for o in q.option_ids() if o != q.answer)
    if isinstance(q, MultipleChoice):
        return [next(o for o in q.option_ids() if o not in q.answer)]
    if isinstance(q, TrueFalse):
        return not q.answer
    if isinstance(q, Ordering):
        return q.answer[::-1]
    if isinstance(q, Matching):
        ids = [p.id for p in q.pairs]
        return dict(zip(ids, ids[1:] + ids[:1]))
    if isinstance(q, Numeric):
        return q.answer + 1000
    raise AssertionError(q)


def fill(at, attempt: QuizAttempt, responses: dict):
    """Set the form widgets of an attempt as a learner would; questions not in responses stay empty."""
    for qid, value in responses.items():
        q = QUIZ.question(qid)
        key = f"q-{attempt.id}-{qid}-"
        if isinstance(q, (SingleChoice, TrueFalse)):
            at.radio(key=key).set_value(value)
        elif isinstance(q, Numeric):
            at.number_input(key=key).set_value(value)
        elif isinstance(q, MultipleChoice):
            for oid in q.option_ids():
                at.checkbox(key=key + oid).set_value(oid in value)
        elif isinstance(q, Ordering):
            for position, oid in enumerate(value):
                at.selectbox(key=key + str(position)).set_value(oid)
        elif isinstance(q, Matching):
            for left, right in value.items():
                at.selectbox(key=key + left).set_value(right)


def press(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def start_quiz(portal):
    user = portal.user()
    with session_scope(portal.url) as s:
        progress.mark_read(s, user, COURSE.get("parameters"))
    at = portal.signed_in()
    goto(at, "quiz", id="parameters")
    assert at.title[0].value == QUIZ.meta.title
    press(at, "クイズを始める")
    return at, open_attempt(portal.url)


def test_unanswered_questions_are_listed_and_a_second_press_confirms(portal):
    at, attempt = start_quiz(portal)
    qids = attempt.question_ids
    answers = {qid: correct_response(QUIZ.question(qid)) for qid in qids}
    del answers[qids[2]], answers[qids[5]]
    fill(at, attempt, answers)
    press(at, "採点する")
    assert at.warning[0].value == "未回答の問題があります:問3、6。"
    assert any("もう一度「採点する」" in c.value for c in at.main.caption)
    assert submitted(portal.url) == []  # nothing graded yet
    press(at, "採点する")
    (graded,) = submitted(portal.url)
    assert graded.score == 6 / 8 and graded.passed is False  # pass mark 80%
    assert at.error[0].value.startswith("得点 75%")
    with session_scope(portal.url) as s:
        empty = [a.question_id for a in s.scalars(select(QuizAnswer)) if a.response is None]
    assert sorted(empty) == sorted([qids[2], qids[5]])
    assert sum("(未回答)" in m.value for m in at.markdown) == 2


def test_fail_review_retake_pass_and_see_the_lesson_completed(portal):
    at, attempt = start_quiz(portal)
    wrong = {qid: wrong_response(QUIZ.question(qid)) for qid in attempt.question_ids}
    fill(at, attempt, wrong)
    press(at, "採点する")
    # failed, with a review of every question: the right answer and the explanation
    assert at.error[0].value == "得点 0%(合格は 80% 以上)。解説を読んで、もう一度挑戦しましょう。"
    assert at.subheader[0].value == "振り返り"
    explanations = [i.value for i in at.info]
    for qid in attempt.question_ids:
        assert QUIZ.question(qid).explanation in explanations
    right_lines = [m.value for m in at.markdown if m.value.startswith("正解: ")]
    assert len(right_lines) == 8
    numeric = next((QUIZ.question(q) for q in attempt.question_ids if QUIZ.question(q).type == "numeric"), None)
    if numeric is not None:
        assert f"正解: {numeric.answer:g} {numeric.unit}" in right_lines
    assert any(p.label.startswith("レッスンで復習:") for p in at.get("page_link"))

    # retake: a new attempt, answered right this time
    press(at, "もう一度受ける")
    second = open_attempt(portal.url)
    assert second.id != attempt.id
    fill(at, second, {qid: correct_response(QUIZ.question(qid)) for qid in second.question_ids})
    press(at, "採点する")
    assert at.success[0].value.startswith("合格です!得点 100%")
    assert [a.passed for a in submitted(portal.url)] == [False, True]
    assert "次へ:LLMが文章を作るしくみ" in [b.label for b in at.button]

    goto(at, "")
    md = [m.value for m in at.markdown]
    i = md.index(f"**4. {COURSE.get('parameters').title}**")
    assert md[i + 2].endswith("修了")
    (bar,) = at.get("progress")
    assert bar.proto.value == round(100 / N)  # it was empty before (checked in test_course_app)
    assert bar.proto.text == f"修了 1 / {N} レッスン({round(100 / N)}%)"
    assert sum("クイズ最高 100%" in c.value for c in at.main.caption) == 1  # the best score, on this lesson only


def test_a_rerun_after_grading_records_nothing_more(portal):
    at, attempt = start_quiz(portal)
    fill(at, attempt, {qid: correct_response(QUIZ.question(qid)) for qid in attempt.question_ids})
    press(at, "採点する")
    at.run()
    at.run()
    assert len(submitted(portal.url)) == 1
    with session_scope(portal.url) as s:
        assert s.scalar(select(func.count()).select_from(QuizAnswer)) == 8
    assert at.success[0].value.startswith("合格です")


def test_an_attempt_graded_in_another_browser_is_shown_once_with_a_note(portal):
    at, attempt = start_quiz(portal)
    other = portal.signed_in()  # the same learner in a second browser (or on another replica)
    goto(other, "quiz", id="parameters")
    right = {qid: correct_response(QUIZ.question(qid)) for qid in attempt.question_ids}
    for session_ in (at, other):
        fill(session_, attempt, right)
    press(at, "採点する")
    press(other, "採点する")
    assert len(submitted(portal.url)) == 1
    assert other.info[0].value.startswith("この回答は別の画面ですでに採点されていたため、二重には記録していません")
    assert other.success[0].value.startswith("合格です!得点 100%")
    other.run()  # the note is said once; the result stays
    assert not any(i.value.startswith("この回答は別の画面") for i in other.info)
    assert other.success[0].value.startswith("合格です")


def test_saved_answers_come_back_in_a_new_session(portal):
    at, attempt = start_quiz(portal)
    first = attempt.question_ids[0]
    value = correct_response(QUIZ.question(first))
    fill(at, attempt, {first: value})
    press(at, "途中保存")
    later = portal.signed_in()  # a new browser session
    goto(later, "quiz", id="parameters")
    assert "途中まで回答したクイズを再開しています。" in [c.value for c in later.caption]
    assert open_attempt(portal.url).id == attempt.id
    q = QUIZ.question(first)
    key = f"q-{attempt.id}-{first}-"
    if isinstance(q, (SingleChoice, TrueFalse, Numeric)):
        shown = (later.radio(key=key) if not isinstance(q, Numeric) else later.number_input(key=key)).value
        assert shown == value
    elif isinstance(q, MultipleChoice):
        assert [oid for oid in q.option_ids() if later.checkbox(key=key + oid).value] == value
    elif isinstance(q, Ordering):
        assert [later.selectbox(key=key + str(i)).value for i in range(len(value))] == value
    elif isinstance(q, Matching):
        assert {p.id: later.selectbox(key=key + p.id).value for p in q.pairs} == value


def test_abandon_returns_to_the_start_button(portal):
    at, attempt = start_quiz(portal)
    press(at, "この回答をやめる")
    with session_scope(portal.url) as s:
        assert s.get(QuizAttempt, attempt.id).status == "abandoned"
    assert "クイズを始める" in [b.label for b in at.button]


def test_an_attempt_of_an_older_quiz_version_is_set_aside_with_a_message(portal):
    at, attempt = start_quiz(portal)
    with session_scope(portal.url) as s:  # as if the quiz file changed after the attempt began
        stale = s.get(QuizAttempt, attempt.id)
        stale.quiz_version = "0000000000000000"
        stale.question_ids = ["a-question-that-was-removed", *stale.question_ids[1:]]
    goto(at, "quiz", id="parameters")
    assert not at.exception
    assert at.warning[0].value == "回答中にクイズが更新されました。お手数ですが、もう一度始めてください。"
    with session_scope(portal.url) as s:
        assert s.get(QuizAttempt, attempt.id).status == "abandoned"
    press(at, "クイズを始める")
    fresh = open_attempt(portal.url)
    assert fresh.id != attempt.id and fresh.quiz_version == QUIZ.version
