"""The command line every service shares: `serve`, `migrate`, `replay`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from cartio_platform.broker import Broker
from cartio_platform.consumer import replay_parked
from cartio_platform.errors import describe_validation
from cartio_platform.logging import configure_logging
from cartio_platform.settings import DevelopmentSecrets, ServiceSettings


def service_main(
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[ServiceSettings], FastAPI],
    *,
    migrations: Path | None = None,
    argv: list[str] | None = None,
) -> None:
    try:
        settings = settings_factory()
    except ValidationError as exc:
        # A bad setting is an operator's mistake: say which, without a traceback.
        sys.exit(f"cannot start: {describe_validation(list(exc.errors()))}")
    parser = argparse.ArgumentParser(prog=f"python -m cartio_{settings.service_name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the service (HTTP, consumers, outbox relay)")
    if migrations is not None:
        sub.add_parser("migrate", help="create the database if needed and apply migrations")
    replay = sub.add_parser("replay", help="move parked messages from <queue>.dead back to <queue>")
    replay.add_argument("--queue", required=True, help="purpose, e.g. 'webhooks', or a full queue name")
    replay.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    configure_logging(settings.service_name, level=settings.log_level, json=settings.log_json)

    if args.command == "serve":
        try:
            settings.refuse_development_secrets()
        except DevelopmentSecrets as exc:
            sys.exit(f"cannot start: {exc}")
        # uvicorn re-raises the SIGTERM it drained for once it is done; a drained stop is a clean exit (0).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # uvloop and httptools: the asyncio loop and h11 parser in pure Python cost more than a webhook's handling.
        uvicorn.run(app_factory(settings), host=settings.host, port=settings.port, log_config=None,
                    access_log=False, timeout_graceful_shutdown=5, loop="uvloop", http="httptools")
    elif args.command == "migrate":
        from cartio_platform.migrate import upgrade  # alembic: ~12 MB a serving process has no use for

        assert migrations is not None
        upgrade(settings.database_url, migrations)
        print(f"{settings.service_name}: database migrated")
    elif args.command == "replay":
        queue = args.queue
        if not queue.startswith(settings.namespace + "."):
            queue = settings.topology.queue(settings.service_name, queue)
        moved = asyncio.run(_replay(settings, queue, args.limit))
        print(f"replayed {moved} parked message(s) from {queue}.dead to {queue}")


async def _replay(settings: ServiceSettings, queue: str, limit: int | None) -> int:
    broker = Broker(settings.amqp_url, settings.topology, name=f"{settings.service_name}-replay")
    await broker.start(wait=10)
    try:
        return await replay_parked(broker, queue, limit=limit)
    finally:
        await broker.stop()
