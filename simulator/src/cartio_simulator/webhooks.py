"""Webhook delivery as BigCommerce does it: POST JSON to every matching active hook, retry on its schedule,
deactivate the hook after the last retry fails; hold deliveries to a blocklisted domain (blocklist.py)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from .blocklist import Blocklist
from .faults import Faults
from .formats import now, v3_time
from .settings import SimSettings
from .state import Event, Hook, Json, Store

log = logging.getLogger("cartio_simulator.webhooks")

RETRY_SCHEDULE_S = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)
LOG_SIZE = 10000


def scope_matches(hook_scope: str, scope: str) -> bool:
    """`store/cart/*` matches every cart event (lineItem ones included); other scopes match themselves."""
    if hook_scope.endswith("/*"):
        return scope.startswith(hook_scope[:-1])
    return hook_scope == scope


@dataclass
class Delivery:
    id: str
    store_hash: str
    hook_id: int
    scope: str
    destination: str
    hash: str
    created_at: datetime
    state: str = "pending"  # pending, retrying, blocked (held: domain blocklisted), delivered, failed, cancelled
    status_code: int | None = None
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None

    def json(self) -> Json:
        return {
            "scope": self.scope,
            "destination": self.destination,
            "status_code": self.status_code,
            "attempts": self.attempts,
            "delivered_at": v3_time(self.delivered_at) if self.delivered_at else None,
            "state": self.state,
            "hook_id": self.hook_id,
            "store_hash": self.store_hash,
            "hash": self.hash,
            "webhook_id": self.id,
            "created_at": v3_time(self.created_at),
            "last_error": self.last_error,
        }


def payload_for(store: Store, event: Event) -> Json:
    return {
        "scope": event.scope,
        "store_id": store.id,
        "producer": f"stores/{store.hash}",
        "data": event.data,
        "hash": hashlib.sha1(json.dumps(event.data).encode(), usedforsecurity=False).hexdigest(),
        "created_at": int(time.time()),
    }


class Dispatcher:
    def __init__(
        self,
        settings: SimSettings,
        faults: Callable[[], Faults],
        client: Callable[[], httpx.AsyncClient],
        rng: random.Random,
    ) -> None:
        self._settings = settings
        self._faults = faults
        self._client = client
        self._rng = rng
        self.log: deque[Delivery] = deque(maxlen=LOG_SIZE)
        self.blocklist = Blocklist(scale=settings.time_scale)
        self._tasks: set[asyncio.Task[None]] = set()
        # Attempts in flight at once, each on a client of one keep-alive connection lent to it alone: a shared
        # client's pool scans every connection and every queued request on each request (httpcore), which cost
        # the simulator most of its CPU under a burst; here a turn is waited for in a plain queue.
        self._idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        self._clients: list[httpx.AsyncClient] = []
        self._turns = asyncio.Semaphore(settings.webhook_concurrency)

    def fire(self, store: Store, events: list[Event]) -> None:
        """Queues one delivery per event and matching active hook; returns at once."""
        for event in events:
            hooks = [h for h in store.hooks.values() if h.is_active and scope_matches(h.scope, event.scope)]
            if not hooks:
                continue
            payload = payload_for(store, event)
            body = json.dumps(payload).encode()
            for hook in hooks:
                delivery = Delivery(
                    id=f"msg_{secrets.token_hex(12)}",
                    store_hash=store.hash,
                    hook_id=hook.id,
                    scope=event.scope,
                    destination=hook.destination,
                    hash=str(payload["hash"]),
                    created_at=now(),
                )
                self.log.append(delivery)
                task = asyncio.get_running_loop().create_task(self._deliver(store, hook, delivery, body))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in self._clients:
            await client.aclose()
        self._clients.clear()
        self._idle = asyncio.Queue()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client of one connection for one attempt, once one of `webhook_concurrency` turns is free."""
        async with self._turns:
            client = self._idle.get_nowait() if not self._idle.empty() else None
            if client is None or client.is_closed:
                client = self._client()
                self._clients.append(client)
            try:
                yield client
            finally:
                self._idle.put_nowait(client)

    def _headers(self, hook: Hook, delivery: Delivery, body: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        signed = f"{delivery.id}.{timestamp}.".encode() + body
        digest = hmac.new(self._settings.client_secret.encode(), signed, hashlib.sha256).digest()
        return {
            **hook.headers,
            "Content-Type": "application/json",
            "webhook-id": delivery.id,
            "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        }

    async def _attempt(self, hook: Hook, delivery: Delivery, body: bytes) -> bool:
        succeeded = await self._post(hook, delivery, body)
        if self.blocklist.record(hook.client_id, hook.destination, succeeded, delivery.last_error):
            log.warning("webhook destination domain of %s blocklisted for %.3gs for app %s (success ratio)",
                        hook.destination, self.blocklist.rules.block_s * self.blocklist.scale, hook.client_id)
        return succeeded

    async def _hold_while_blocked(self, hook: Hook, delivery: Delivery) -> None:
        """Deliveries to a blocked domain wait in the retry queue until the block ends."""
        while (left := self.blocklist.blocked_for(hook.client_id, hook.destination)) > 0:
            delivery.state = "blocked"
            await asyncio.sleep(min(left, 1.0))

    async def _post(self, hook: Hook, delivery: Delivery, body: bytes) -> bool:
        delivery.attempts += 1
        if self._faults().webhook_failure(self._rng):
            delivery.status_code = None
            delivery.last_error = "simulated failure (webhook_failure_rate)"
            return False
        try:
            async with self._connection() as client:  # waiting for a turn is not part of the attempt
                response = await client.post(
                    hook.destination,
                    content=body,
                    headers=self._headers(hook, delivery, body),
                    timeout=self._settings.webhook_timeout_s,
                )
        except httpx.HTTPError as exc:
            delivery.status_code = None
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            return False
        delivery.status_code = response.status_code
        delivery.last_error = None if response.is_success else f"HTTP {response.status_code}"
        return response.is_success

    async def _deliver(self, store: Store, hook: Hook, delivery: Delivery, body: bytes) -> None:
        for retry, wait_s in enumerate((0, *RETRY_SCHEDULE_S)):
            if wait_s:
                delivery.state = "retrying"
                await asyncio.sleep(wait_s * self._settings.time_scale)
                if store.hooks.get(hook.id) is not hook or not hook.is_active:
                    delivery.state = "cancelled"
                    log.info("webhook %s to %s cancelled: hook deleted or inactive", delivery.scope, hook.destination)
                    return
            await self._hold_while_blocked(hook, delivery)
            if store.hooks.get(hook.id) is not hook or not hook.is_active:
                delivery.state = "cancelled"
                return
            if await self._attempt(hook, delivery, body):
                delivery.state = "delivered"
                delivery.delivered_at = now()
                log.info("webhook %s delivered to %s (attempt %d, HTTP %s)",
                         delivery.scope, hook.destination, delivery.attempts, delivery.status_code)
                return
            if retry < len(RETRY_SCHEDULE_S):
                log.warning("webhook %s to %s failed (%s); retrying in %.3gs",
                            delivery.scope, hook.destination, delivery.last_error,
                            RETRY_SCHEDULE_S[retry] * self._settings.time_scale)
        delivery.state = "failed"
        hook.is_active = False
        hook.updated_at = now()
        log.error("webhook %s to %s failed %d times; hook %d deactivated",
                  delivery.scope, hook.destination, delivery.attempts, hook.id)
