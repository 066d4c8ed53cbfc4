"""Course content, parsed and validated once per process (st.cache_resource), never per rerun."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from portal.i18n import current_lang
from portal.learning.content import Course, load_course
from portal.learning.editions import REFERENCE_LANG, Edition, align, edition_dirs, with_editions
from portal.learning.models_table import ModelTable, load_model_table
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, load_quizzes
from portal.learning.validate import cross_check
from portal.ui.state import settings

Loaded = tuple[Course, dict[str, Quiz], list[Problem]]
# the last loaded content by folders and language: pages ask for it several times per run, and a
# dictionary lookup costs less than hashing the arguments for st.cache_resource each time
_last: dict[tuple[str, str, str], Loaded] = {}


def _edition(content_dir: Path, quiz_dir: Path, lang: str) -> Edition:
    course = load_course(content_dir)
    quizzes, quiz_problems = load_quizzes(quiz_dir)
    return Edition(lang, course, quizzes, course.problems + quiz_problems + cross_check(course, quizzes))


@st.cache_resource(show_spinner=False)
def _load(content_dir: str, quiz_dir: str, lang: str) -> Loaded:
    """One language edition as served (portal/learning/editions.py): Japanese is the reference;
    another language's lessons and quizzes are served where they match it, else the Japanese ones."""
    ref = _edition(Path(content_dir), Path(quiz_dir), REFERENCE_LANG)
    other_dirs = edition_dirs(Path(content_dir), Path(quiz_dir), "en")
    if not other_dirs[0].is_dir():  # no translation at all: every language serves the Japanese edition
        return ref.course, ref.quizzes, ref.problems
    served = align(ref, _edition(*other_dirs, "en"))
    if lang == REFERENCE_LANG:
        ref = with_editions(ref, served)
        return ref.course, ref.quizzes, ref.problems + served.problems
    return served.course, served.quizzes, ref.problems + served.problems


def _loaded() -> Loaded:
    s = settings()
    key = (str(s.content_dir), str(s.quiz_dir), current_lang())
    loaded = _last.get(key)
    if loaded is None:
        loaded = _load(*key)
        if len(_last) > 4:
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
    """The dated model table of the UI language's edition (content/<lang>/models.yaml, else the
    Japanese one), or None when it is missing or invalid."""
    s = settings()
    folder = edition_dirs(s.content_dir, s.quiz_dir, current_lang())[0]
    if not (folder / "models.yaml").is_file():
        folder = s.content_dir
    return _model_table(str(folder))


def reload() -> None:
    _last.clear()
    _load.clear()
    _model_table.clear()
