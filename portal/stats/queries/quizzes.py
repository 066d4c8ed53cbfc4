"""The quizzes tab's statements: attempts, score bins, attempts to pass, the questions' moments."""

from __future__ import annotations

from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.queries.common import (
    attempts,
    answers,
    Source,
    FACTS,
    in_range,
    flag,
    day_range,
    response_text,
    learners,
    outside,
)
from portal.summaries import SCORE_BINS, summaries, quiz_days, question_days


def _submitted(shape: CourseShape, flt: StatsFilter) -> list[ColumnElement]:
    quiz_ids = list(shape.quiz_to_lesson) or ["-"]
    return [
        attempts.c.status == "submitted",
        attempts.c.quiz_id.in_(quiz_ids),
        *in_range(attempts.c.submitted_at, flt, start=False),
    ]


def score_bin(score) -> ColumnElement:
    s = score + 1e-9
    return case(*[(s < (i + 1) / SCORE_BINS, i) for i in range(SCORE_BINS - 1)], else_=SCORE_BINS - 1)


def quiz_attempts(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Attempt-level quiz figures. A learner's attempts are numbered per quiz in submission order
    (``attempt_no``; 1 = the first attempt). Rows, by kind:

    - 'bin':     quiz_id, first (1/0), k = score bin, n = attempts, score_sum, passed
                 (attempts submitted inside the range);
    - 'learners': quiz_id, n = distinct learners with an attempt inside the range;
    - 'to_pass': quiz_id, k = attempt number of the first pass (NULL = not passed yet),
                 n = learners (as of the end of the range).
    """
    L = learners(flt).subquery("l")
    a = attempts.c
    mine = and_(*_submitted(shape, flt))
    zero = literal_column("0")
    first = flag(a.attempt_no == 1)
    b = score_bin(a.score)
    if src.day_stats:  # the day table, minus the attempts of users outside the population
        d = quiz_days.c
        quiz_ids = list(shape.quiz_to_lesson) or ["-"]
        kept = select(d.quiz_id, d.first, d.bin.label("k"), d.n, d.score_sum, d.passed).where(
            d.quiz_id.in_(quiz_ids), *day_range(d.day, flt)
        )
        removed = (
            select(a.quiz_id, first, b, literal_column("-1"), -a.score, -flag(a.passed == true()))
            .where(a.user_id.in_(outside(flt)), mine, *in_range(a.submitted_at, flt))
        )
        u = union_all(kept, removed).subquery("u")
        bins = (
            select(literal_column("'bin'").label("kind"), u.c.quiz_id, u.c.first, u.c.k,
                   func.sum(u.c.n).label("n"), func.sum(u.c.score_sum).label("score_sum"),
                   func.sum(u.c.passed).label("passed"))
            .group_by(u.c.quiz_id, u.c.first, u.c.k)
            .having(func.sum(u.c.n) > 0)
        )
    else:
        bins = (
            select(literal_column("'bin'").label("kind"), a.quiz_id, first.label("first"), b.label("k"),
                   func.count().label("n"), func.sum(a.score).label("score_sum"),
                   func.sum(flag(a.passed == true())).label("passed"))
            .join(L, L.c.user_id == a.user_id)
            .where(mine, *in_range(a.submitted_at, flt))
            .group_by(a.quiz_id, first, b)
        )
    if src.lesson_summaries:
        # one pass over the summaries: per quiz and attempt number of the first pass, the learners
        # with attempts and those whose latest attempt is inside the range (everything is before
        # the range's end, so "an attempt inside the range" = "the latest one is")
        s = summaries.c
        recent = flag(s.last_attempt_at >= flt.start_utc) if flt.start_utc is not None else literal_column("1")
        per = (
            select(s.quiz_id, s.pass_attempt_no.label("needed"), func.count().label("n"),
                   func.sum(recent).label("recent"))
            .join(L, L.c.user_id == s.user_id)
            .where(s.attempts > 0, s.quiz_id.in_(list(shape.quiz_to_lesson) or ["-"]))
            .group_by(s.quiz_id, s.pass_attempt_no)
            .cte("per_pass")
        )
        people = (
            select(literal_column("'learners'"), per.c.quiz_id, zero, cast(null(), Integer),
                   type_coerce(func.sum(per.c.recent), Integer), cast(zero, Float), zero)
            .group_by(per.c.quiz_id)
            .having(func.sum(per.c.recent) > 0)
        )
        to_pass = select(
            literal_column("'to_pass'"), per.c.quiz_id, zero, per.c.needed, per.c.n, cast(zero, Float), zero,
        )
        return union_all(bins, people, to_pass)
    people = (
        select(literal_column("'learners'"), a.quiz_id, zero, cast(null(), Integer),
               func.count(func.distinct(a.user_id)), cast(zero, Float), zero)
        .join(L, L.c.user_id == a.user_id)
        .where(mine, *in_range(a.submitted_at, flt))
        .group_by(a.quiz_id)
    )
    per = (
        select(a.quiz_id, func.min(case((a.passed == true(), a.attempt_no))).label("needed"))
        .join(L, L.c.user_id == a.user_id)
        .where(mine)
        .group_by(a.quiz_id, a.user_id)
        .subquery("p")
    )
    to_pass = select(
        literal_column("'to_pass'"), per.c.quiz_id, zero, per.c.needed, func.count(), cast(zero, Float), zero,
    ).group_by(per.c.quiz_id, per.c.needed)
    return union_all(bins, people, to_pass)


_MOMENTS = ("n", "sx", "sxx", "st", "stt", "stx", "correct")


def _answer_moments(sign: int) -> list[ColumnElement]:
    """Per answer of a first attempt: n, x, x², T, T², T·x, correct (times ``sign``)."""
    x = answers.c.credit
    t = attempts.c.score * func.json_array_length(attempts.c.question_ids)
    values = [x, x * x, t, t * t, t * x, flag(answers.c.correct == true())]
    return [literal_column(str(sign)), *(v if sign == 1 else -v for v in values)]


def question_moments(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Per quiz, question and distinct response, over first attempts submitted in the range:
    n, sums of x (credit), x², T (credits of the whole attempt), T², T·x, and the number fully
    correct. Summed over responses these give the facility and discrimination indices; per
    response they give the distribution of chosen options."""
    a = attempts.c
    firsts = [*_submitted(shape, flt), a.attempt_no == 1, *in_range(a.submitted_at, flt)]
    joined = attempts.join(answers, answers.c.attempt_id == a.id)
    key = [a.quiz_id, answers.c.question_id, response_text(answers.c.response).label("response")]
    if src.day_stats:
        d = question_days.c
        quiz_ids = list(shape.quiz_to_lesson) or ["-"]
        kept = select(d.quiz_id, d.question_id, d.response, *(d[m] for m in _MOMENTS)).where(
            d.quiz_id.in_(quiz_ids), *day_range(d.day, flt)
        )
        removed = select(*key, *_answer_moments(-1)).select_from(joined).where(a.user_id.in_(outside(flt)), *firsts)
        u = union_all(kept, removed).subquery("u")
        return (
            select(u.c.quiz_id, u.c.question_id, u.c.response, *(func.sum(u.c[m]).label(m) for m in _MOMENTS))
            .group_by(u.c.quiz_id, u.c.question_id, u.c.response)
            .having(func.sum(u.c.n) > 0)
        )
    L = learners(flt).subquery("l")
    return (
        select(*key, *(func.sum(v).label(m) for v, m in zip(_answer_moments(1), _MOMENTS)))
        .select_from(joined.join(L, L.c.user_id == a.user_id))
        .where(*firsts)
        .group_by(*key[:2], response_text(answers.c.response))
    )
