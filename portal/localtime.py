"""Japan time: the portal's one definition of the calendar day.

The organisation works in Japan: a "day" on a chart, a due date or a sandbox quota is a
Japanese calendar day. Japan Standard Time is UTC+9 all year (no daylight saving time), so a
fixed offset is exact. Timestamps in the database are UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

JST_OFFSET_HOURS = 9
JST = timezone(timedelta(hours=JST_OFFSET_HOURS), "JST")


def local_date(at: datetime) -> date:
    """The Japanese calendar day of an aware timestamp."""
    return at.astimezone(JST).date()


def today_local(now: datetime | None = None) -> date:
    """Today's date in Japan."""
    return local_date(now or datetime.now(timezone.utc))


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` starts in Japan."""
    return datetime.combine(day, time(0), JST).astimezone(timezone.utc)
