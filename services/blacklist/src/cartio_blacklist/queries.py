"""Read-side SQL: rules as the matcher and the API need them, hits, and the carts and orders a rule could hit."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_blacklist import tables as t
from cartio_blacklist.domain.matcher import Subject
from cartio_blacklist.domain.rules import Rule

JUDGED_CART_STATUSES = ("active", "abandoned")  # blocked, deleted and converted carts are past judging


def rule_of_row(row: Any) -> Rule:
    return Rule(id=row.id, kind=row.kind, value=row.value, action=row.action, enabled=row.enabled,
                expires_at=row.expires_at, note=row.note)


def rule_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "value": row.value, "action": row.action, "note": row.note,
        "expires_at": row.expires_at, "enabled": row.enabled, "hits": row.hits, "last_hit_at": row.last_hit_at,
        "created_by": row.created_by, "created_at": row.created_at, "updated_at": row.updated_at,
    }


async def enabled_rules(session: AsyncSession, store_hash: str | None = None) -> dict[str, list[Rule]]:
    """Every enabled rule, by store (of one store when `store_hash` is given)."""
    query = sa.select(t.rules).where(t.rules.c.enabled.is_(True))
    if store_hash is not None:
        query = query.where(t.rules.c.store_hash == store_hash)
    by_store: dict[str, list[Rule]] = defaultdict(list)
    for row in await session.execute(query):
        by_store[row.store_hash].append(rule_of_row(row))
    return by_store


async def rule_row(session: AsyncSession, store_hash: str, rule_id: int, *, lock: bool = False) -> Any:
    query = sa.select(t.rules).where(t.rules.c.store_hash == store_hash, t.rules.c.id == rule_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def list_rules(session: AsyncSession, store_hash: str, kind: str | None, limit: int) -> list[dict[str, Any]]:
    query = sa.select(t.rules).where(t.rules.c.store_hash == store_hash)
    if kind:
        query = query.where(t.rules.c.kind == kind)
    rows = await session.execute(query.order_by(t.rules.c.id.desc()).limit(limit))
    return [rule_json(row) for row in rows]


async def list_hits(
    session: AsyncSession, store_hash: str, rule_id: int | None, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first; `before` (a hit id) pages on."""
    h = t.hits
    query = sa.select(h).where(h.c.store_hash == store_hash)
    if rule_id is not None:
        query = query.where(h.c.rule_id == rule_id)
    if before is not None:
        query = query.where(h.c.id < before)
    rows = await session.execute(query.order_by(h.c.id.desc()).limit(limit))
    return [
        {"id": r.id, "rule_id": r.rule_id, "kind": r.kind, "value": r.value, "subject": r.subject,
         "cart_id": r.cart_id, "order_id": r.order_id, "matched": r.matched, "hit_at": r.hit_at}
        for r in rows
    ]


def _touching(table: sa.Table, rule: Rule) -> sa.ColumnElement[bool]:
    """Rows whose email, IP or country the rule's value could match (the matcher has the last word)."""
    c = table.c
    if rule.kind == "email":
        return c.email == rule.value
    if rule.kind == "email_domain":
        return sa.or_(c.email_domain == rule.value, c.email_domain.like("%." + _like_escaped(rule.value)))
    if rule.kind == "ip":
        return c.ip == sa.cast(rule.value, t.carts.c.ip.type)
    if rule.kind == "cidr":
        return c.ip.op("<<=")(sa.cast(rule.value, sa.dialects.postgresql.CIDR))
    if "billing_country" in c:
        return sa.or_(c.country == rule.value, c.billing_country == rule.value)
    return c.country == rule.value


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cart_subject(row: Any) -> Subject:
    """A projected cart or order as the matcher sees it (an order's billing country beside its own)."""
    countries = tuple(dict.fromkeys(c for c in (row.country, getattr(row, "billing_country", None)) if c))
    return Subject(email=row.email, ips=(str(row.ip),) if row.ip else (), countries=countries)


async def carts_touching(session: AsyncSession, store_hash: str, rule: Rule, limit: int | None = None) -> list[Any]:
    """The store's active and abandoned carts the rule could hit."""
    query = (
        sa.select(t.carts)
        .where(t.carts.c.store_hash == store_hash, t.carts.c.status.in_(JUDGED_CART_STATUSES), _touching(t.carts, rule))
        .order_by(t.carts.c.updated_at.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(await session.execute(query))


async def orders_touching(
    session: AsyncSession, store_hash: str, rule: Rule, since: datetime, limit: int
) -> list[Any]:
    query = (
        sa.select(t.orders)
        .where(t.orders.c.store_hash == store_hash, t.orders.c.placed_at >= since, _touching(t.orders, rule))
        .order_by(t.orders.c.placed_at.desc())
        .limit(limit)
    )
    return list(await session.execute(query))
