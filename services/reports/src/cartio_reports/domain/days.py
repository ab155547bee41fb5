"""Which day a moment belongs to: the calendar day in the store's time zone (UTC when unknown)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_NAME = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The store's zone; an unknown or missing name falls back to UTC rather than losing the message."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC_NAME)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return at.astimezone(tz).date()


def period(today: date, days: int) -> tuple[date, date]:
    """The last `days` days, today included."""
    return today - timedelta(days=days - 1), today


MAX_DAYS = 731  # two years and a day: what the counters are kept for


def resolve_period(today: date, days: int | None, start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for: the last `days` days (today included), or `start` to `end` (both included).

    Raises ValueError with what is wrong, for a 422.
    """
    if days is not None and (start is not None or end is not None):
        raise ValueError("give either days or from and to, not both")
    if start is None and end is None:
        days = 30 if days is None else days
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}")
        return period(today, days)
    if start is None or end is None:
        raise ValueError("a date range needs both from and to (YYYY-MM-DD)")
    if start > end:
        raise ValueError("from must not be after to")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"a date range may span at most {MAX_DAYS} days")
    return start, end
