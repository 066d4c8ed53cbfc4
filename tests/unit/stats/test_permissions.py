"""Every statistics service refuses anyone who is not an admin, whatever page called it."""

import pytest

from portal.accounts.roles import CurrentUser, PermissionDenied
from portal.db import session_scope
from portal.stats import dashboard, due_dates, overview, people, quiz_stats, xapi
from portal.stats import sandbox_usage as sandbox
from portal.stats.filters import StatsFilter

F = StatsFilter()


def calls(org):
    c, q = org.course, org.quizzes
    return {
        "overview": lambda s, who: overview.overview(s, who, c, q, F),
        "departments": lambda s, who: overview.department_options(s, who),
        "people": lambda s, who: people.people(s, who, c, q, F),
        "learner_detail": lambda s, who: people.learner_detail(s, who, org.users["L2"].id, c, q),
        "quizzes": lambda s, who: quiz_stats.quiz_analytics(s, who, c, q, F),
        "sandbox": lambda s, who: sandbox.sandbox_stats(s, who, F),
        "due_report": lambda s, who: due_dates.due_report(s, who, c, q, F),
        "list_due_dates": lambda s, who: due_dates.list_due_dates(s, who),
        "clear_due_date": lambda s, who: due_dates.clear_due_date(s, who, ""),
        "whole_dashboard": lambda s, who: dashboard.whole_dashboard(s, who, c, q, F),
        "xapi_count": lambda s, who: xapi.count_statements(s, who, c, q, F, xapi.XapiOptions()),
        "xapi_base": lambda s, who: xapi.get_base_iri(s, who),
    }


def test_learners_and_anonymous_callers_are_refused(org):
    # a learner who crafts an admin-looking object with the wrong role is refused too
    pretender = CurrentUser(id=org.learner.id, name="x", email="x@example.com", department="", role="learner")
    for name, call in calls(org).items():
        for who in (org.learner, pretender, None):
            with session_scope(org.url) as s, pytest.raises(PermissionDenied):
                call(s, who)


def test_admins_are_served(org):
    for name, call in calls(org).items():
        with session_scope(org.url) as s:
            call(s, org.admin)


def test_learner_due_date_needs_a_signed_in_user(org):
    with session_scope(org.url) as s, pytest.raises(PermissionDenied):
        due_dates.describe_for_learner(s, None)
