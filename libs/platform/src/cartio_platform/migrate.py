"""Alembic per service, run programmatically: `python -m cartio_<service> migrate`.

Each service keeps `migrations/` (env.py calls `run_env`, versions hold its revisions). Migrating is a step of
its own, before any replica starts, so replicas never race on it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_platform.db import ensure_database
from cartio_platform.tables import inbox_table, outbox_table


def upgrade(database_url: str, migrations_dir: Path, revision: str = "head") -> None:
    """Create the database if needed and bring it to `revision`. Synchronous: call it outside an event loop."""
    asyncio.run(ensure_database(database_url))
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(cfg, revision)


async def upgrade_async(database_url: str, migrations_dir: Path) -> None:
    await asyncio.to_thread(upgrade, database_url, migrations_dir)


def run_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            await conn.run_sync(run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(online())


def create_platform_tables(connection: Connection) -> None:
    """For a service's first revision: the inbox and outbox tables as `cartio_platform.tables` defines them."""
    metadata = sa.MetaData()
    inbox_table(metadata)
    outbox_table(metadata)
    metadata.create_all(connection)
