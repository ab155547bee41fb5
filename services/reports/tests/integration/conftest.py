"""The reports service in-process against the real PostgreSQL and RabbitMQ.

Tests publish the events the other services would (store.installed, cart.upserted, order.placed, ...) on the real
events exchange, wait until reports has handled them (its inbox has them), and read the figures through the
internal API as the gateway does. Others (`handled`) run the handlers on the test's own transactions, as the
consumer would, and read the figures from the functions behind the routes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import Message, StoreInstalled, StoreUninstalled
from cartio_platform.broker import Broker
from cartio_platform.db import SessionMaker, make_engine, make_sessionmaker
from cartio_platform.testing import Infra, TempDatabases, app_client, migrate, wait_until
from cartio_reports import tables as t
from cartio_reports.app import create_app
from cartio_reports.settings import Settings

from .test_counting_property import deliver, install
from .test_windows import D0, noon

TOKEN = "test-service-token"


@dataclass
class Reports:
    http: httpx.AsyncClient
    broker: Broker
    settings: Settings
    store: str = ""

    def path(self, tail: str) -> str:
        return f"/internal/stores/{self.store}/reports{tail}"

    async def get(self, tail: str, **params: Any) -> dict[str, Any]:
        answer = await self.http.get(self.path(tail), params=params)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def send(self, message: Message, *, at: datetime | None = None) -> Envelope:
        """Publish `message` as if it happened `at` (now by default)."""
        return await self.resend(message.envelope(self.store, occurred_at=at or datetime.now(UTC)))

    async def resend(self, envelope: Envelope) -> Envelope:
        """Publish `envelope` (again: a redelivery, same message id) on the events exchange."""
        await self.broker.publish(envelope, exchange=self.broker.topology.events_exchange, routing_key=envelope.type)
        return envelope

    async def handled(self, *envelopes: Envelope, timeout: float = 15) -> None:
        """Wait until reports has handled every one of `envelopes` (its inbox has them)."""
        ids = {e.message_id for e in envelopes}
        engine = make_engine(self.settings.database_url, pool_size=1)
        try:
            async def seen() -> bool:
                async with engine.connect() as conn:
                    rows = (await conn.execute(t.inbox.select().where(t.inbox.c.message_id.in_(ids)))).all()
                    return len(rows) == len(ids)

            await wait_until(seen, timeout=timeout, what=f"{len(ids)} events handled by reports")
        finally:
            await engine.dispose()

    async def consuming(self) -> None:
        """Wait until the events queue's bindings route: a message published just after the consumer started can
        still land in `unrouted`, so a probe is sent until one is handled."""
        for _ in range(20):
            probe = await self.send(StoreUninstalled(uninstalled_at=datetime.now(UTC), purge_after=datetime.now(UTC)))
            try:
                await self.handled(probe, timeout=1)
                return
            except AssertionError:
                continue
        raise AssertionError("reports never consumed a probe event")

    async def install(self, timezone: str | None, currency: str = "USD") -> None:
        await self.handled(await self.send(StoreInstalled(
            scope="store_v2_information_read_only", access_token_encrypted="not-used-by-reports",
            installed_at=datetime.now(UTC), store_name="Test Shop", timezone=timezone, currency=currency)))


@pytest.fixture(scope="module")
async def settings(infra: Infra, databases: TempDatabases, namespace: str) -> Settings:
    url = await databases.create("reports")
    migrate("cartio_reports", url)
    # prefetch 1: events are handled one after the other, so an event sent after a redelivery is handled after it.
    return Settings(namespace=f"{namespace}.rp", amqp_url=infra.amqp_url, database_url=url,
                    service_token=TOKEN, retry_delays=[0.2, 0.5, 1.0], outbox_poll_interval=0.2, prefetch=1,
                    log_json=False)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reports_settings(settings: Settings) -> Settings:
    """The migrated database's settings, for tests that drive the handlers themselves."""
    return settings


@pytest.fixture(scope="module")
async def system(settings: Settings) -> AsyncIterator[Reports]:
    broker = Broker(settings.amqp_url, Topology(settings.namespace), name="reports-tests")
    await broker.start(wait=10)
    async with app_client(create_app(settings)) as http:
        http.headers.update({"Authorization": f"Bearer {TOKEN}"})
        reports = Reports(http, broker, settings, store="warmup")
        await reports.consuming()
        yield reports
    await broker.stop()


@pytest.fixture
def rp(system: Reports) -> Reports:
    """Reports, for a store of this test alone."""
    system.store = uuid.uuid4().hex[:10]
    return system



@dataclass
class Handled:
    """A store of this test alone, installed (America/Chicago), whose events go through the real handlers and
    inbox in the test's own transactions (test_counting_property.deliver); `db` reads its figures."""

    url: str
    store: str
    db: SessionMaker

    async def send(self, message: Message, day: date) -> None:
        """`message` as if it happened at noon on `day` in the store's zone."""
        await self.deliver(message.envelope(self.store, occurred_at=noon(day)))

    async def deliver(self, *envelopes: Envelope) -> None:
        await deliver(self.url, list(envelopes))

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A session reading one snapshot (REPEATABLE READ), as the routes that read the running totals do."""
        async with self.db() as session:
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session


def periods(last: date) -> list[tuple[date, date]]:
    """Date ranges around the test stores' days (test_windows.D0): before, across and after the built days."""
    days = [D0 - timedelta(days=3), D0, D0 + timedelta(days=1), D0 + timedelta(days=9), D0 + timedelta(days=10),
            D0 + timedelta(days=33), D0 + timedelta(days=39), last]
    return [(a, b) for a in days for b in days if a <= b]


@pytest.fixture
async def handled(reports_settings: Settings) -> AsyncIterator[Handled]:
    """A store of this test alone, its events handled in the test (see Handled)."""
    engine = make_engine(reports_settings.database_url, pool_size=2)
    try:
        shop = Handled(reports_settings.database_url, uuid.uuid4().hex[:10], make_sessionmaker(engine))
        await shop.deliver(install(shop.store))
        yield shop
    finally:
        await engine.dispose()
