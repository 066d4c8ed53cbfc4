"""The SQL behind the admin dashboard, as SQLAlchemy Core statements, one module per tab.

Every statistic is aggregated in the database; the services in this package only shape the
(small) results with pandas. Statement builders are pure functions of the filter and the course
shape, so the benchmark can run exactly the statements a service runs ("bare queries").

The completion rule is the one of ``portal.learning.progress`` (documented there): a lesson is
completed when it was read (any content version) and its quiz passed (any submitted attempt);
a lesson without a quiz is completed by reading it. ``cells()`` re-expresses it set-based; a test
checks both agree.

Population: learners are active users with the role ``learner`` (in the chosen departments).
Sandbox statistics count every user of the chosen departments, admins included.

Modules (mirroring the dashboard's tabs and ``portal.stats``' services): ``common`` (fact
tables, Japan-time buckets, range conditions, ``Source``, populations), ``people`` (per learner
and lesson cells), ``overview``, ``quizzes``, ``sandbox_usage``, ``due_dates``. Everything is
re-exported here: ``from portal.stats import queries as q`` then ``q.cells(...)``.
"""

from portal.stats.queries.common import *  # noqa: F401,F403
from portal.stats.queries.common import __all__ as _common
from portal.stats.queries.due_dates import learner_due
from portal.stats.queries.overview import active_learners, activity_facts, overview_cells
from portal.stats.queries.people import (
    ATTEMPTED,
    CELL,
    COMPLETED,
    OPENED,
    PASSED,
    READ,
    cells,
    done_per_learner,
    learner_cells,
    people_cells,
    summary_cells,
)
from portal.stats.queries.quizzes import question_moments, quiz_attempts, score_bin
from portal.stats.queries.sandbox_usage import (
    quota_counted,
    sandbox_by_department,
    sandbox_by_kind,
    sandbox_by_period,
    sandbox_last_use,
    sandbox_quota_use,
    sandbox_ratings,
    sandbox_risks,
)
from portal.summaries import (
    SCORE_BINS,
    activity,
    question_days,
    quiz_days,
    sandbox_days,
    sandbox_stats,
    summaries,
)

__all__ = [
    *_common,
    "ATTEMPTED", "CELL", "COMPLETED", "OPENED", "PASSED", "READ", "SCORE_BINS",
    "active_learners", "activity", "activity_facts", "cells", "done_per_learner", "learner_cells", "learner_due",
    "overview_cells", "people_cells", "question_days", "question_moments", "quiz_attempts", "quiz_days",
    "quota_counted", "sandbox_by_department", "sandbox_by_kind", "sandbox_by_period", "sandbox_days",
    "sandbox_last_use", "sandbox_quota_use", "sandbox_ratings", "sandbox_risks", "sandbox_stats", "score_bin",
    "summaries", "summary_cells",
]
