"""Marks of a lesson shown on the course overview and the lesson page: 任意 (does not count for
completion) and 元記事の範囲外の追加レッスン (beyond the source article)."""

from __future__ import annotations

from portal.i18n import t
from portal.learning.content import Lesson, counts_for_completion


def lesson_badges(lesson: Lesson) -> str:
    """Markdown badges to put after a lesson's title ("" for a required lesson of the article)."""
    badges = ""
    if not counts_for_completion(lesson.meta):
        badges += f" :gray-badge[{t('course.optional')}]"
    if lesson.meta.beyond_source:
        badges += f" :violet-badge[:material/explore: {t('course.beyond_source')}]"
    return badges
