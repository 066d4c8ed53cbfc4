"""The reminder schedule an admin sets: N days before the due date (one or more N), on the due
date, and weekly while overdue. Stored in app_settings (shared by every replica), audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.db.models import AppSetting, AuditEvent
from portal.i18n import t

SETTING_KEY = "reminders.schedule"
MAX_DAYS_BEFORE = 90


class ReminderError(ValueError):
    """A user-facing problem with reminders (message in Japanese)."""


@dataclass(frozen=True)
class Schedule:
    before_days: tuple[int, ...] = ()  # distinct, largest first
    on_due: bool = False
    overdue_weekly: bool = False

    @property
    def empty(self) -> bool:
        return not (self.before_days or self.on_due or self.overdue_weekly)

    def as_json(self) -> dict:
        return {"before_days": list(self.before_days), "on_due": self.on_due, "overdue_weekly": self.overdue_weekly}


def make_schedule(before_days, on_due: bool, overdue_weekly: bool) -> Schedule:
    days = []
    for value in before_days or ():
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_DAYS_BEFORE:
            raise ReminderError(t("reminders.error.days", value=value, max=MAX_DAYS_BEFORE))
        n = int(text)
        days.append(n)
    return Schedule(tuple(sorted(set(days), reverse=True)), bool(on_due), bool(overdue_weekly))


def load_schedule(session: Session) -> Schedule:
    """The stored schedule (none until an admin sets one). Callers check the acting user."""
    row = session.get(AppSetting, SETTING_KEY)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    try:
        return make_schedule(value.get("before_days", ()), value.get("on_due", False), value.get("overdue_weekly", False))
    except ReminderError:
        return Schedule()


def get_schedule(session: Session, actor: CurrentUser) -> Schedule:
    require_admin(actor)
    return load_schedule(session)


def set_schedule(session: Session, actor: CurrentUser, before_days, on_due: bool, overdue_weekly: bool) -> Schedule:
    require_admin(actor)
    schedule = make_schedule(before_days, on_due, overdue_weekly)
    row = session.get(AppSetting, SETTING_KEY)
    if row is None:
        session.add(AppSetting(key=SETTING_KEY, value=schedule.as_json(), updated_by=actor.id or None))
    else:
        row.value = schedule.as_json()
        row.updated_by = actor.id or None
    session.add(AuditEvent(actor_id=actor.id or None, action="set_reminder_schedule", target="*",
                           detail=schedule.as_json()))
    return schedule
