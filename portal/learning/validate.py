"""`portal validate`: every lesson and quiz file, and the references between them."""

from __future__ import annotations

import dataclasses
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from portal.config import get_settings
from portal.learning.bank_checks import bank_warnings, course_warnings
from portal.learning.content import Course, load_course
from portal.learning.editions import drift, edition_dirs
from portal.learning.models_table import load_model_table
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, load_quizzes


def cross_check(course: Course, quizzes: dict[str, Quiz]) -> list[Problem]:
    problems: list[Problem] = []
    lessons = {lesson.id: lesson for lesson in course.lessons}
    for lesson in course.lessons:
        if lesson.meta.quiz_id and lesson.meta.quiz_id not in quizzes:
            problems.append(Problem(lesson.path.name, f"quiz '{lesson.meta.quiz_id}' does not exist (or is invalid)", "quiz_id"))
        body = lesson.plain_text()
        for term in lesson.meta.key_terms:
            if term.term not in body:
                problems.append(Problem(lesson.path.name, f"key term '{term.term}' does not appear in the lesson text", "key_terms"))
        if lesson.meta.beyond_source and not (lesson.meta.sources and lesson.meta.as_of):
            problems.append(Problem(lesson.path.name, "a lesson beyond the source article (beyond_source: true) must "
                                    "name its own sources and the date of its facts (as_of)", "beyond_source"))
    if course.lessons and not course.required_lessons:
        problems.append(Problem(course.lessons[0].path.parent.name, "no lesson counts for completion: every lesson "
                                "is required: false, so nobody could complete the course", "required"))
    orders = [lesson.meta.order for lesson in course.lessons]
    for lesson in course.lessons:
        if orders.count(lesson.meta.order) > 1:
            problems.append(Problem(lesson.path.name, f"order {lesson.meta.order} is used by another lesson too", "order"))
    for quiz in quizzes.values():
        lesson = lessons.get(quiz.meta.lesson_id)
        if lesson is None:
            problems.append(Problem(quiz.path.name, f"lesson '{quiz.meta.lesson_id}' does not exist", "lesson_id"))
            continue
        for q in quiz.questions:
            if q.section and lesson.section(q.section) is None:
                problems.append(Problem(quiz.path.name, f"section '{q.section}' is not in lesson '{lesson.id}'", "section", q.id))
    return problems


def uses_widget(course: Course, name: str) -> bool:
    return any(b.kind == "widget" and b.text == name for lesson in course.lessons for b in lesson.blocks)


def lesson_warnings(course: Course) -> list[Problem]:
    """Every lesson dates its facts, names its sources and has something to do (docs/content.md)."""
    out: list[Problem] = []
    for lesson in course.lessons:
        m = lesson.meta
        for missing, field in ((not m.as_of, "as_of"), (not m.sources, "sources"), (m.practice is None, "practice"),
                               (not m.reflection, "reflection")):
            if missing:
                out.append(Problem(lesson.path.name, "missing: every lesson needs as_of (情報の時点), sources (出典), "
                                   "practice (やってみよう) and reflection (ふりかえり)", field, severity="warning"))
    return out


def quality_warnings(quizzes: dict[str, Quiz]) -> list[Problem]:
    """Bank quality (guessability) warnings: the quizzes are served, but a guesser may pass them."""
    out: list[Problem] = []
    for quiz in quizzes.values():
        out += bank_warnings(quiz)
    return out + course_warnings(quizzes)


def _check_edition(content_dir: Path, quiz_dir: Path, warnings: bool):
    course = load_course(content_dir)
    quizzes, quiz_problems = load_quizzes(quiz_dir)
    problems = course.problems + quiz_problems + cross_check(course, quizzes)
    if uses_widget(course, "model-table"):
        problems += list(load_model_table(content_dir).problems)
    found = lesson_warnings(course) + quality_warnings(quizzes) if warnings else []
    return course, quizzes, problems, found


def validate_dirs(content_dir: Path, quiz_dir: Path, *, warnings: bool = True) -> list[Problem]:
    """Errors first, then (unless ``warnings=False``) the quality warnings (severity "warning").
    The English edition (``content/en``, ``quizzes/en`` beside the Japanese folders) is checked
    too, file names prefixed ``en/``, and so is its drift from the Japanese edition: the same
    lessons, sections, questions, options and answers (portal/learning/editions.py)."""
    course, quizzes, problems, found = _check_edition(content_dir, quiz_dir, warnings)
    en_content, en_quiz = edition_dirs(content_dir, quiz_dir, "en")
    if en_content.is_dir() or en_quiz.is_dir():
        en_course, en_quizzes, en_problems, en_found = _check_edition(en_content, en_quiz, warnings)
        prefixed = [dataclasses.replace(p, file="en/" + p.file) for p in en_problems]
        problems += prefixed + drift(course, quizzes, en_course, en_quizzes, "en/")
        found += [dataclasses.replace(p, file="en/" + p.file) for p in en_found]
    return problems + found


def template_dirs(content_dir: Path, quiz_dir: Path) -> tuple[Path, Path]:
    """Where the template lessons are (docs/content.md, "Templates"): a ``templates`` folder beside
    each edition folder, ``content/templates/ja`` and ``quizzes/templates/ja`` (English siblings
    ``…/templates/en``). They are not part of the course; an admin adopts one as a draft."""
    return (content_dir.parent / "templates" / content_dir.name, quiz_dir.parent / "templates" / quiz_dir.name)


def validate_templates(content_dir: Path, quiz_dir: Path, *, warnings: bool = True) -> list[Problem]:
    """The template lessons and quizzes, checked like the course (both editions and their drift),
    file names prefixed ``templates/``; nothing when there is no template folder."""
    t_content, t_quiz = template_dirs(content_dir, quiz_dir)
    if not (t_content.is_dir() or t_quiz.is_dir()):
        return []
    found = validate_dirs(t_content, t_quiz, warnings=warnings)
    return [dataclasses.replace(p, file="templates/" + p.file) for p in found]


def validate_all(content_dir: Path | None = None, quiz_dir: Path | None = None) -> list[Problem]:
    """The course (the configured folders, or the given ones) and its template lessons."""
    settings = get_settings()
    content_dir = content_dir or settings.content_dir
    quiz_dir = quiz_dir or settings.quiz_dir
    found = validate_dirs(content_dir, quiz_dir) + validate_templates(content_dir, quiz_dir)
    return [p for p in found if p.severity == "error"] + [p for p in found if p.severity != "error"]


def validate_export(path: Path) -> list[Problem]:
    """The files of a custom lessons export (管理 > レッスン作成: a ZIP, or the folder it was unpacked
    to, with ``content/ja`` and ``quizzes/ja``), checked as lesson files are."""
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():  # only lesson and quiz files, never a path outside the folder
                    name = PurePosixPath(info.filename)
                    if not info.is_dir() and ".." not in name.parts and not name.is_absolute() \
                            and name.suffix in (".md", ".yaml", ".yml"):
                        target = Path(folder, *name.parts)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(zf.read(info))
            return validate_export(Path(folder))
    content, quizzes = path / "content" / "ja", path / "quizzes" / "ja"
    if not content.is_dir():
        return [Problem(str(path), "not an export: content/ja is missing")]
    if not quizzes.is_dir():  # an export of lessons without quizzes
        with tempfile.TemporaryDirectory() as empty:
            return validate_dirs(content, Path(empty))
    return validate_dirs(content, quizzes)
