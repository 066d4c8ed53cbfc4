"""Language editions of the course: the Japanese edition is the reference, the English one a
translation with the same lessons, sections, questions, options and answers.

Ids are shared across editions, so progress, attempts and item statistics are one set whatever
language a learner reads or answers in:

- a lesson keeps its id; each edition's file has its own content version (hash of the file),
  and reading any current edition counts as reading the current lesson (``Lesson.editions``);
- a quiz keeps its id and question ids; the English quiz takes the Japanese file's version,
  so an attempt started in one language can be resumed or reviewed in the other;
- an English lesson or quiz that has drifted from the Japanese one (``drift``) is not served:
  the Japanese one is, so that grading and review links stay right.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from portal.learning.content import Course, Lesson
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz

REFERENCE_LANG = "ja"


def edition_dirs(content_dir: Path, quiz_dir: Path, lang: str) -> tuple[Path, Path]:
    """Where an edition's files are: the configured (Japanese) folders, or for another language
    their siblings named after it (``content/ja`` -> ``content/en``)."""
    if lang == REFERENCE_LANG:
        return content_dir, quiz_dir
    return _sibling(content_dir, lang), _sibling(quiz_dir, lang)


def _sibling(folder: Path, lang: str) -> Path:
    return folder.parent / lang if folder.name == REFERENCE_LANG else folder / lang


def _structure(q) -> dict:
    """What must be equal in every edition of a question (texts may differ)."""
    shape: dict = {"type": q.type, "section": q.section, "kind": q.kind}
    if hasattr(q, "options"):
        shape["options"] = [o.id for o in q.options]
    if hasattr(q, "pairs"):
        shape["pairs"] = [p.id for p in q.pairs]
    if hasattr(q, "answer"):
        shape["answer"] = q.answer
    for name in ("tolerance", "scoring"):
        if hasattr(q, name):
            shape[name] = getattr(q, name)
    return shape


_QUIZ_SETTINGS = ("lesson_id", "draw", "shuffle_questions", "shuffle_options", "pass_mark", "max_attempts")
_LABELS = {"options": "option ids", "pairs": "pair ids", "answer": "answer", "type": "type", "section": "section",
           "kind": "kind", "tolerance": "tolerance", "scoring": "scoring"}


def lesson_drift(ref: Lesson, other: Lesson, file: str) -> list[Problem]:
    out: list[Problem] = []
    ref_ids, ids = [s.id for s in ref.sections], [s.id for s in other.sections]
    if ref_ids != ids:
        missing = [i for i in ref_ids if i not in ids]
        extra = [i for i in ids if i not in ref_ids]
        detail = (f"missing {', '.join(missing)}" if missing else "") + ("; " if missing and extra else "") + (
            f"not in the Japanese lesson: {', '.join(extra)}" if extra else "")
        out.append(Problem(file, f"sections differ from the Japanese lesson ({detail or 'different order'})", "sections"))
    for name in ("order", "quiz_id", "required", "beyond_source"):
        if getattr(ref.meta, name) != getattr(other.meta, name):
            out.append(Problem(file, f"{name} is {getattr(other.meta, name)!r}, the Japanese lesson has "
                                     f"{getattr(ref.meta, name)!r}", name))
    widgets = [b.text for b in ref.blocks if b.kind == "widget"]
    if widgets != [b.text for b in other.blocks if b.kind == "widget"]:
        out.append(Problem(file, f"widgets differ from the Japanese lesson ({', '.join(widgets) or 'none'})", "body"))
    if (ref.meta.practice and ref.meta.practice.mode) != (other.meta.practice and other.meta.practice.mode):
        out.append(Problem(file, "practice mode differs from the Japanese lesson", "practice.mode"))
    return out


def quiz_drift(ref: Quiz, other: Quiz, file: str) -> list[Problem]:
    out: list[Problem] = []
    for name in _QUIZ_SETTINGS:
        if getattr(ref.meta, name) != getattr(other.meta, name):
            out.append(Problem(file, f"{name} is {getattr(other.meta, name)!r}, the Japanese quiz has "
                                     f"{getattr(ref.meta, name)!r}", name))
    ref_ids, ids = [q.id for q in ref.questions], [q.id for q in other.questions]
    for qid in ref_ids:
        if qid not in ids:
            out.append(Problem(file, "question missing (it is in the Japanese quiz)", "id", qid))
    for qid in ids:
        if qid not in ref_ids:
            out.append(Problem(file, "question not in the Japanese quiz", "id", qid))
    for q in other.questions:
        r = ref.question(q.id)
        if r is None:
            continue
        a, b = _structure(r), _structure(q)
        for key in a.keys() | b.keys():
            if a.get(key) != b.get(key):
                out.append(Problem(file, f"{_LABELS[key]}: {b.get(key)!r} here, {a.get(key)!r} in the Japanese quiz",
                                   key, q.id))
    return out


def drift(ref_course: Course, ref_quizzes: dict[str, Quiz], course: Course, quizzes: dict[str, Quiz],
          prefix: str) -> list[Problem]:
    """Every difference of structure between an edition and the Japanese one, with file and id
    (file names carry ``prefix``, e.g. ``en/``)."""
    lessons = _compare("lesson", {x.id: x for x in ref_course.lessons}, {x.id: x for x in course.lessons},
                       lesson_drift, prefix)
    return lessons + _compare("quiz", ref_quizzes, quizzes, quiz_drift, prefix)


def _compare(kind: str, refs: dict, items: dict, check, prefix: str) -> list[Problem]:
    """Missing and extra items of one kind (lessons or quizzes), then each pair's own drift."""
    out = [Problem(prefix + ref.path.name, f"{kind} '{item_id}' has no translation", "id")
           for item_id, ref in refs.items() if item_id not in items]
    for item_id, item in items.items():
        file = prefix + item.path.name
        ref = refs.get(item_id)
        if ref is None:
            out.append(Problem(file, f"{kind} '{item_id}' is not in the Japanese course", "id"))
        else:
            out += check(ref, item, file)
    return out


@dataclass
class Edition:
    lang: str
    course: Course
    quizzes: dict[str, Quiz]
    problems: list[Problem]


def align(ref: Edition, other: Edition) -> Edition:
    """The edition as served: each lesson and quiz translated without drift, else the Japanese
    one; lesson editions share their versions, quizzes take the Japanese version."""
    prefix = f"{other.lang}/"
    problems = [dataclasses.replace(p, file=prefix + p.file) for p in other.problems]
    lessons_by_id = {lesson.id: lesson for lesson in other.course.lessons}
    ref_lessons = {lesson.id: lesson for lesson in ref.course.lessons}
    lessons: list[Lesson] = []
    for ref_lesson in ref.course.lessons:
        lesson = lessons_by_id.get(ref_lesson.id)
        found = lesson_drift(ref_lesson, lesson, prefix + lesson.path.name) if lesson else []
        problems += found
        if lesson is None or found:
            lessons.append(ref_lesson)
            continue
        versions = frozenset({ref_lesson.version, lesson.version})
        lessons.append(dataclasses.replace(lesson, editions=versions))
    for lesson in other.course.lessons:
        if lesson.id not in ref_lessons:
            problems.append(Problem(prefix + lesson.path.name, f"lesson '{lesson.id}' is not in the Japanese course", "id"))
    quizzes: dict[str, Quiz] = {}
    for quiz_id, ref_quiz in ref.quizzes.items():
        quiz = other.quizzes.get(quiz_id)
        found = quiz_drift(ref_quiz, quiz, prefix + quiz.path.name) if quiz else []
        problems += found
        quizzes[quiz_id] = ref_quiz if quiz is None or found else dataclasses.replace(quiz, version=ref_quiz.version)
    return Edition(other.lang, Course(lessons, []), quizzes, problems)


def with_editions(ref: Edition, served: Edition) -> Edition:
    """The reference edition, its lessons knowing the versions of their translations."""
    versions = {lesson.id: lesson.editions for lesson in served.course.lessons if lesson.editions}
    lessons = [dataclasses.replace(lesson, editions=versions[lesson.id]) if lesson.id in versions else lesson
               for lesson in ref.course.lessons]
    return Edition(ref.lang, Course(lessons, ref.course.problems), ref.quizzes, ref.problems)
