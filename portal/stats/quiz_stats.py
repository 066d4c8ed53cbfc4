"""Quiz analytics, in the spirit of Moodle's quiz statistics report.

All per-question figures use **first attempts** only (a learner's earliest submitted attempt of a
quiz, when it was submitted inside the date range): later attempts follow the feedback of the
first, so they say less about the question. Formulas (see docs/admin.md):

- facility index F = mean credit earned on the question (0..1). For all-or-nothing questions it
  is the share of learners who answered correctly; ``share_correct`` is that share for every type.
- discrimination index D = Pearson correlation, over the first attempts that drew the question,
  between the question's credit x and the rest of the attempt's credits y = T - x (T = total
  credits of the attempt). This is Moodle's "discrimination index" (as a fraction, not a
  percentage). D is undefined (None) when x or y does not vary.
- option distribution: how often each option was chosen (multiple choice counts each chosen
  option; matching counts each chosen pair; ordering and numeric count whole responses).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.i18n import t
from portal.learning.content import Course
from portal.learning.quiz import Matching, MultipleChoice, Numeric, Ordering, Quiz, SingleChoice, TrueFalse
from portal.stats import queries as q
from portal.stats import rebuild
from portal.stats.base import frame, ratio
from portal.stats.filters import CourseShape, StatsFilter

MIN_RESPONSES = 10  # fewer first attempts than this: no verdict on the question
LOW_DISCRIMINATION = 0.2
HARD = 0.2
EASY = 0.95
# pilot review (docs/admin.md): once a question has PILOT_MIN_RESPONSES first attempts, it is marked for
# review with a reason when its facility is outside PILOT_FACILITY or its discrimination is below
# PILOT_MIN_DISCRIMINATION (the usual bands for a criterion-referenced course quiz)
PILOT_MIN_RESPONSES = 30
PILOT_FACILITY = (0.3, 0.9)
PILOT_MIN_DISCRIMINATION = 0.2
NONE_OPTION = "__none__"
OTHER_OPTION = "__other__"
TOP_RESPONSES = 6  # ordering / numeric: the most frequent whole responses, the rest as "other"


@dataclass(frozen=True)
class QuizAnalytics:
    summary: pd.DataFrame  # per quiz
    score_distribution: pd.DataFrame  # quiz_id, quiz, attempts_kind (first|all), bin, range, attempts
    attempts_to_pass: pd.DataFrame  # quiz_id, quiz, needed (int; 0 = not passed yet), learners
    questions: pd.DataFrame  # per question: facility, discrimination, flags
    options: pd.DataFrame  # per question and option: chosen, share, correct

    @property
    def empty(self) -> bool:
        return self.summary.empty or int(self.summary["attempts"].sum()) == 0


def statements(shape: CourseShape, flt: StatsFilter, src: q.Source = q.FACTS) -> dict:
    return {
        "attempts": q.quiz_attempts(shape, flt, src),
        "moments": q.question_moments(shape, flt, src),
    }


def quiz_analytics(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz], flt: StatsFilter
) -> QuizAnalytics:
    require_admin(actor)
    shape = CourseShape.of(course, quizzes)
    st = statements(shape, flt, rebuild.source(session, shape, flt))
    return shape_quiz(shape, **{k: frame(session, s) for k, s in st.items()})


# ---------------------------------------------------------------- formulas


def facility(sum_credit: float, n: int) -> float | None:
    return sum_credit / n if n else None


def discrimination(n: float, sx: float, sxx: float, st: float, stt: float, stx: float) -> float | None:
    """Pearson r between x (question credit) and y = T - x (rest of the attempt), from sums."""
    if n < 2:
        return None
    sy = st - sx
    syy = stt - 2 * stx + sxx
    sxy = stx - sxx
    cov = n * sxy - sx * sy
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    if var_x <= 1e-12 or var_y <= 1e-12:
        return None
    return max(-1.0, min(1.0, cov / math.sqrt(var_x * var_y)))


def question_flags(n: int, facility_index: float | None, discrimination_index: float | None,
                   top_wrong_beats_right: bool) -> list[str]:
    """Why a question deserves a look (codes; labels in the catalog under stats.flag.*)."""
    if n < MIN_RESPONSES:
        return ["few_responses"]
    flags = []
    if discrimination_index is not None and discrimination_index < 0:
        flags.append("negative_discrimination")
    elif discrimination_index is not None and discrimination_index < LOW_DISCRIMINATION:
        flags.append("low_discrimination")
    if facility_index is not None and facility_index < HARD:
        flags.append("very_hard")
    if facility_index is not None and facility_index > EASY:
        flags.append("very_easy")
    if top_wrong_beats_right:
        flags.append("distractor_beats_answer")
    return flags


def pilot_review(n: int, facility_index: float | None, discrimination_index: float | None) -> str:
    """The reason (in words) to review a question after the pilot, or "" (also with too few answers)."""
    if n < PILOT_MIN_RESPONSES:
        return ""
    lo, hi = PILOT_FACILITY
    reasons = []
    if facility_index is not None and facility_index < lo:
        reasons.append(t("stats.review.hard", f=f"{facility_index:.2f}", lo=lo, hi=hi))
    elif facility_index is not None and facility_index > hi:
        reasons.append(t("stats.review.easy", f=f"{facility_index:.2f}", lo=lo, hi=hi))
    if discrimination_index is not None and discrimination_index < PILOT_MIN_DISCRIMINATION:
        reasons.append(t("stats.review.discrimination", d=f"{discrimination_index:.2f}", min=PILOT_MIN_DISCRIMINATION))
    return "・".join(reasons)


# ---------------------------------------------------------------- options


def _short(text: str, width: int = 40) -> str:
    """One line of plain text: Markdown emphasis and code marks removed, cut at ``width``."""
    text = " ".join(str(text).replace("**", "").replace("`", "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _option_counts(question, responses: list[tuple[object, int]]) -> list[tuple[str, str, int, bool | None]]:
    """(option_id, label, chosen, is_correct) for one question from (response, count) pairs."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    correct: dict[str, bool | None] = {}

    def add(key: str, label: str, n: int, ok: bool | None) -> None:
        counts[key] = counts.get(key, 0) + n
        labels.setdefault(key, label)
        correct.setdefault(key, ok)

    whole: dict[str, int] = {}
    for response, n in responses:
        if response is None or response == [] or response == {}:
            add(NONE_OPTION, t("stats.quiz.no_answer"), n, None)
            continue
        if isinstance(question, SingleChoice):
            rid = str(response)
            add(rid, f"{rid}: {_short(question.option_text(rid))}", n, rid == question.answer)
        elif isinstance(question, MultipleChoice):
            for rid in response if isinstance(response, list) else [response]:
                add(str(rid), f"{rid}: {_short(question.option_text(str(rid)))}", n, rid in question.answer)
        elif isinstance(question, TrueFalse):
            value = bool(response)
            add("true" if value else "false", t("stats.quiz.true" if value else "stats.quiz.false"), n,
                value is question.answer)
        elif isinstance(question, Matching):
            if isinstance(response, dict):
                lefts = {p.id: p.left for p in question.pairs}
                rights = {p.id: p.right for p in question.pairs}
                for left, right in response.items():
                    if not right:
                        continue
                    key = f"{left}={right}"
                    add(key, f"{_short(lefts.get(left, left), 18)} → {_short(rights.get(right, right), 18)}", n,
                        left == right)
        elif isinstance(question, (Ordering, Numeric)):
            key = json.dumps(response, ensure_ascii=False)
            whole[key] = whole.get(key, 0) + n
    if whole:
        ranked = sorted(whole.items(), key=lambda kv: -kv[1])
        for key, n in ranked[:TOP_RESPONSES]:
            value = json.loads(key)
            if isinstance(question, Ordering):
                label = " → ".join(str(v) for v in value) if isinstance(value, list) else str(value)
                ok = value == question.answer
            else:
                label = f"{value}{question.unit}"
                try:
                    ok = abs(float(value) - question.answer) <= question.tolerance + 1e-9
                except (TypeError, ValueError):
                    ok = False
            add(key, label, n, ok)
        rest = sum(n for _, n in ranked[TOP_RESPONSES:])
        if rest:
            add(OTHER_OPTION, t("stats.quiz.other"), rest, False)
    return [(k, labels[k], counts[k], correct[k]) for k in counts]


# ---------------------------------------------------------------- shaping


def _bin_label(b: int) -> str:
    lo = b * 100 // q.SCORE_BINS
    hi = (b + 1) * 100 // q.SCORE_BINS
    return f"{lo}–{hi}%" if b == q.SCORE_BINS - 1 else f"{lo}–{hi - 1}%"


def shape_quiz(shape: CourseShape, attempts, moments) -> QuizAnalytics:
    quiz_ids = [l.quiz_id for l in shape.lessons if l.quiz_id]
    order = {qid: i for i, qid in enumerate(quiz_ids)}
    attempts = attempts.assign(n=attempts["n"].astype(int), passed=attempts["passed"].astype(int),
                               score_sum=attempts["score_sum"].astype(float))
    bins = attempts[attempts["kind"] == "bin"].assign(first=lambda d: d["first"].astype(int),
                                                       bin=lambda d: d["k"].astype(int))
    people = attempts[attempts["kind"] == "learners"].set_index("quiz_id")["n"]
    tp = attempts[attempts["kind"] == "to_pass"]

    # per quiz (sums of the per-bin partial aggregates)
    s = pd.DataFrame({"quiz_id": quiz_ids})
    all_ = bins.groupby("quiz_id")[["n", "score_sum", "passed"]].sum()
    firsts = bins[bins["first"] == 1].groupby("quiz_id")[["n", "score_sum", "passed"]].sum()
    s["learners"] = s["quiz_id"].map(people).fillna(0).astype(int)
    s["attempts"] = s["quiz_id"].map(all_["n"]).fillna(0).astype(int)
    passed_attempts = s["quiz_id"].map(all_["passed"]).fillna(0)
    score_sum = s["quiz_id"].map(all_["score_sum"]).fillna(0.0)
    first_n = s["quiz_id"].map(firsts["n"]).fillna(0)
    s["quiz"] = s["quiz_id"].map(shape.quiz_label)
    s["attempts_per_learner"] = s["attempts"] / s["learners"].where(s["learners"] > 0)
    s["mean_score"] = score_sum / s["attempts"].where(s["attempts"] > 0)
    s["first_mean_score"] = s["quiz_id"].map(firsts["score_sum"]) / first_n.where(first_n > 0)
    s["first_pass_rate"] = s["quiz_id"].map(firsts["passed"]) / first_n.where(first_n > 0)
    s["pass_rate"] = passed_attempts / s["attempts"].where(s["attempts"] > 0)

    # attempts needed to pass (0 = not passed yet)
    if len(tp):
        tp = tp.assign(needed=tp["k"].fillna(0).astype(int), learners=tp["n"])
        tp = tp.groupby(["quiz_id", "needed"], as_index=False)["learners"].sum()
    else:
        tp = pd.DataFrame({"quiz_id": pd.Series(dtype=object), "needed": pd.Series(dtype=int),
                           "learners": pd.Series(dtype=int)})
    passed_rows = tp[tp["needed"] > 0]
    stats = {}
    for qid, grp in passed_rows.groupby("quiz_id"):
        total = grp["learners"].sum()
        mean = float((grp["needed"] * grp["learners"]).sum() / total)
        median = float(grp.loc[grp.index.repeat(grp["learners"].astype(int)), "needed"].median())
        stats[qid] = (int(total), mean, median)
    s["passed_learners"] = s["quiz_id"].map(lambda k: stats.get(k, (0, None, None))[0]).astype(int)
    s["mean_attempts_to_pass"] = s["quiz_id"].map(lambda k: stats.get(k, (0, None, None))[1])
    s["median_attempts_to_pass"] = s["quiz_id"].map(lambda k: stats.get(k, (0, None, None))[2])
    not_yet = tp[tp["needed"] == 0].set_index("quiz_id")["learners"]
    s["not_passed_learners"] = s["quiz_id"].map(not_yet).fillna(0).astype(int)
    s = s[["quiz_id", "quiz", "learners", "attempts", "attempts_per_learner", "mean_score", "first_mean_score",
           "first_pass_rate", "pass_rate", "passed_learners", "not_passed_learners", "mean_attempts_to_pass",
           "median_attempts_to_pass"]]
    tp = tp.assign(quiz=tp["quiz_id"].map(shape.quiz_label), _o=tp["quiz_id"].map(order))
    tp = tp.sort_values(["_o", "needed"])[["quiz_id", "quiz", "needed", "learners"]].reset_index(drop=True)

    # score distribution: every bin present for each quiz and kind
    grid = pd.DataFrame(
        [(qid, kind, b) for qid in quiz_ids for kind in ("first", "all") for b in range(q.SCORE_BINS)],
        columns=["quiz_id", "attempts_kind", "bin"],
    )
    if len(bins):
        dist = bins[["quiz_id", "first", "bin", "n"]].rename(columns={"n": "attempts"})
        dist = pd.concat([dist[dist["first"] == 1].assign(attempts_kind="first"), dist.assign(attempts_kind="all")])
        dist = dist.groupby(["quiz_id", "attempts_kind", "bin"], as_index=False)["attempts"].sum()
        grid = grid.merge(dist, on=["quiz_id", "attempts_kind", "bin"], how="left")
    else:
        grid["attempts"] = 0
    grid["attempts"] = grid["attempts"].fillna(0).astype(int)
    grid["quiz"] = grid["quiz_id"].map(shape.quiz_label)
    grid["range"] = grid["bin"].map(_bin_label)
    score_distribution = grid[["quiz_id", "quiz", "attempts_kind", "bin", "range", "attempts"]]

    # per question and per option: sum the per-response partial sums (plain Python: a few
    # hundred rows, and pandas' per-group overhead would dominate)
    acc: dict[tuple[str, str], list] = {}
    for quiz_id, question_id, response, n, sx, sxx, st_, stt, stx, correct in moments[
        ["quiz_id", "question_id", "response", "n", "sx", "sxx", "st", "stt", "stx", "correct"]
    ].itertuples(index=False, name=None):
        a = acc.setdefault((quiz_id, question_id), [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, []])
        a[0] += int(n)
        a[1] += float(sx)
        a[2] += float(sxx)
        a[3] += float(st_)
        a[4] += float(stt)
        a[5] += float(stx)
        a[6] += int(correct)
        a[7].append((response, int(n)))
    question_rows = []
    option_rows = []
    seen = set()
    for (quiz_id, question_id), (n, sx, sxx, st_, stt, stx, correct, responses) in acc.items():
        seen.add((quiz_id, question_id))
        quiz = shape.quizzes.get(quiz_id)
        question = quiz.question(question_id) if quiz else None
        fac = facility(sx, n)
        disc = discrimination(n, sx, sxx, st_, stt, stx)
        share = ratio(correct, n)
        options = []
        if question is not None:
            parsed = []
            for text, count in responses:
                try:
                    parsed.append((json.loads(text) if text is not None else None, count))
                except (TypeError, ValueError):
                    parsed.append((None, count))
            options = _option_counts(question, parsed)
        right = max((c for _, _, c, ok in options if ok), default=0)
        wrong = max((c for k, _, c, ok in options if ok is False and k != OTHER_OPTION), default=0)
        beats = isinstance(question, (SingleChoice, TrueFalse, MultipleChoice)) and wrong > right
        question_rows.append(dict(
            quiz_id=quiz_id, quiz=shape.quiz_label(quiz_id), question_id=question_id,
            type=getattr(question, "type", ""), prompt=_short(question.prompt, 60) if question else question_id,
            n=n, facility=fac, share_correct=share, discrimination=disc,
            flags=question_flags(n, fac, disc, beats), review=pilot_review(n, fac, disc),
        ))
        for key, label, chosen, ok in options:
            option_rows.append(dict(quiz_id=quiz_id, question_id=question_id, option_id=key, option=label,
                                    chosen=chosen, share=ratio(chosen, n), correct=ok))
    # questions of the bank nobody has seen yet on a first attempt
    for qid in quiz_ids:
        quiz = shape.quizzes.get(qid)
        for question in quiz.questions if quiz else ():
            if (qid, question.id) not in seen:
                question_rows.append(dict(
                    quiz_id=qid, quiz=shape.quiz_label(qid), question_id=question.id, type=question.type,
                    prompt=_short(question.prompt, 60), n=0, facility=None, share_correct=None,
                    discrimination=None, flags=["few_responses"], review="",
                ))
    questions = pd.DataFrame(question_rows, columns=[
        "quiz_id", "quiz", "question_id", "type", "prompt", "review", "flags", "n", "facility", "share_correct",
        "discrimination",
    ])
    if len(questions):
        bank_order = {
            (qid, qq.id): i for qid in quiz_ids if shape.quizzes.get(qid)
            for i, qq in enumerate(shape.quizzes[qid].questions)
        }
        questions["_o"] = [(order.get(a, 999), bank_order.get((a, b), 999)) for a, b in
                           zip(questions["quiz_id"], questions["question_id"])]
        questions = questions.sort_values("_o").drop(columns="_o").reset_index(drop=True)
    options = pd.DataFrame(option_rows, columns=["quiz_id", "question_id", "option_id", "option", "chosen", "share", "correct"])
    if len(options):
        options = options.sort_values(["quiz_id", "question_id", "chosen"], ascending=[True, True, False]).reset_index(drop=True)
    return QuizAnalytics(summary=s.reset_index(drop=True), score_distribution=score_distribution,
                         attempts_to_pass=tp, questions=questions, options=options)
