"""Course content, parsed and validated once per process (st.cache_resource), never per rerun.

The course is the lesson files plus the published custom lessons (portal.authoring, stored in
the database): those are parsed again only when what is published changes (the publication
stamp, read at most every STAMP_SECONDS per process, so another replica's publish shows soon)."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from portal.authoring import service as authoring
from portal.i18n import current_lang
from portal.learning.content import Course, load_course
from portal.learning.editions import REFERENCE_LANG, Edition, align, edition_dirs, with_editions
from portal.learning.models_table import ModelTable, load_model_table
from portal.learning.problems import Problem
from portal.learning.quiz import Quiz, load_quizzes
from portal.learning.validate import cross_check
from portal.ui import state
from portal.ui.state import settings

Loaded = tuple[Course, dict[str, Quiz], list[Problem]]
# the last loaded content by folders and language: pages ask for it several times per run, and a
# dictionary lookup costs less than hashing the arguments for st.cache_resource each time
_last: dict[tuple, Loaded] = {}
STAMP_SECONDS = 3.0
_stamp: list = [0.0, ()]  # when it was read (monotonic), the stamp


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


@st.cache_resource(show_spinner=False, max_entries=8)
def _with_custom(content_dir: str, quiz_dir: str, lang: str, stamp: tuple) -> Loaded:
    """The files' edition with the published custom lessons (one language: their text as written)."""
    course, quizzes, problems = _load(content_dir, quiz_dir, lang)
    if not stamp:
        return course, quizzes, problems
    with state.db(readonly=True) as session:
        published = authoring.published_content(session)
    course, quizzes, found = authoring.merge_course(course, quizzes, published)
    return course, quizzes, problems + found


def _publication_stamp() -> tuple:
    now = time.monotonic()
    if now - _stamp[0] > STAMP_SECONDS:
        with state.db(readonly=True) as session:
            _stamp[1] = authoring.publication_stamp(session)
        _stamp[0] = now
    return _stamp[1]


def _loaded() -> Loaded:
    s = settings()
    key = (str(s.content_dir), str(s.quiz_dir), current_lang(), _publication_stamp())
    loaded = _last.get(key)
    if loaded is None:
        loaded = _with_custom(*key)
        if len(_last) > 4:
            _last.clear()
        _last[key] = loaded
    return loaded


def file_content() -> tuple[Course, dict[str, Quiz]]:
    """The lesson files only (the course a custom lesson is checked against, besides the others)."""
    s = settings()
    course, quizzes, _ = _load(str(s.content_dir), str(s.quiz_dir), current_lang())
    return course, quizzes


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


def published_changed() -> None:
    """A custom lesson was published or retired in this process: read the stamp again now."""
    _stamp[0] = 0.0


def reload() -> None:
    _last.clear()
    _stamp[0] = 0.0
    _load.clear()
    _with_custom.clear()
    _model_table.clear()
