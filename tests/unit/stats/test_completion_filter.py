"""The people table's completion filter (the rule the dashboard page used to hold)."""

from __future__ import annotations

import pandas as pd

from portal.stats import people
from portal.stats.filters import CourseShape, LessonRef

SHAPE = CourseShape((LessonRef("a", 1, "A", None), LessonRef("b", 2, "B", "qb")))
TABLE = pd.DataFrame({"user_id": [1, 2, 3], "done": [0, 1, 2]})


def test_completed_means_every_lesson_of_the_course():
    assert people.completed_all(TABLE, SHAPE).tolist() == [False, False, True]
    assert people.by_completion(TABLE, SHAPE, completed=True)["user_id"].tolist() == [3]
    assert people.by_completion(TABLE, SHAPE, completed=False)["user_id"].tolist() == [1, 2]
