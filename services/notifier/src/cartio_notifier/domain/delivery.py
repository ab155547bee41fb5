"""Delivery outcomes and the waits between tries, and the per-cart rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Temporary:
    """Try again later (4xx reply, connection refused, blacklist unreachable)."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """No retry will deliver it (5xx reply, a bad address, a blocked email)."""

    reason: str


Outcome = Temporary | Refused | None  # None: sent


def smtp_outcome(code: int, text: str) -> Temporary | Refused:
    reason = f"SMTP {code}: {text}".strip()
    return Temporary(reason) if 400 <= code < 500 else Refused(reason)


def retry_delay(attempts: int, delays: list[float]) -> float:
    """Seconds before try number `attempts + 1` (the last delay repeats: a waiting notice waits on)."""
    return delays[min(max(attempts - 1, 0), len(delays) - 1)]


def seconds_left(last_sent: datetime | None, now: datetime, window: float) -> int:
    """Seconds until the cart may be emailed again (0: now)."""
    if last_sent is None:
        return 0
    left = (last_sent + timedelta(seconds=window) - now).total_seconds()
    return max(0, int(left + 0.999))
