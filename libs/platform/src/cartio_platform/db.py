"""Async SQLAlchemy on asyncpg: engines, sessions, and creating a service's database."""

from __future__ import annotations

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SessionMaker = async_sessionmaker[AsyncSession]


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    # pre_ping: a connection whose task was cancelled mid-query is discarded, not reused broken.
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it does not exist; True when it was created."""
    target = make_url(url)
    name = target.database
    if not name:
        raise ValueError("database URL names no database")
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists:
                return False
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    finally:
        await admin.dispose()


async def drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        await admin.dispose()
