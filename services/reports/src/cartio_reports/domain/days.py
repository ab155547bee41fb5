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
