"""The dashboard's summary tables and the writers that keep them (no Streamlit, no statistics).

Scanning every attempt, answer and sandbox event of a 10,000-person organisation takes seconds,
so the admin dashboard reads small tables instead (:mod:`portal.summaries.models`):

- ``lesson_summaries``: per learner and lesson, as of now: first opening and reading, the
  lesson's quiz attempts, pass, best score, attempt number of the first pass, latest activity;
- ``quiz_day_stats``: submitted attempts per Japanese day, quiz, first attempt or not, score bin;
- ``question_day_stats``: first attempts' answers per day, quiz, question and response, as the
  sums from which facility and discrimination are computed;
- ``activity_days``: who did anything on which day (the active learners chart);
- ``sandbox_user_days``: sandbox requests, quota-counted requests, tokens, flagged requests per
  user and day; ``sandbox_day_stats``: requests per day by kind, rating and risk action.

Who writes them: the writers of the facts, through :mod:`portal.summaries.writers`, in the same
transaction as the fact itself - ``portal.learning.progress`` (lesson opened / read),
``portal.learning.attempts`` (quiz submitted), ``portal.sandbox.events`` (event added, finished,
rated). ``portal.stats`` only reads them, and rebuilds them from the facts
(:mod:`portal.stats.rebuild`). The per-day tables without a user count everybody; the
statistics subtract the users outside the chosen population (admins, deactivated accounts,
other departments) from the facts, so department moves and deactivations need no summary
maintenance.

This package sits below ``learning`` and ``sandbox`` and above ``db``: it imports neither the
writers nor the statistics.
"""

from portal.localtime import local_date
from portal.summaries.keys import SCORE_BINS, categories_text, rating_key, response_key, score_bin
from portal.summaries.models import (
    TABLES,
    ActivityDay,
    LessonSummary,
    QuestionDayStat,
    QuizDayStat,
    SandboxDayStat,
    SandboxUserDay,
    activity,
    question_days,
    quiz_days,
    sandbox_days,
    sandbox_stats,
    summaries,
)
from portal.summaries.writers import (
    EventFigures,
    SubmittedAttempt,
    add_moments,
    record_activity,
    record_event,
    record_event_change,
    record_opened,
    record_rating,
    record_read,
    record_submission,
)

__all__ = [
    "SCORE_BINS",
    "TABLES",
    "ActivityDay",
    "EventFigures",
    "LessonSummary",
    "QuestionDayStat",
    "QuizDayStat",
    "SandboxDayStat",
    "SandboxUserDay",
    "SubmittedAttempt",
    "activity",
    "add_moments",
    "categories_text",
    "local_date",
    "question_days",
    "quiz_days",
    "rating_key",
    "record_activity",
    "record_event",
    "record_event_change",
    "record_opened",
    "record_rating",
    "record_read",
    "record_submission",
    "response_key",
    "sandbox_days",
    "sandbox_stats",
    "score_bin",
    "summaries",
]
