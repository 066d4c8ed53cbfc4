"""Custom lessons: draft, validate, publish as a new content version, retire, history.

A custom lesson is the same two files as a lesson in the repository: Markdown with front matter
(``content/``) and an optional question bank in YAML (``quizzes/``). They are checked by the same
code as ``portal validate`` (``parse_lesson``, ``parse_quiz``, ``cross_check``, ``bank_warnings``)
against the course they would join, so a lesson that publishes here also validates as a file.

Drafts may be incomplete (they are saved as typed); publishing refuses any error. Learners see
only published revisions (``published_content``), never a draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.db.models import (
    CustomLesson,
    CustomLessonEvent,
    CustomLessonRevision,
    LessonImage,
    LessonProgress,
    User,
    utcnow,
)
from portal.learning.bank_checks import bank_warnings
from portal.learning.content import SLUG, Course, Lesson, content_version, parse_lesson
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, parse_quiz
from portal.learning.validate import cross_check, template_dirs

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
_SLUG_RE = re.compile(SLUG)


class AuthoringError(ValueError):
    """Refused: nothing was written. ``problems`` name the file, field (or line) and what is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def lesson_file(lesson_id: str) -> Path:
    return Path(f"{lesson_id}.md")


def quiz_file(lesson_id: str) -> Path:
    return Path(f"{lesson_id}.yaml")


@dataclass(frozen=True)
class Checked:
    """A lesson and its bank as the course would serve them, or the reasons it would not."""

    lesson: Lesson | None
    quiz: Quiz | None
    errors: list[Problem]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.lesson is not None


def check(markdown: str, quiz_yaml: str | None, base: Course, base_quizzes: dict[str, Quiz],
          image_names: set[str] | None = None, *, lesson_id: str | None = None) -> Checked:
    """Validate one lesson (and its bank) against the course it joins (``base``: every other
    lesson and quiz served). The same checks as ``portal validate`` on files; plus: the id and
    quiz id are not another lesson's, the bank belongs to this lesson, images are uploaded."""
    name = lesson_id or "lesson"
    lesson, errors = parse_lesson(markdown.encode("utf-8"), lesson_file(name))
    quiz = None
    if quiz_yaml is not None and quiz_yaml.strip():
        quiz, quiz_errors = parse_quiz(quiz_yaml.encode("utf-8"), quiz_file(name))
        errors += quiz_errors
    if lesson is None:
        return Checked(None, quiz, errors)
    file = lesson_file(name).name
    if lesson_id is not None and lesson.id != lesson_id:
        errors.append(Problem(file, f"id is '{lesson.id}', but this lesson is '{lesson_id}' (the id cannot change)", "id"))
    if base.get(lesson.id) is not None:
        errors.append(Problem(file, f"lesson id '{lesson.id}' is used by another lesson", "id"))
    if quiz is not None:
        if lesson.meta.quiz_id != quiz.id:
            errors.append(Problem(file, f"quiz_id must be the question bank's id '{quiz.id}'", "quiz_id"))
        if quiz.id in base_quizzes:
            errors.append(Problem(quiz_file(name).name, f"quiz id '{quiz.id}' is used by another quiz", "id"))
    elif lesson.meta.quiz_id and lesson.meta.quiz_id not in base_quizzes and not (quiz_yaml or "").strip():
        errors.append(Problem(file, f"quiz '{lesson.meta.quiz_id}' does not exist: add a question bank or clear "
                                    "quiz_id", "quiz_id"))
    if errors:
        return Checked(lesson, quiz, errors)
    # the references between lessons and quizzes, as portal validate checks them, on this lesson's own lines
    joined = Course(sorted([*base.lessons, lesson], key=lambda x: (x.meta.order, x.id)), [])
    quizzes = {**base_quizzes, **({quiz.id: quiz} if quiz else {})}
    mine = {file, quiz_file(name).name}
    errors += [p for p in cross_check(joined, quizzes) if p.file in mine]
    if image_names is not None:
        for block in lesson.blocks:
            if block.kind == "image" and block.text not in image_names:
                errors.append(Problem(file, f"image '{block.text}' is not uploaded (管理 > レッスン作成 > 画像)", "body"))
    warnings = bank_warnings(quiz) if quiz is not None else []
    return Checked(lesson, quiz, errors, warnings)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CustomLessonInfo:
    lesson_id: str
    title: str
    order: int | None
    status: str
    published_revision: int | None
    has_unpublished_changes: bool
    updated_at: datetime
    updated_by: str | None
    draft_markdown: str
    draft_quiz: str | None


_TITLE_RE = re.compile(r"^title:\s*(.+?)\s*$", re.M)
_ORDER_RE = re.compile(r"^order:\s*(\d+)\s*$", re.M)


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _info(row: CustomLesson, live: CustomLessonRevision | None, names: dict[int, str]) -> CustomLessonInfo:
    title = _TITLE_RE.search(row.draft_markdown)
    order = _ORDER_RE.search(row.draft_markdown)
    changed = live is None or live.markdown != row.draft_markdown or (live.quiz or None) != (row.draft_quiz or None)
    return CustomLessonInfo(row.lesson_id, title.group(1).strip("'\"") if title else row.lesson_id,
                            int(order.group(1)) if order else None, row.status, row.published_revision,
                            changed and row.status != RETIRED, row.updated_at, names.get(row.updated_by or 0),
                            row.draft_markdown, row.draft_quiz)


def _live(session: Session, row: CustomLesson) -> CustomLessonRevision | None:
    if row.published_revision is None:
        return None
    return session.scalar(select(CustomLessonRevision).where(
        CustomLessonRevision.custom_lesson_id == row.id, CustomLessonRevision.number == row.published_revision))


def list_lessons(session: Session, actor: CurrentUser) -> list[CustomLessonInfo]:
    require_admin(actor)
    rows = list(session.scalars(select(CustomLesson).order_by(CustomLesson.lesson_id)))
    names = _names(session, {r.updated_by for r in rows})
    infos = [_info(r, _live(session, r), names) for r in rows]
    return sorted(infos, key=lambda i: (i.order or 10**6, i.lesson_id))


def get_lesson(session: Session, actor: CurrentUser, lesson_id: str) -> CustomLessonInfo | None:
    require_admin(actor)
    row = _row(session, lesson_id)
    if row is None:
        return None
    return _info(row, _live(session, row), _names(session, {row.updated_by}))


def _row(session: Session, lesson_id: str, *, lock: bool = False) -> CustomLesson | None:
    query = select(CustomLesson).where(CustomLesson.lesson_id == lesson_id)
    return session.scalar(query.with_for_update() if lock else query)


def _event(session: Session, row: CustomLesson, actor: CurrentUser, action: str, revision: int | None = None) -> None:
    session.add(CustomLessonEvent(custom_lesson_id=row.id, actor_id=actor.id or None, action=action,
                                  revision=revision, at=utcnow()))


# ---------------------------------------------------------------- writing


def _valid_id(lesson_id: str) -> None:
    if not _SLUG_RE.match(lesson_id or "") or len(lesson_id) > 100:
        raise AuthoringError([Problem(f"{lesson_id or '?'}.md", "the id must be lower-case letters, digits and "
                                      "hyphens (e.g. company-ai-rules)", "id")])


def create_draft(session: Session, actor: CurrentUser, lesson_id: str, markdown: str, quiz_yaml: str | None = None,
                 *, action: str = "created") -> CustomLessonInfo:
    """A new custom lesson, as a draft (learners do not see it)."""
    require_admin(actor)
    _valid_id(lesson_id)
    if _row(session, lesson_id) is not None:
        raise AuthoringError([Problem(f"{lesson_id}.md", f"a custom lesson '{lesson_id}' exists already", "id")])
    now = utcnow()
    row = CustomLesson(lesson_id=lesson_id, status=DRAFT, draft_markdown=markdown, draft_quiz=quiz_yaml or None,
                       created_at=now, created_by=actor.id or None, updated_at=now, updated_by=actor.id or None)
    session.add(row)
    session.flush()
    _event(session, row, actor, action)
    return _info(row, None, _names(session, {row.updated_by}))


def save_draft(session: Session, actor: CurrentUser, lesson_id: str, markdown: str,
               quiz_yaml: str | None) -> CustomLessonInfo:
    """Keep the editor's text as the draft (it may still have errors; publishing checks them).
    The published revision, if any, stays what learners see."""
    require_admin(actor)
    row = _existing(session, lesson_id, lock=True)
    if row.draft_markdown == markdown and (row.draft_quiz or None) == (quiz_yaml or None):
        return _info(row, _live(session, row), _names(session, {row.updated_by}))
    row.draft_markdown, row.draft_quiz = markdown, quiz_yaml or None
    row.updated_at, row.updated_by = utcnow(), actor.id or None
    _event(session, row, actor, "saved")
    return _info(row, _live(session, row), _names(session, {row.updated_by}))


def _existing(session: Session, lesson_id: str, *, lock: bool = False) -> CustomLesson:
    row = _row(session, lesson_id, lock=lock)
    if row is None:
        raise AuthoringError([Problem(f"{lesson_id}.md", f"no custom lesson '{lesson_id}'", "id")])
    return row


def image_names(session: Session) -> set[str]:
    return set(session.scalars(select(LessonImage.name)))


def _base(session: Session, lesson_id: str, files: Course, file_quizzes: dict[str, Quiz]):
    """The course a lesson joins: the lesson files and every other published custom lesson."""
    others = [p for p in published_content(session) if p.lesson_id != lesson_id]
    course, quizzes, _ = merge_course(files, file_quizzes, others)
    return course, quizzes


def validate_draft(session: Session, actor: CurrentUser, lesson_id: str, markdown: str, quiz_yaml: str | None,
                   files: Course, file_quizzes: dict[str, Quiz]) -> Checked:
    """The checks publishing applies, on the editor's text (for the live preview and messages),
    against the course it would join: ``files``/``file_quizzes`` (the lesson files) and the other
    published custom lessons."""
    require_admin(actor)
    base, quizzes = _base(session, lesson_id, files, file_quizzes)
    return check(markdown, quiz_yaml, base, quizzes, image_names(session), lesson_id=lesson_id)


def publish(session: Session, actor: CurrentUser, lesson_id: str, files: Course,
            file_quizzes: dict[str, Quiz]) -> int:
    """Publish the draft as a new revision (a new content version: readers of the previous one
    are shown that the lesson changed). Refused with the problems when it does not validate."""
    require_admin(actor)
    row = _existing(session, lesson_id, lock=True)
    checked = validate_draft(session, actor, lesson_id, row.draft_markdown, row.draft_quiz, files, file_quizzes)
    if not checked.ok:
        raise AuthoringError(checked.errors)
    live = _live(session, row)
    if live is not None and row.status == PUBLISHED and live.markdown == row.draft_markdown \
            and (live.quiz or None) == (row.draft_quiz or None):
        return live.number  # nothing changed: no new version
    number = (live.number if live else 0) + 1
    last = session.scalar(select(CustomLessonRevision.number).where(CustomLessonRevision.custom_lesson_id == row.id)
                          .order_by(CustomLessonRevision.number.desc()).limit(1))
    number = max(number, (last or 0) + 1)
    session.add(CustomLessonRevision(custom_lesson_id=row.id, number=number, markdown=row.draft_markdown,
                                     quiz=row.draft_quiz, content_version=checked.lesson.version,
                                     published_at=utcnow(), published_by=actor.id or None))
    row.status, row.published_revision = PUBLISHED, number
    row.updated_at, row.updated_by = utcnow(), actor.id or None
    _event(session, row, actor, "published", number)
    return number


def retire(session: Session, actor: CurrentUser, lesson_id: str) -> None:
    """Take a published lesson out of the course (its revisions, history and learners' progress
    stay; publishing again brings it back)."""
    require_admin(actor)
    row = _existing(session, lesson_id, lock=True)
    if row.status != PUBLISHED:
        raise AuthoringError([Problem(f"{lesson_id}.md", "only a published lesson can be retired", "status")])
    row.status = RETIRED
    row.updated_at, row.updated_by = utcnow(), actor.id or None
    _event(session, row, actor, "retired", row.published_revision)


def delete_draft(session: Session, actor: CurrentUser, lesson_id: str) -> None:
    """Delete a lesson that was never published (e.g. an adopted template not wanted)."""
    require_admin(actor)
    row = _existing(session, lesson_id, lock=True)
    if row.published_revision is not None:
        raise AuthoringError([Problem(f"{lesson_id}.md", "a lesson that was published is retired, not deleted "
                                      "(its history and learners' progress stay)", "status")])
    session.delete(row)


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    revision: int | None


@dataclass(frozen=True)
class Revision:
    number: int
    markdown: str
    quiz: str | None
    content_version: str
    published_at: datetime
    published_by: str | None
    readers: int = 0  # learners whose latest reading is of this version


def history(session: Session, actor: CurrentUser, lesson_id: str) -> list[HistoryEntry]:
    """Who changed what, and when, newest first."""
    require_admin(actor)
    row = _existing(session, lesson_id)
    events = list(session.scalars(select(CustomLessonEvent).where(CustomLessonEvent.custom_lesson_id == row.id)
                                  .order_by(CustomLessonEvent.id.desc())))
    names = _names(session, {e.actor_id for e in events})
    return [HistoryEntry(e.at, names.get(e.actor_id or 0), e.action, e.revision) for e in events]


def revisions(session: Session, actor: CurrentUser, lesson_id: str) -> list[Revision]:
    """Every published version, newest first (each viewable as published), with how many
    learners last read it: readers of an older version are counted under that version."""
    require_admin(actor)
    row = _existing(session, lesson_id)
    revs = list(session.scalars(select(CustomLessonRevision).where(CustomLessonRevision.custom_lesson_id == row.id)
                                .order_by(CustomLessonRevision.number.desc())))
    names = _names(session, {r.published_by for r in revs})
    latest: dict[int, tuple] = {}  # user -> (read_at, version) of the latest reading
    for user_id, version, read_at in session.execute(
            select(LessonProgress.user_id, LessonProgress.content_version, LessonProgress.read_at)
            .where(LessonProgress.lesson_id == lesson_id, LessonProgress.read_at.is_not(None))):
        if user_id not in latest or read_at > latest[user_id][0]:
            latest[user_id] = (read_at, version)
    counts: dict[str, int] = {}
    for _, version in latest.values():
        counts[version] = counts.get(version, 0) + 1
    seen: set[str] = set()
    out = []
    for r in revs:  # newest first: a version published twice counts once, at its newest revision
        readers = counts.get(r.content_version, 0) if r.content_version not in seen else 0
        seen.add(r.content_version)
        out.append(Revision(r.number, r.markdown, r.quiz, r.content_version, r.published_at,
                            names.get(r.published_by or 0), readers))
    return out


# ---------------------------------------------------------------- what learners see


@dataclass(frozen=True)
class PublishedLesson:
    lesson_id: str
    revision: int
    markdown: str
    quiz: str | None


def publication_stamp(session: Session) -> tuple[tuple[str, int], ...]:
    """What is published now, cheaply: changes whenever a lesson is published or retired."""
    rows = session.execute(select(CustomLesson.lesson_id, CustomLesson.published_revision)
                           .where(CustomLesson.status == PUBLISHED).order_by(CustomLesson.lesson_id))
    return tuple((lesson_id, number) for lesson_id, number in rows)


def published_content(session: Session) -> list[PublishedLesson]:
    """The live revision of every published custom lesson (never a draft): the course's, for
    every signed-in learner, so no role check."""
    rows = session.execute(
        select(CustomLesson.lesson_id, CustomLessonRevision.number, CustomLessonRevision.markdown,
               CustomLessonRevision.quiz)
        .join(CustomLessonRevision, (CustomLessonRevision.custom_lesson_id == CustomLesson.id)
              & (CustomLessonRevision.number == CustomLesson.published_revision))
        .where(CustomLesson.status == PUBLISHED).order_by(CustomLesson.lesson_id)).all()
    return [PublishedLesson(*r) for r in rows]


def merge_course(course: Course, quizzes: dict[str, Quiz],
                 published: list[PublishedLesson]) -> tuple[Course, dict[str, Quiz], list[Problem]]:
    """The course with the published custom lessons in their order, with their quizzes. A custom
    lesson that no longer fits (e.g. a file lesson took its id since) is left out and reported."""
    lessons, merged, problems = list(course.lessons), dict(quizzes), []
    for item in published:
        checked = check(item.markdown, item.quiz, Course(lessons, []), merged, lesson_id=item.lesson_id)
        if not checked.ok:
            problems += [Problem("custom/" + p.file, p.message, p.field, p.item) for p in checked.errors]
            continue
        lessons.append(checked.lesson)
        if checked.quiz is not None:
            merged[checked.quiz.id] = checked.quiz
    lessons.sort(key=lambda x: (x.meta.order, x.id))
    return Course(lessons, course.problems), merged, problems


def served_course(session: Session, files: Course, file_quizzes: dict[str, Quiz]) -> tuple[Course, dict[str, Quiz]]:
    """The course as learners get it: the lesson files and the published custom lessons (for the
    command line, which has no page cache; the pages use portal/ui/content.py)."""
    course, quizzes, _ = merge_course(files, file_quizzes, published_content(session))
    return course, quizzes


def version_of(markdown: str) -> str:
    return content_version(markdown.encode("utf-8"))


# ---------------------------------------------------------------- the shipped template


def _template_dirs(content_dir: Path, quiz_dir: Path, lang: str) -> tuple[Path, Path]:
    """The shipped templates of a language (``content/templates/<lang>``, learning.validate)."""
    return template_dirs(content_dir.parent / lang, quiz_dir.parent / lang)


def list_templates(actor: CurrentUser, content_dir: Path, quiz_dir: Path, lang: str = "ja") -> list[str]:
    require_admin(actor)
    folder = _template_dirs(content_dir, quiz_dir, lang)[0]
    return sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []


def adopt_template(session: Session, actor: CurrentUser, template_id: str, content_dir: Path, quiz_dir: Path,
                   lang: str = "ja") -> CustomLessonInfo:
    """Import a shipped template (e.g. 生成AI利用ルール(ひな形)) as a draft custom lesson: the admin
    fills in the placeholders and publishes it, or deletes it."""
    require_admin(actor)
    lessons, quizzes = _template_dirs(content_dir, quiz_dir, lang)
    path = lessons / f"{template_id}.md"
    if not _SLUG_RE.match(template_id) or not path.is_file():
        raise AuthoringError([Problem(f"{template_id}.md", "no such template", "id")])
    markdown = path.read_text(encoding="utf-8")
    lesson, found = parse_lesson(markdown.encode("utf-8"), path)
    lesson_id = lesson.id if lesson is not None else template_id
    quiz_path = quizzes / f"{template_id}.yaml"
    quiz_yaml = quiz_path.read_text(encoding="utf-8") if quiz_path.is_file() else None
    return create_draft(session, actor, lesson_id, markdown, quiz_yaml, action="adopted")
