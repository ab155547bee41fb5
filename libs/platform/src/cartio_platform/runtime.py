"""What a service is made of at run time: database, broker, consumers, outbox relay and health routes.

A service's app.py builds one `Runtime`, registers its consumers, and uses `runtime.lifespan` for FastAPI.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from cartio_contracts import Envelope, Message
from cartio_platform.access import AccessLog
from cartio_platform.broker import Broker
from cartio_platform.consumer import Consumer
from cartio_platform.db import SessionMaker, make_engine, make_sessionmaker
from cartio_platform.errors import install_error_handlers
from cartio_platform.health import Check, broker_check, consumers_check, database_check, health_router
from cartio_platform.logging import configure_logging, current_correlation_id, get_logger
from cartio_platform.messaging import Handler, Listener, ListenerHandler, Unit, bindings_for, dispatch_table, publish
from cartio_platform.outbox import OutboxRelay
from cartio_platform.periodic import Periodic, prune_messages
from cartio_platform.settings import ServiceSettings

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]


class Runtime:
    def __init__(self, settings: ServiceSettings, *, tables: sa.MetaData | None = None) -> None:
        self.settings = settings
        self.topology = settings.topology
        self.broker = Broker(settings.amqp_url, self.topology, name=settings.service_name)
        self.engine: AsyncEngine | None = None
        self.sessionmaker: SessionMaker | None = None
        self.inbox: sa.Table | None = None
        self.outbox: sa.Table | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[Consumer] = []
        self.listeners: list[Listener] = []
        self._on_start: list[Hook] = []
        self._on_stop: list[Hook] = []
        # A service's own readiness conditions (on /readyz), added before `create_app`.
        self.extra_checks: dict[str, Check] = {}
        if tables is not None:
            self.engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
            self.sessionmaker = make_sessionmaker(self.engine)
            self.inbox = tables.tables["inbox"]
            self.outbox = tables.tables["outbox"]
            self.relay = OutboxRelay(
                self.broker, self.sessionmaker, self.outbox, poll_interval=settings.outbox_poll_interval
            )
            self.every("prune-inbox-outbox", 3600.0, self._prune_messages)

    @property
    def db(self) -> SessionMaker:
        if self.sessionmaker is None:
            raise RuntimeError("this service has no database")
        return self.sessionmaker

    def consume(
        self, purpose: str, handlers: Mapping[type[Message], Handler], *, webhook_scopes: Sequence[str] = ()
    ) -> Consumer:
        """Consume the service's queue `<namespace>.<service>.<purpose>`: each model bound where it travels,
        each envelope parsed into its model and handled in a `Unit` (inbox claimed, events to the outbox)."""
        bindings = bindings_for(list(handlers), self.topology, webhook_scopes)
        table = dispatch_table(handlers, self._outbox(), self.topology)
        consumer = Consumer(
            broker=self.broker,
            sessionmaker=self.db,
            inbox=self.inbox,
            queue=self.topology.queue(self.settings.service_name, purpose),
            bindings=bindings,
            handlers=table,
            retry_delays=self.settings.retry_delays,
            prefetch=self.settings.prefetch,
            delivery_limit=self.settings.delivery_limit,
        )
        consumer.attach()
        self.consumers.append(consumer)
        return consumer

    def listen(self, purpose: str, handlers: Mapping[type[Message], ListenerHandler]) -> Listener:
        """A queue of this replica alone (exclusive, gone with the connection), without database or inbox."""
        listener = Listener(self.broker, self.topology.queue(self.settings.service_name, purpose), handlers)
        listener.attach()
        self.listeners.append(listener)
        return listener

    @asynccontextmanager
    async def unit(self, store_hash: str, correlation_id: str | None = None) -> AsyncIterator[Unit]:
        """One transaction for API or periodic work, committed at exit; its events go to the outbox.

        Events carry `correlation_id`, else the request's (`X-Correlation-Id`), else a fresh one."""
        correlation = correlation_id or current_correlation_id() or str(uuid.uuid4())
        async with self.db() as session, session.begin():
            yield Unit(session, store_hash, None, self._outbox(), self.topology, correlation)

    async def publish(
        self, message: Message, store_hash: str, *, message_id: uuid.UUID | None = None, timeout: float = 10.0
    ) -> Envelope:
        """Publish at once, confirmed (services without a database); exchange and routing key from the model."""
        return await publish(self.broker, message, store_hash, message_id=message_id,
                             correlation_id=current_correlation_id(), timeout=timeout)

    def _outbox(self) -> sa.Table:
        if self.outbox is None:
            raise RuntimeError("this service has no database, hence no outbox: use Runtime.publish")
        return self.outbox

    def every(self, name: str, interval: float, work: Callable[[], Awaitable[object]]) -> Periodic:
        """Run `work` every `interval` seconds while the service runs."""
        task = Periodic(name, interval, work)
        self.on_start(task.start)
        self.on_stop(task.stop)
        return task

    async def _prune_messages(self) -> None:
        retention = timedelta(days=self.settings.message_retention_days)
        seen, sent = await prune_messages(self.db, self.inbox, self.outbox, retention)
        if seen or sent:
            log.info("pruned old messages", inbox=seen, outbox=sent)

    def on_start(self, hook: Hook) -> None:
        self._on_start.append(hook)

    def on_stop(self, hook: Hook) -> None:
        self._on_stop.append(hook)

    def checks(self) -> dict[str, Check]:
        checks: dict[str, Check] = {"broker": broker_check(self.broker)}
        if self.engine is not None:
            checks["database"] = database_check(self.engine)
        # Reads the list at each call: consumers may be registered after the app is made.
        checks["consumers"] = consumers_check(self.consumers)
        return {**checks, **self.extra_checks}

    async def start(self) -> None:
        await self.broker.start()
        if self.relay is not None:
            await self.relay.start()
        for hook in self._on_start:
            await hook()

    async def stop(self) -> None:
        """Graceful stop (SIGTERM), in this order: consumers take no new messages; the handlers in flight finish
        (committed and acked) within `drain_timeout`; periodic work and the service's hooks stop; the outbox
        flushes what was committed; the connections close. A handler past the timeout is cut off and its message
        returns to the queue unacked."""
        for consumer in self.consumers:
            await consumer.stop_consuming()
        deadline = time.monotonic() + self.settings.drain_timeout
        for consumer in self.consumers:
            await consumer.wait_idle(deadline - time.monotonic())
        for hook in reversed(self._on_stop):
            await hook()
        if self.relay is not None:
            await self.relay.stop()
        await self.broker.stop()
        if self.engine is not None:
            await self.engine.dispose()

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        log.info("started", port=self.settings.port)
        try:
            yield
        finally:
            await self.stop()
            log.info("stopped")

    def create_app(self, title: str, **kwargs: Any) -> FastAPI:
        """A FastAPI app with this runtime's lifespan, health routes and request logging."""
        app = FastAPI(title=title, lifespan=self.lifespan, **kwargs)
        app.include_router(health_router(self.checks(), self.settings.service_token.get_secret_value()))
        app.state.runtime = self
        install_error_handlers(app)

        app.add_middleware(AccessLog)
        return app


def setup_logging(settings: ServiceSettings) -> None:
    configure_logging(settings.service_name, level=settings.log_level, json=settings.log_json)


async def runtime_of(request: Request) -> Runtime:
    """The app's `Runtime` (its lifespan puts it on `app.state`), for a route that needs the database or broker."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
"""A route parameter: the service's Runtime."""
