"""Who gets which reminder today, and sending them (``portal send-reminders``).

Rules (docs/admin.md, "Reminders"); days are Japanese calendar days, due dates and "completed"
are those of the dashboard (portal.stats.due_dates):
- ``before:N``: 1 ≤ days left ≤ N, for the smallest configured N that is ≥ the days left, once
  per due date (a run missed on the exact day sends it on the next run; two rules never both
  fire on one day).
- ``due``: on the due date itself, once per due date.
- ``overdue``: past the due date, when no overdue reminder went out in the last 6 days (weekly).
- At most one mail per learner, rule and day (a unique key in ``reminder_sends``). A send is
  claimed (``sending``) in its own transaction before the SMTP conversation and marked ``sent``
  only after the server accepted the message; a refused or failed message deletes its claim,
  so a later run tries again and nothing is recorded as sent that was not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.config import Settings, get_settings
from portal.db import session_scope
from portal.db.models import ReminderSend, User, utcnow
from portal.i18n import SUPPORTED_LANGS, t
from portal.learning.content import Course
from portal.learning.quiz import Quiz
from portal.localtime import today_local
from portal.reminders.mailer import Mailer, MessageRefused, SmtpUnavailable
from portal.reminders.schedule import ReminderError, Schedule, load_schedule
from portal.stats import due_dates
from portal.stats.filters import StatsFilter

STALE_CLAIM = timedelta(minutes=15)  # a claim left by a run that crashed mid-send
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Planned:
    user_id: int
    name: str
    email: str
    department: str
    lang: str
    rule: str  # before:<N> | due | overdue
    due_on: date
    days_left: int
    done: int
    total: int

    @property
    def kind(self) -> str:
        return self.rule.split(":", 1)[0]


@dataclass
class RunReport:
    today: date
    dry_run: bool
    planned: list[Planned] = field(default_factory=list)
    sent: list[Planned] = field(default_factory=list)
    failed: list[tuple[Planned, str]] = field(default_factory=list)
    skipped: list[tuple[Planned, str]] = field(default_factory=list)  # no usable e-mail address
    error: str | None = None  # the SMTP server could not be used at all

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed


def rule_for(schedule: Schedule, days_left: int) -> str | None:
    if days_left == 0:
        return "due" if schedule.on_due else None
    if days_left < 0:
        return "overdue" if schedule.overdue_weekly else None
    fitting = [n for n in schedule.before_days if n >= days_left]
    return f"before:{min(fitting)}" if fitting else None


def _language(user: User) -> str:
    lang = user.language  # the language the learner chose (None: not chosen, Japanese mail)
    return lang if lang in SUPPORTED_LANGS else "ja"


def plan(session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz] | None,
         *, today: date | None = None) -> tuple[list[Planned], list[tuple[Planned, str]]]:
    """Today's reminders (and the learners skipped for want of an e-mail address)."""
    require_admin(actor)
    today = today or today_local()
    schedule = load_schedule(session)
    if schedule.empty:
        return [], []
    window = max(schedule.before_days, default=0)
    report = due_dates.due_report(session, actor, course, quizzes, StatsFilter(), today=today, window_days=window)
    rows = report.attention
    candidates = []
    for r in rows.itertuples():
        rule = rule_for(schedule, int(r.days_left))
        if rule is not None:
            candidates.append((int(r.user_id), rule, r.due_on, int(r.days_left), int(r.done), int(r.total)))
    if not candidates:
        return [], []
    ids = [c[0] for c in candidates]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    history: dict[tuple[int, str], list[tuple[date, date]]] = {}
    for uid, rule, due_on, sent_on in session.execute(
        select(ReminderSend.user_id, ReminderSend.rule, ReminderSend.due_on, ReminderSend.sent_on)
        .where(ReminderSend.user_id.in_(ids))
    ):
        history.setdefault((uid, rule), []).append((due_on, sent_on))
    planned, skipped = [], []
    for uid, rule, due_on, days_left, done, total in candidates:
        user = users.get(uid)
        if user is None:
            continue
        past = history.get((uid, rule), [])
        if any(sent_on == today for _, sent_on in past):
            continue  # one mail per learner, rule and day
        if rule == "overdue":
            if any(d == due_on and sent_on > today - timedelta(days=7) for d, sent_on in past):
                continue  # weekly
        elif any(d == due_on for d, _ in past):
            continue  # once per due date
        item = Planned(user_id=uid, name=user.name, email=(user.email or "").strip(), department=user.department or "",
                       lang=_language(user), rule=rule, due_on=due_on, days_left=days_left, done=done, total=total)
        if not EMAIL_RE.match(item.email):
            skipped.append((item, t("reminders.skip.no_email", name=user.name, email=item.email or "–")))
        else:
            planned.append(item)
    planned.sort(key=lambda p: (p.days_left, p.department, p.name))
    return planned, skipped


def compose(item: Planned, settings: Settings) -> EmailMessage:
    """The reminder in the learner's language, from the catalog's templates."""
    lang = item.lang
    date_text = t("stats.due.date", lang, y=item.due_on.year, m=item.due_on.month, d=item.due_on.day)
    link = t("reminders.mail.link", lang, url=settings.public_url) if settings.public_url else ""
    fields = dict(name=item.name, date=date_text, days=abs(item.days_left), done=item.done, total=item.total,
                  link=link, portal=t("app.title", lang))
    message = EmailMessage()
    message["Subject"] = t(f"reminders.mail.{item.kind}.subject", lang, **fields)
    message["From"] = settings.smtp_from
    message["To"] = formataddr((item.name, item.email))
    message["Date"] = formatdate(usegmt=True)
    domain = settings.smtp_from.rpartition("@")[2].strip("> ") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a reminder
    message.set_content(t(f"reminders.mail.{item.kind}.body", lang, **fields).strip() + "\n")
    return message


def _claim(url: str | None, item: Planned, today: date) -> int | None:
    try:
        with session_scope(url) as s:
            row = ReminderSend(user_id=item.user_id, rule=item.rule, due_on=item.due_on, sent_on=today,
                               status="sending", email=item.email)
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:  # another run claimed it a moment ago
        return None


def _settle(url: str | None, claim_id: int, sent: bool) -> None:
    with session_scope(url) as s:
        if sent:
            s.execute(update(ReminderSend).where(ReminderSend.id == claim_id).values(status="sent", sent_at=utcnow()))
        else:
            s.execute(delete(ReminderSend).where(ReminderSend.id == claim_id))


def send_reminders(actor: CurrentUser, course: Course, quizzes: dict[str, Quiz] | None, *,
                   database_url: str | None = None, today: date | None = None, dry_run: bool = False,
                   settings: Settings | None = None, now: datetime | None = None) -> RunReport:
    """Send today's reminders (``dry_run``: only list them; no SMTP, nothing written)."""
    require_admin(actor)
    settings = settings or get_settings()
    today = today or today_local()
    if not dry_run:
        with session_scope(database_url) as s:  # claims of a run that died mid-send: try those again
            s.execute(delete(ReminderSend).where(ReminderSend.status == "sending",
                                                 ReminderSend.claimed_at < (now or datetime.now(timezone.utc)) - STALE_CLAIM))
    with session_scope(database_url, readonly=True) as s:
        planned, skipped = plan(s, actor, course, quizzes, today=today)
    report = RunReport(today=today, dry_run=dry_run, planned=planned, skipped=skipped)
    if dry_run or not planned:
        return report
    with Mailer(settings) as mailer:  # ReminderError here: the settings are incomplete (nothing sent)
        for i, item in enumerate(planned):
            claim = _claim(database_url, item, today)
            if claim is None:
                continue
            try:
                mailer.send(compose(item, settings))
            except MessageRefused as exc:
                _settle(database_url, claim, sent=False)
                report.failed.append((item, str(exc)))
                continue
            except SmtpUnavailable as exc:
                _settle(database_url, claim, sent=False)
                report.error = str(exc)
                report.failed.extend((rest, str(exc)) for rest in planned[i:])
                break
            except BaseException:
                _settle(database_url, claim, sent=False)
                raise
            _settle(database_url, claim, sent=True)
            report.sent.append(item)
    return report


def describe_rule(rule: str, lang: str | None = None) -> str:
    kind, _, n = rule.partition(":")
    return t(f"reminders.rule.{kind}", lang, n=n) if n else t(f"reminders.rule.{kind}", lang)


__all__ = ["Planned", "ReminderError", "RunReport", "compose", "describe_rule", "plan", "rule_for", "send_reminders"]
