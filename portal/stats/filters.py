"""The dashboard's filters (departments, a date range in Japan time) and the course's shape.

Dates are calendar days in Japan Standard Time (UTC+9, no daylight saving): the organisation
works in Japan, and a "day" on a chart or a due date is a Japanese calendar day. Timestamps in
the database are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timedelta

from portal.learning.content import Course, counts_for_completion
from portal.learning.quiz import Quiz
from portal.localtime import JST, JST_OFFSET_HOURS, local_midnight_utc, today_local

__all__ = ["JST", "JST_OFFSET_HOURS", "CourseShape", "LessonRef", "StatsFilter", "local_midnight_utc", "today_local"]


@dataclass(frozen=True)
class StatsFilter:
    """What the admin narrowed the dashboard to.

    ``departments`` empty = every department; ``languages`` the same for the users' UI language
    (a user who never chose counts as the default language). ``start``/``end`` are inclusive Japanese calendar
    days; ``None`` = unbounded. Rules (see docs/admin.md):
    - completion, statuses, best scores and attempts-to-pass are "as of the end of ``end``";
    - activity, quiz statistics (attempts), sandbox use and xAPI statements count what happened
      between ``start`` and ``end``.
    """

    departments: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    languages: tuple[str, ...] = ()  # UI languages (ja, en); empty = every language

    def __post_init__(self) -> None:
        object.__setattr__(self, "departments", tuple(sorted(set(self.departments))))
        object.__setattr__(self, "languages", tuple(sorted(set(self.languages))))
        if self.start and self.end and self.start > self.end:
            start, end = self.end, self.start
            object.__setattr__(self, "start", start)
            object.__setattr__(self, "end", end)

    @property
    def start_utc(self) -> datetime | None:
        return local_midnight_utc(self.start) if self.start else None

    @property
    def end_utc(self) -> datetime | None:
        """Exclusive upper bound: the start of the day after ``end``."""
        return local_midnight_utc(self.end + timedelta(days=1)) if self.end else None


@dataclass(frozen=True)
class LessonRef:
    id: str
    order: int
    title: str
    quiz_id: str | None
    required: bool = True  # counts for course completion (content.counts_for_completion)


@dataclass(frozen=True)
class CourseShape:
    """The parts of the content the statistics need: lessons in order and their quizzes."""

    lessons: tuple[LessonRef, ...]
    quizzes: dict[str, Quiz] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, course: Course, quizzes: dict[str, Quiz] | None = None) -> CourseShape:
        refs = tuple(LessonRef(l.id, l.meta.order, l.title, l.meta.quiz_id, counts_for_completion(l.meta))
                     for l in course.lessons)
        return cls(refs, dict(quizzes or {}))

    @cached_property
    def lesson_ids(self) -> list[str]:
        return [l.id for l in self.lessons]

    @cached_property
    def required_ids(self) -> list[str]:
        """The lessons that count for completing the course (a learner's "done" counts these)."""
        return [l.id for l in self.lessons if l.required]

    @property
    def n_required(self) -> int:
        return len(self.required_ids)

    @cached_property
    def quiz_to_lesson(self) -> dict[str, str]:
        return {l.quiz_id: l.id for l in self.lessons if l.quiz_id}

    @cached_property
    def lessons_without_quiz(self) -> list[str]:
        return [l.id for l in self.lessons if not l.quiz_id]

    @cached_property
    def _by_id(self) -> dict[str, LessonRef]:
        return {l.id: l for l in self.lessons}

    def lesson(self, lesson_id: str) -> LessonRef | None:
        return self._by_id.get(lesson_id)

    def label(self, lesson_id: str) -> str:
        ref = self.lesson(lesson_id)
        return f"{ref.order:02d}. {ref.title}" if ref else lesson_id

    def quiz_label(self, quiz_id: str) -> str:
        quiz = self.quizzes.get(quiz_id)
        lesson_id = self.quiz_to_lesson.get(quiz_id)
        ref = self.lesson(lesson_id) if lesson_id else None
        title = quiz.meta.title if quiz else quiz_id
        return f"{ref.order:02d}. {title}" if ref else title
