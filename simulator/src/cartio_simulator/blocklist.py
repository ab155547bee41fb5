"""BigCommerce's webhook blocklist (bigcommerce-api.md 4.3): per app (client_id) and destination domain, the
deliveries of a sliding window (2 minutes) are counted; once 100 or more were sent in it and fewer than 90 %
succeeded, the domain is blocked for 3 minutes, and the deliveries meant for it wait in the retry queue.

The windows are seconds of the simulated clock: multiplied by `time_scale`, as the retry schedule is (so a
run at 0.01 blocks for 1.8 s), and they can be changed at run time (`PUT /_sim/webhooks/blocklist`, e.g. fewer
requests or a longer window) so that a test need not wait minutes. Times shown are simulated seconds too.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from .state import Json


class BlocklistRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_s: float = Field(default=120.0, gt=0, le=1_000_000)
    block_s: float = Field(default=180.0, gt=0, le=1_000_000)
    min_requests: int = Field(default=100, ge=1, le=100_000)
    min_success_ratio: float = Field(default=0.9, ge=0, le=1)


Key = tuple[str, str]  # (client_id, destination domain)


def domain_of(destination: str) -> str:
    return (urlsplit(destination).hostname or destination).lower()


@dataclass
class DomainRecord:
    # (when, succeeded, why it failed) of each delivery attempt in the window
    attempts: deque[tuple[float, bool, str | None]] = field(default_factory=deque)
    blocked_until: float | None = None
    blocks: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # failures that led to the current block


class Blocklist:
    def __init__(self, rules: BlocklistRules | None = None, *, scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules or BlocklistRules()
        self.scale = scale
        self._clock = clock
        self._records: dict[Key, DomainRecord] = {}

    def blocked_for(self, client_id: str, destination: str) -> float:
        """Real seconds until the domain of `destination` is unblocked for this app (0: not blocked)."""
        record = self._records.get((client_id, domain_of(destination)))
        if record is None or record.blocked_until is None:
            return 0.0
        left = record.blocked_until - self._clock()
        if left <= 0:
            record.blocked_until = None
            record.reasons.clear()
            return 0.0
        return left

    def record(self, client_id: str, destination: str, succeeded: bool, reason: str | None = None) -> bool:
        """Count one delivery attempt; True when it put the domain on the blocklist."""
        now = self._clock()
        record = self._records.setdefault((client_id, domain_of(destination)), DomainRecord())
        record.attempts.append((now, succeeded, None if succeeded else (reason or "failed")))
        while record.attempts and record.attempts[0][0] <= now - self.rules.window_s * self.scale:
            record.attempts.popleft()
        sent = len(record.attempts)
        good = sum(ok for _, ok, _ in record.attempts)
        if record.blocked_until is not None or sent < self.rules.min_requests:
            return False
        if good / sent >= self.rules.min_success_ratio:
            return False
        record.blocked_until = now + self.rules.block_s * self.scale
        record.blocks += 1
        record.reasons = Counter(why for _, ok, why in record.attempts if not ok and why)
        # A block starts a new window: the failures that caused it are not counted again when it ends.
        record.attempts.clear()
        return True

    def status(self, client_id: str | None = None) -> list[Json]:
        """Every (app, domain) seen, for `GET /_sim/webhooks/blocklist`."""
        rows = []
        for (client, domain), record in self._records.items():
            if client_id is not None and client != client_id:
                continue
            left = self.blocked_for(client, domain)
            sent = len(record.attempts)
            good = sum(ok for _, ok, _ in record.attempts)
            rows.append({"client_id": client, "domain": domain, "blocked": left > 0,
                         "time_left": round(left / self.scale, 3),
                         "blocks": record.blocks, "window_requests": sent,
                         "window_success_ratio": round(good / sent, 4) if sent else None})
        return rows

    def blocked_domains(self, client_id: str) -> list[Json]:
        """`blocked_domains` of `GET /v3/hooks/admin`: each blocked domain, seconds left and why."""
        out = []
        for (client, domain), record in self._records.items():
            left = self.blocked_for(client, domain) if client == client_id else 0
            if left > 0:
                out.append({"destination": domain, "time_left": int(left / self.scale + 0.999),
                            "reasons": [{"failure_description": why, "count": n}
                                        for why, n in record.reasons.most_common()]})
        return out

    def clear(self) -> None:
        self._records.clear()
