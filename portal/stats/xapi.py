"""xAPI (Experience API 1.0.3) statements export, for organisations that feed a learning record
store (LRS): completed lesson, answered question, passed / failed quiz.

- actor: ``account {homePage: <base IRI>, name: <employee id>}`` (or ``mbox mailto:<e-mail>`` when
  chosen, or when the learner has no employee id). No display names are sent.
- verbs: http://adlnet.gov/expapi/verbs/completed | answered | passed | failed
- objects: activities under the configurable base IRI: <base>/lessons/<lesson id>,
  <base>/quizzes/<quiz id>, <base>/quizzes/<quiz id>/questions/<question id>.
- result: score.scaled (0..1), success, completion; quizzes also score.raw/min/max and duration.
- id: a UUID derived (uuid5) from the base IRI and the record, so exporting again gives the
  same ids and an LRS can drop the duplicates; timestamp: ISO 8601 in UTC; version "1.0.3".

Counts and choices only: no free text a learner typed is exported (the portal stores none).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.db.models import AppSetting, QuizAnswer, QuizAttempt, User
from portal.i18n import current_lang, t
from portal.learning.content import Course
from portal.learning.quiz import Matching, MultipleChoice, Numeric, Ordering, Quiz, SingleChoice, TrueFalse
from portal.stats import queries as q
from portal.stats.filters import CourseShape, StatsFilter

XAPI_VERSION = "1.0.3"
SETTING_KEY = "xapi.base_iri"
DEFAULT_BASE_IRI = "https://portal.example/xapi"
MAX_STATEMENTS = 50_000  # per download (about 45 MB); narrow the date range for more

VERBS = {
    "completed": ("http://adlnet.gov/expapi/verbs/completed", {"en-US": "completed", "ja-JP": "修了した"}),
    "answered": ("http://adlnet.gov/expapi/verbs/answered", {"en-US": "answered", "ja-JP": "回答した"}),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", {"en-US": "passed", "ja-JP": "合格した"}),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", {"en-US": "failed", "ja-JP": "不合格だった"}),
}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
}
INTERACTION_TYPES = {
    "single": "choice", "multiple": "choice", "true_false": "true-false",
    "ordering": "sequencing", "matching": "matching", "numeric": "numeric",
}
IRI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$")
HTTP_IRI_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


class XapiError(ValueError):
    """A user-facing problem with the export settings (message in Japanese)."""


@dataclass(frozen=True)
class XapiOptions:
    base_iri: str = DEFAULT_BASE_IRI
    actor: Literal["account", "mbox"] = "account"
    include_answers: bool = True

    @property
    def base(self) -> str:
        return self.base_iri.rstrip("/")


# ---------------------------------------------------------------- settings


def check_base_iri(iri: str) -> str:
    iri = (iri or "").strip()
    if not HTTP_IRI_RE.match(iri):
        raise XapiError(t("stats.xapi.error.base_iri"))
    return iri.rstrip("/")


def get_base_iri(session: Session, actor: CurrentUser) -> str:
    require_admin(actor)
    row = session.get(AppSetting, SETTING_KEY)
    return str(row.value) if row is not None and row.value else DEFAULT_BASE_IRI


def set_base_iri(session: Session, actor: CurrentUser, iri: str) -> str:
    require_admin(actor)
    iri = check_base_iri(iri)
    row = session.get(AppSetting, SETTING_KEY)
    if row is None:
        session.add(AppSetting(key=SETTING_KEY, value=iri, updated_by=actor.id or None))
    else:
        row.value = iri
        row.updated_by = actor.id or None
    return iri


# ---------------------------------------------------------------- building blocks


def iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"PT{hours}H{minutes}M{sec:.2f}S" if hours else f"PT{minutes}M{sec:.2f}S"


def statement_id(options: XapiOptions, key: str) -> str:
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, options.base), key))


def agent(options: XapiOptions, employee_id: str | None, email: str) -> dict:
    if options.actor == "account" and employee_id:
        return {"objectType": "Agent", "account": {"homePage": options.base, "name": employee_id}}
    return {"objectType": "Agent", "mbox": f"mailto:{email}"}


def verb(name: str) -> dict:
    vid, display = VERBS[name]
    return {"id": vid, "display": dict(display)}


LANG_TAGS = {"ja": "ja-JP", "en": "en-US"}  # RFC 5646 tags of the UI languages


def _tag() -> str:
    """The language of the names and descriptions: the content is read in the exporting admin's language."""
    return LANG_TAGS.get(current_lang(), "ja-JP")


def _activity(iri: str, kind: str, name: str, **definition: Any) -> dict:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": ACTIVITY_TYPES[kind], "name": {_tag(): name}, **definition}}


def format_response(question, response: Any) -> str | None:
    """A response in the xAPI / SCORM interaction response format."""
    if response is None:
        return None
    if isinstance(question, (SingleChoice,)):
        return str(response)
    if isinstance(question, (MultipleChoice, Ordering)):
        return "[,]".join(str(r) for r in (response if isinstance(response, list) else [response]))
    if isinstance(question, TrueFalse):
        return "true" if response is True else "false"
    if isinstance(question, Matching) and isinstance(response, dict):
        return "[,]".join(f"{left}[.]{right}" for left, right in response.items() if right)
    if isinstance(question, Numeric):
        return str(response)
    return json.dumps(response, ensure_ascii=False)


def _interaction_definition(question) -> dict:
    out: dict[str, Any] = {"interactionType": INTERACTION_TYPES.get(question.type, "other")}
    if isinstance(question, (SingleChoice, MultipleChoice, Ordering)):
        out["choices"] = [{"id": o.id, "description": {_tag(): o.text}} for o in question.options]
        answer = question.answer if isinstance(question.answer, list) else [question.answer]
        out["correctResponsesPattern"] = ["[,]".join(answer)]
    elif isinstance(question, TrueFalse):
        out["correctResponsesPattern"] = ["true" if question.answer else "false"]
    elif isinstance(question, Matching):
        out["source"] = [{"id": p.id, "description": {_tag(): p.left}} for p in question.pairs]
        out["target"] = [{"id": p.id, "description": {_tag(): p.right}} for p in question.pairs]
        out["correctResponsesPattern"] = ["[,]".join(f"{p.id}[.]{p.id}" for p in question.pairs)]
    elif isinstance(question, Numeric):
        lo, hi = question.answer - question.tolerance, question.answer + question.tolerance
        out["correctResponsesPattern"] = [f"{lo:g}[:]{hi:g}" if question.tolerance else f"{question.answer:g}"]
    return out


# ---------------------------------------------------------------- the export


def _people(session: Session, flt: StatsFilter) -> dict[int, tuple[str | None, str, str]]:
    """user id -> employee id, e-mail, and the RFC 5646 tag of the learner's UI language."""
    L = q.learners(flt).subquery("l")
    rows = session.execute(select(User.id, User.employee_id, User.email, q.user_language())
                           .join(L, L.c.user_id == User.id))
    return {uid: (emp, email, LANG_TAGS.get(lang, "ja-JP")) for uid, emp, email, lang in rows}


def _attempts_query(shape: CourseShape, flt: StatsFilter):
    quiz_ids = list(shape.quiz_to_lesson) or ["-"]
    L = q.learners(flt).subquery("l")
    return (
        select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.started_at,
               QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.passed,
               func.json_array_length(QuizAttempt.question_ids).label("n_questions"))
        .join(L, L.c.user_id == QuizAttempt.user_id)
        .where(QuizAttempt.status == "submitted", QuizAttempt.quiz_id.in_(quiz_ids),
               *q.in_range(QuizAttempt.submitted_at, flt))
    )


def count_statements(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz], flt: StatsFilter,
    options: XapiOptions,
) -> int:
    """How many statements ``statements`` would produce (lessons completed in the range are
    estimated by lessons read in the range: an upper bound)."""
    require_admin(actor)
    shape = CourseShape.of(course, quizzes)
    att = _attempts_query(shape, flt).subquery("a")
    n = session.scalar(select(func.count()).select_from(att)) or 0
    if options.include_answers:
        n += session.scalar(
            select(func.count()).select_from(att.join(QuizAnswer.__table__, QuizAnswer.attempt_id == att.c.id))
        ) or 0
    L = q.learners(flt).subquery("l")
    lp = q.progress
    n += session.scalar(
        select(func.count()).select_from(lp.join(L, L.c.user_id == lp.c.user_id))
        .where(lp.c.read_at.is_not(None), *q.in_range(lp.c.read_at, flt))
    ) or 0
    return int(n)


def statements(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz], flt: StatsFilter,
    options: XapiOptions,
) -> Iterator[dict]:
    """Statements for what happened in the filter's range, streamed from the database."""
    require_admin(actor)
    shape = CourseShape.of(course, quizzes)
    people = _people(session, flt)
    base = options.base
    course_activity = _activity(f"{base}/course", "course", t("app.title"))

    def lesson_activity(lesson_id: str) -> dict:
        return _activity(f"{base}/lessons/{lesson_id}", "lesson", shape.label(lesson_id))

    def context(*parents: dict, language: str = "ja-JP", extra: dict | None = None) -> dict:
        ctx: dict[str, Any] = {
            "platform": t("app.title"),
            "language": language,  # the learner's UI language
            "contextActivities": {"grouping": [course_activity]},
        }
        if parents:
            ctx["contextActivities"]["parent"] = list(parents)
        if extra:
            ctx["extensions"] = extra
        return ctx

    # completed lessons: completion time = when both rules were first met
    cells = q.learner_cells(shape, StatsFilter(departments=flt.departments, end=flt.end, languages=flt.languages))
    for row in session.execute(cells):
        if not row.completed or row.user_id not in people or row.read_at is None:
            continue
        done_at = max(row.read_at, row.first_pass_at) if row.first_pass_at else row.read_at
        if (flt.start_utc and done_at < flt.start_utc) or (flt.end_utc and done_at >= flt.end_utc):
            continue
        emp, email, language = people[row.user_id]
        result: dict[str, Any] = {"completion": True}
        if row.best_score is not None:
            result["score"] = {"scaled": round(float(row.best_score), 4)}
            result["success"] = True
        yield {
            "id": statement_id(options, f"completed:{row.user_id}:{row.lesson_id}"),
            "actor": agent(options, emp, email),
            "verb": verb("completed"),
            "object": lesson_activity(row.lesson_id),
            "result": result,
            "context": context(language=language),
            "timestamp": iso(done_at),
            "version": XAPI_VERSION,
        }

    # quiz attempts, and each answered question
    attempts = session.execute(_attempts_query(shape, flt).order_by(QuizAttempt.id)).all()
    by_id = {a.id: a for a in attempts}
    for a in attempts:
        emp, email, language = people[a.user_id]
        quiz = shape.quizzes.get(a.quiz_id)
        lesson_id = shape.quiz_to_lesson.get(a.quiz_id)
        n = int(a.n_questions or 0)
        score = float(a.score or 0.0)
        yield {
            "id": statement_id(options, f"attempt:{a.id}"),
            "actor": agent(options, emp, email),
            "verb": verb("passed" if a.passed else "failed"),
            "object": _activity(f"{base}/quizzes/{a.quiz_id}", "assessment", quiz.meta.title if quiz else a.quiz_id),
            "result": {
                "score": {"scaled": round(score, 4), "raw": round(score * n, 4), "min": 0, "max": n},
                "success": bool(a.passed),
                "completion": True,
                "duration": duration((a.submitted_at - a.started_at).total_seconds()),
            },
            "context": context(*([lesson_activity(lesson_id)] if lesson_id else []), language=language,
                               extra={f"{base}/extensions/attempt": a.id}),
            "timestamp": iso(a.submitted_at),
            "version": XAPI_VERSION,
        }
    if not options.include_answers or not attempts:
        return
    ans = QuizAnswer.__table__
    att = _attempts_query(shape, flt).subquery("a")
    rows = session.execute(
        select(ans.c.attempt_id, ans.c.question_id, ans.c.response, ans.c.credit, ans.c.correct)
        .join(att, att.c.id == ans.c.attempt_id)
        .order_by(ans.c.attempt_id, ans.c.position)
        .execution_options(yield_per=5000)
    )
    for r in rows:
        a = by_id.get(r.attempt_id)
        if a is None:
            continue
        emp, email, language = people[a.user_id]
        quiz = shape.quizzes.get(a.quiz_id)
        question = quiz.question(r.question_id) if quiz else None
        definition = _interaction_definition(question) if question is not None else {}
        title = " ".join(question.prompt.split())[:120] if question is not None else r.question_id
        result: dict[str, Any] = {
            "score": {"scaled": round(float(r.credit), 4)},
            "success": bool(r.correct),
            "completion": r.response is not None,
        }
        formatted = format_response(question, r.response) if question is not None else None
        if formatted is not None:
            result["response"] = formatted
        yield {
            "id": statement_id(options, f"answer:{r.attempt_id}:{r.question_id}"),
            "actor": agent(options, emp, email),
            "verb": verb("answered"),
            "object": _activity(f"{base}/quizzes/{a.quiz_id}/questions/{r.question_id}", "interaction", title,
                                **definition),
            "result": result,
            "context": context(
                _activity(f"{base}/quizzes/{a.quiz_id}", "assessment", quiz.meta.title if quiz else a.quiz_id),
                language=language, extra={f"{base}/extensions/attempt": a.id},
            ),
            "timestamp": iso(a.submitted_at),
            "version": XAPI_VERSION,
        }


def json_bytes(items: Iterable[dict]) -> bytes:
    """A JSON array (UTF-8), written statement by statement."""
    parts = ["["]
    first = True
    for item in items:
        parts.append(("" if first else ",\n") + json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        first = False
    parts.append("]")
    return "".join(parts).encode("utf-8")


# ---------------------------------------------------------------- validation


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DURATION_RE = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$")
LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")


def _language_map(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict) or not all(LANG_RE.match(k) and isinstance(v, str) for k, v in value.items()):
        problems.append(f"{where} must be a language map")


def validate_statement(stmt: Any) -> list[str]:
    """Problems with a statement against the xAPI 1.0.3 rules this export relies on (required
    properties, identifier formats, value ranges); empty when it is valid."""
    p: list[str] = []
    if not isinstance(stmt, dict):
        return ["statement must be an object"]
    allowed = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
               "version", "attachments"}
    p += [f"unknown property {k}" for k in stmt if k not in allowed]
    for required in ("actor", "verb", "object"):
        if required not in stmt:
            p.append(f"{required} is required")
    if "id" in stmt and not (isinstance(stmt["id"], str) and UUID_RE.match(stmt["id"])):
        p.append("id must be a UUID")
    actor = stmt.get("actor")
    if isinstance(actor, dict):
        if actor.get("objectType", "Agent") != "Agent":
            p.append("actor.objectType must be Agent")
        ifis = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor]
        if len(ifis) != 1:
            p.append("actor needs exactly one inverse functional identifier")
        if "mbox" in actor and not re.match(r"^mailto:[^@\s]+@[^@\s]+$", str(actor["mbox"])):
            p.append("actor.mbox must be a mailto: IRI")
        if "account" in actor:
            acc = actor["account"]
            if not isinstance(acc, dict) or not HTTP_IRI_RE.match(str(acc.get("homePage", ""))) or not acc.get("name"):
                p.append("actor.account needs homePage (IRL) and name")
    elif "actor" in stmt:
        p.append("actor must be an object")
    v = stmt.get("verb")
    if isinstance(v, dict):
        if not IRI_RE.match(str(v.get("id", ""))):
            p.append("verb.id must be an IRI")
        if "display" in v:
            _language_map(v["display"], "verb.display", p)
    elif "verb" in stmt:
        p.append("verb must be an object")
    obj = stmt.get("object")
    if isinstance(obj, dict):
        if obj.get("objectType", "Activity") == "Activity":
            if not IRI_RE.match(str(obj.get("id", ""))):
                p.append("object.id must be an IRI")
            d = obj.get("definition", {})
            if "name" in d:
                _language_map(d["name"], "object.definition.name", p)
            if "type" in d and not IRI_RE.match(str(d["type"])):
                p.append("object.definition.type must be an IRI")
            if "interactionType" in d and d["interactionType"] not in (
                "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
                "likert", "numeric", "other",
            ):
                p.append("object.definition.interactionType is not an xAPI interaction type")
    elif "object" in stmt:
        p.append("object must be an object")
    res = stmt.get("result")
    if res is not None:
        if not isinstance(res, dict):
            p.append("result must be an object")
        else:
            score = res.get("score")
            if score is not None:
                scaled = score.get("scaled")
                if scaled is not None and not (isinstance(scaled, (int, float)) and -1 <= scaled <= 1):
                    p.append("result.score.scaled must be between -1 and 1")
                lo, hi, raw = score.get("min"), score.get("max"), score.get("raw")
                if lo is not None and hi is not None and lo > hi:
                    p.append("result.score.min must not exceed max")
                if raw is not None and ((lo is not None and raw < lo) or (hi is not None and raw > hi)):
                    p.append("result.score.raw must lie between min and max")
            for flag in ("success", "completion"):
                if flag in res and not isinstance(res[flag], bool):
                    p.append(f"result.{flag} must be a boolean")
            if "duration" in res and not DURATION_RE.match(str(res["duration"])):
                p.append("result.duration must be an ISO 8601 duration")
            if "response" in res and not isinstance(res["response"], str):
                p.append("result.response must be a string")
    if "timestamp" in stmt and not TIMESTAMP_RE.match(str(stmt["timestamp"])):
        p.append("timestamp must be ISO 8601 with a time zone")
    if "version" in stmt and not re.match(r"^1\.0(\.\d+)?$", str(stmt["version"])):
        p.append("version must be 1.0.x")
    ctx = stmt.get("context")
    if isinstance(ctx, dict):
        for key in ctx.get("extensions", {}) or {}:
            if not IRI_RE.match(str(key)):
                p.append("context.extensions keys must be IRIs")
        if "language" in ctx and not LANG_RE.match(str(ctx["language"])):
            p.append("context.language must be an RFC 5646 tag")
    return p
