"""Course content, parsed and validated once per process (st.cache_resource), never per rerun."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from portal.learning.content import Course, load_course
from portal.learning.models_table import ModelTable, load_model_table
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, load_quizzes
from portal.learning.validate import cross_check
from portal.ui.state import settings

Loaded = tuple[Course, dict[str, Quiz], list[Problem]]
# the last loaded content by folders: pages ask for it several times per run, and a dictionary
# lookup costs less than hashing the arguments for st.cache_resource each time
_last: dict[tuple[str, str], Loaded] = {}


@st.cache_resource(show_spinner=False)
def _load(content_dir: str, quiz_dir: str) -> Loaded:
    course = load_course(Path(content_dir))
    quizzes, quiz_problems = load_quizzes(Path(quiz_dir))
    return course, quizzes, course.problems + quiz_problems + cross_check(course, quizzes)


def _loaded() -> Loaded:
    s = settings()
    key = (str(s.content_dir), str(s.quiz_dir))
    loaded = _last.get(key)
    if loaded is None:
        loaded = _load(*key)
        _last.clear()
        _last[key] = loaded
    return loaded


def course() -> Course:
    return _loaded()[0]


def quizzes() -> dict[str, Quiz]:
    return _loaded()[1]


def problems() -> list[Problem]:
    return _loaded()[2]


@st.cache_resource(show_spinner=False)
def _model_table(content_dir: str) -> ModelTable | None:
    return load_model_table(Path(content_dir)).table


def model_table() -> ModelTable | None:
    """The dated model table (content/ja/models.yaml), or None when it is missing or invalid."""
    return _model_table(str(settings().content_dir))


def reload() -> None:
    _last.clear()
    _load.clear()
    _model_table.clear()
