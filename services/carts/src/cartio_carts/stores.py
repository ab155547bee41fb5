"""The stores carts serves: installed (with the token it reads BigCommerce with) and uninstalled (purged later).

Events may arrive late or twice: a late install never undoes a later uninstall or a newer install.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts.messages import StoreInstalled, StoreUninstalled

from .core import now
from .tables import stores


async def record_install(session: AsyncSession, store_hash: str, event: StoreInstalled) -> None:
    values = {
        "access_token_encrypted": event.access_token_encrypted, "scope": event.scope, "active": True,
        "installed_at": event.installed_at, "uninstalled_at": None, "purge_after": None, "purged_at": None,
        "updated_at": now(), **({"name": event.store_name} if event.store_name else {}),
    }
    stmt = pg_insert(stores).values(store_hash=store_hash, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[stores.c.store_hash], set_=values,
        where=(stores.c.installed_at.is_(None) | (stores.c.installed_at <= event.installed_at))
        & (stores.c.uninstalled_at.is_(None) | (stores.c.uninstalled_at <= event.installed_at)),
    )
    await session.execute(stmt)


async def record_uninstall(session: AsyncSession, store_hash: str, event: StoreUninstalled) -> None:
    values = {
        "active": False, "access_token_encrypted": None, "uninstalled_at": event.uninstalled_at,
        "purge_after": event.purge_after, "updated_at": now(),
    }
    stmt = pg_insert(stores).values(store_hash=store_hash, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[stores.c.store_hash], set_=values,
        where=stores.c.installed_at.is_(None) | (stores.c.installed_at <= event.uninstalled_at),
    )
    await session.execute(stmt)
