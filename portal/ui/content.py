"""Course content, parsed and validated once per process (st.cache_resource), never per rerun."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from portal.learning.content import Course, load_course
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, load_quizzes
from portal.learning.validate import cross_check
from portal.ui.state import settings


@st.cache_resource(show_spinner=False)
def _load(content_dir: str, quiz_dir: str) -> tuple[Course, dict[str, Quiz], list[Problem]]:
    course = load_course(Path(content_dir))
    quizzes, quiz_problems = load_quizzes(Path(quiz_dir))
    return course, quizzes, course.problems + quiz_problems + cross_check(course, quizzes)


def course() -> Course:
    s = settings()
    return _load(str(s.content_dir), str(s.quiz_dir))[0]


def quizzes() -> dict[str, Quiz]:
    s = settings()
    return _load(str(s.content_dir), str(s.quiz_dir))[1]


def problems() -> list[Problem]:
    s = settings()
    return _load(str(s.content_dir), str(s.quiz_dir))[2]


def reload() -> None:
    _load.clear()
