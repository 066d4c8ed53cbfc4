"""Custom lessons as a ZIP of the same files as the repository's content: ``content/ja/<id>.md``,
``quizzes/ja/<id>.yaml`` and ``content/images/<name>``, so a company can keep them in git and
``portal validate`` checks them like any lesson. Importing checks every file first and writes
nothing when one is wrong (each problem names the file and the field or line)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.authoring import images, service
from portal.authoring.service import AuthoringError
from portal.learning.content import Course, parse_lesson
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, parse_quiz

MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_FILES = 500
LESSON_DIR, QUIZ_DIR, IMAGE_DIR = "content/ja", "quizzes/ja", "content/images"


def export_zip(session: Session, actor: CurrentUser, *, drafts: bool = False) -> bytes:
    """The published revision of every published lesson (or, with ``drafts``, every lesson's
    draft), their banks and every uploaded image."""
    require_admin(actor)
    if drafts:
        items = [(i.lesson_id, i.draft_markdown, i.draft_quiz) for i in service.list_lessons(session, actor)]
    else:
        items = [(p.lesson_id, p.markdown, p.quiz) for p in service.published_content(session)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for lesson_id, markdown, quiz in items:
            zf.writestr(f"{LESSON_DIR}/{lesson_id}.md", markdown)
            if quiz:
                zf.writestr(f"{QUIZ_DIR}/{lesson_id}.yaml", quiz)
        for name, data in images.all_image_data(session, actor).items():
            zf.writestr(f"{IMAGE_DIR}/{name}", data)
    return buf.getvalue()


@dataclass(frozen=True)
class ImportReport:
    created: list[str]
    updated: list[str]
    images: list[str]


def _read(data: bytes) -> tuple[dict[str, bytes], list[Problem]]:
    if len(data) > MAX_ZIP_BYTES:
        return {}, [Problem("zip", f"the file is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB")]
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return {}, [Problem("zip", "not a ZIP file")]
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_FILES:
        return {}, [Problem("zip", f"more than {MAX_FILES} files")]
    if sum(i.file_size for i in infos) > 5 * MAX_ZIP_BYTES:
        return {}, [Problem("zip", "the files are too large once unpacked")]
    return {i.filename: zf.read(i) for i in infos}, []


def import_zip(session: Session, actor: CurrentUser, data: bytes, files: Course,
               file_quizzes: dict[str, Quiz]) -> ImportReport:
    """Lessons (``*.md``), their banks (``*.yaml`` whose ``lesson_id`` names one) and images from
    a ZIP, as drafts: a new lesson is created, an existing one gets its draft replaced (publish
    it to show it). ``files``/``file_quizzes``: the lesson files; each lesson is checked against
    them and the published custom lessons not in the ZIP."""
    require_admin(actor)
    entries, problems = _read(data)
    lessons: dict[str, tuple[str, str]] = {}  # lesson id -> (file, markdown)
    quizzes: dict[str, tuple[str, str]] = {}
    pictures: dict[str, tuple[str, bytes]] = {}
    for name, blob in sorted(entries.items()):
        path = PurePosixPath(name)
        if path.name.startswith(".") or "__MACOSX" in path.parts:
            continue
        if path.suffix == ".md":
            lesson, found = parse_lesson(blob, path)
            problems += [_at(name, p) for p in found]
            if lesson is not None:
                if lesson.id in lessons:
                    problems.append(Problem(name, f"lesson id '{lesson.id}' is also in {lessons[lesson.id][0]}", "id"))
                lessons[lesson.id] = (name, blob.decode("utf-8"))
        elif path.suffix in (".yaml", ".yml"):
            quiz, found = parse_quiz(blob, path)
            problems += [_at(name, p) for p in found]
            lesson_id = quiz.meta.lesson_id if quiz is not None else _raw_lesson_id(blob)
            if lesson_id:  # a broken bank still belongs to its lesson (no second "quiz missing" report)
                quizzes[lesson_id] = (name, blob.decode("utf-8", "replace"))
        elif len(path.parts) >= 2 and path.parts[-2] == "images":
            try:
                images.check_image(name, blob)
                pictures[path.name] = (name, blob)
            except AuthoringError as exc:
                problems += exc.problems
        else:
            problems.append(Problem(name, "unexpected file: a ZIP holds lessons (.md), quizzes (.yaml) and "
                                          "images (images/)"))
    for lesson_id, (name, _) in quizzes.items():
        if lesson_id not in lessons:
            problems.append(Problem(name, f"lesson '{lesson_id}' is not in the ZIP", "lesson_id"))
    if not lessons and not problems:
        problems.append(Problem("zip", "no lesson (.md) in the ZIP"))
    names = service.image_names(session) | set(pictures)
    custom = {i.lesson_id for i in service.list_lessons(session, actor)}
    published = [p for p in service.published_content(session) if p.lesson_id not in lessons]
    others, quiz_base, _ = service.merge_course(files, file_quizzes, published)
    for lesson_id, (name, markdown) in lessons.items():
        quiz = quizzes.get(lesson_id)
        checked = service.check(markdown, quiz[1] if quiz else None, others, quiz_base, names, lesson_id=lesson_id)
        rename = {f"{lesson_id}.md": name, f"{lesson_id}.yaml": quiz[0] if quiz else ""}
        problems += [_at(rename.get(p.file, p.file), p) for p in checked.errors]
    if problems:
        raise AuthoringError(list(dict.fromkeys(problems)))
    created, updated = [], []
    for lesson_id, (_, markdown) in lessons.items():
        quiz_yaml = quizzes[lesson_id][1] if lesson_id in quizzes else None
        if lesson_id in custom:
            service.save_draft(session, actor, lesson_id, markdown, quiz_yaml)
            updated.append(lesson_id)
        else:
            service.create_draft(session, actor, lesson_id, markdown, quiz_yaml, action="imported")
            created.append(lesson_id)
    for picture, (name, blob) in pictures.items():
        images.upload_image(session, actor, name, blob, name=picture)
    return ImportReport(created, updated, sorted(pictures))


def _raw_lesson_id(blob: bytes) -> str | None:
    try:
        raw = yaml.safe_load(blob.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    value = raw.get("lesson_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _at(name: str, p: Problem) -> Problem:
    return Problem(name, p.message, p.field, p.item, p.severity)
