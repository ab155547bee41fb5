"""A second opinion on a webhook secret that does not match what this replica knows: the gateway's.

At an install that keeps the store's hooks the gateway rewrites their X-Cartio-Secret header with the new nonce
before `store.installed` reaches ingest, and BigCommerce delivers with the new header at once. So before a
mismatch is answered 401 (which counts against the standing of ingest's domain, shared by every store) the
replica asks the gateway for that store's current install and checks again. A flood of forged webhooks must not
become a flood of gateway queries: one lookup at a time per store, whose answer serves every webhook of that
store for `interval` seconds, and at most `per_second` lookups a second over all stores. A secret that cannot be
confirmed (the gateway did not answer, the global bound is spent) is 503, which BigCommerce retries: never 401
for a secret that might be right.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from prometheus_client import Counter
from pydantic import ValidationError

from cartio_bigcommerce import is_store_hash
from cartio_ingest.stores import StoreSecrets, StoreStates, Verdict
from cartio_platform.logging import get_logger

log = get_logger(__name__)
LOOKUPS = Counter(
    "cartio_ingest_secret_lookups_total",
    "Gateway lookups of one store's webhook nonce after a secret mismatch, by outcome (answered, failed)",
    ["outcome"],
)
UNVERIFIED = Counter(
    "cartio_ingest_secrets_unverified_total",
    "Webhooks answered 503 because their secret could not be confirmed, by reason (gateway_failed, bound_spent)",
    ["reason"],
)
# Beyond this many stores remembered, those asked longer than `interval` ago are forgotten.
MAX_REMEMBERED = 1000

Lookup = Callable[[str], Awaitable[StoreStates]]


@dataclass
class Asked:
    at: float  # monotonic time the lookup started
    answered: bool = False  # False while under way, or when the gateway did not answer


class SecretRecheck:
    def __init__(self, secrets: StoreSecrets, lookup: Lookup | None, *, interval: float = 1.0,
                 per_second: int = 10) -> None:
        self._secrets = secrets
        self._lookup = lookup  # None: no gateway to ask (in-process tests); a mismatch is 401
        self._interval = interval
        self._per_second = per_second
        self._asked: dict[str, Asked] = {}
        self._pending: dict[str, asyncio.Task[bool]] = {}
        self._second = 0
        self._spent = 0

    async def judge(self, store_hash: str, presented: str) -> Verdict:
        verdict = self._secrets.judge(store_hash, presented)
        if verdict is not Verdict.WRONG or self._lookup is None or not is_store_hash(store_hash):
            return verdict
        task = self._pending.get(store_hash)
        if task is None:
            now = time.monotonic()
            asked = self._asked.get(store_hash)
            if asked is not None and now - asked.at < self._interval:
                # Asked within the interval: its answer is what the replica knows now.
                return verdict if asked.answered else self._unverified("gateway_failed", store_hash)
            if not self._spend(now):
                return self._unverified("bound_spent", store_hash)
            task = self._start(store_hash, now)
        # Shielded: a webhook whose client went away does not cancel the lookup the others wait for.
        if not await asyncio.shield(task):
            return self._unverified("gateway_failed", store_hash)
        return self._secrets.judge(store_hash, presented)

    def _start(self, store_hash: str, now: float) -> asyncio.Task[bool]:
        if len(self._asked) >= MAX_REMEMBERED:
            self._asked = {s: a for s, a in self._asked.items() if now - a.at < self._interval}
        asked = self._asked[store_hash] = Asked(now)
        task = asyncio.create_task(self._ask(store_hash, asked))
        self._pending[store_hash] = task
        task.add_done_callback(lambda _: self._pending.pop(store_hash, None))
        return task

    async def _ask(self, store_hash: str, asked: Asked) -> bool:
        """Whether the gateway answered (what it said is then learnt)."""
        assert self._lookup is not None
        try:
            states = await self._lookup(store_hash)
        except (httpx.HTTPError, ValidationError) as exc:
            LOOKUPS.labels(outcome="failed").inc()
            log.warning("webhook secret lookup failed", store_hash=store_hash, error=str(exc))
            return False
        LOOKUPS.labels(outcome="answered").inc()
        self._secrets.learn(states)
        asked.answered = True
        return True

    def _spend(self, now: float) -> bool:
        second = int(now)
        if second != self._second:
            self._second, self._spent = second, 0
        if self._spent >= self._per_second:
            return False
        self._spent += 1
        return True

    def _unverified(self, reason: str, store_hash: str) -> Verdict:
        UNVERIFIED.labels(reason=reason).inc()
        log.warning("webhook secret unverified", reason=reason, store_hash=store_hash)
        return Verdict.UNVERIFIED
