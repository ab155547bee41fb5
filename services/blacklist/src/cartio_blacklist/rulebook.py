"""Changing rules: validate, write, judge the carts the change touches, and tell every replica.

Each change is one unit of work: the rule, the hits it makes on existing carts, their `blacklist.matched` and
the `blacklist.rules_changed` all commit together. The store's new index is built inside the transaction (it
sees the change) and installed in this replica's matcher once the transaction has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cartio_blacklist import tables as t
from cartio_blacklist.domain.matcher import StoreIndex
from cartio_blacklist.domain.rules import Rule, normalise
from cartio_blacklist.enforcement import judge_existing_carts
from cartio_blacklist.index import RuleIndex
from cartio_blacklist.queries import (
    cart_subject,
    carts_touching,
    enabled_rules,
    orders_touching,
    rule_json,
    rule_of_row,
    rule_row,
)
from cartio_contracts.messages import BlacklistRulesChanged
from cartio_platform.messaging import Unit
from cartio_platform.runtime import Runtime

PREVIEW_ORDERS_SINCE = timedelta(days=30)
PREVIEW_LIMIT = 100


class RuleRefused(ValueError):
    """A rule change that cannot be made (invalid, duplicate, expiry in the past): 422 with this message."""


class RuleNotFound(LookupError):
    pass


@dataclass(frozen=True)
class NewRule:
    kind: str
    value: str
    action: Literal["block", "allow"] = "block"
    note: str | None = None
    expires_at: datetime | None = None
    enabled: bool = True


def _future(expires_at: datetime | None, now: datetime) -> datetime | None:
    if expires_at is not None and expires_at <= now:
        raise RuleRefused(f"expires_at {expires_at.isoformat()} is in the past; give a time after now")
    return expires_at


class Rulebook:
    def __init__(self, runtime: Runtime, index: RuleIndex) -> None:
        self.runtime = runtime
        self.index = index

    async def create(self, store_hash: str, new: NewRule, actor: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        value = normalise(new.kind, new.value)
        expires_at = _future(new.expires_at, now)
        try:
            async with self.runtime.unit(store_hash) as unit:
                row = (await unit.session.execute(
                    sa.insert(t.rules).values(
                        store_hash=store_hash, kind=new.kind, value=value, action=new.action, note=new.note,
                        expires_at=expires_at, enabled=new.enabled, created_by=actor, created_at=now, updated_at=now,
                    ).returning(*t.rules.c)
                )).one()
                rules = await self._changed(unit, rule_of_row(row), "created", now)
        except IntegrityError:
            raise RuleRefused(f"a {new.kind} rule for {value!r} exists already; change that one instead") from None
        self.index.install(store_hash, rules)
        return await self.get(store_hash, row.id)

    async def update(self, store_hash: str, rule_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """`changes`: any of enabled, note, expires_at (None clears the note or the expiry)."""
        now = datetime.now(UTC)
        if "expires_at" in changes:
            _future(changes["expires_at"], now)
        async with self.runtime.unit(store_hash) as unit:
            if await rule_row(unit.session, store_hash, rule_id, lock=True) is None:
                raise RuleNotFound(rule_id)
            row = (await unit.session.execute(
                sa.update(t.rules).where(t.rules.c.store_hash == store_hash, t.rules.c.id == rule_id)
                .values(**changes, updated_at=now).returning(*t.rules.c)
            )).one()
            rules = await self._changed(unit, rule_of_row(row), "updated", now)
        self.index.install(store_hash, rules)
        return rule_json(row)

    async def delete(self, store_hash: str, rule_id: int) -> None:
        now = datetime.now(UTC)
        async with self.runtime.unit(store_hash) as unit:
            row = (await unit.session.execute(
                sa.delete(t.rules).where(t.rules.c.store_hash == store_hash, t.rules.c.id == rule_id)
                .returning(*t.rules.c)
            )).first()
            if row is None:
                raise RuleNotFound(rule_id)
            rules = await self._changed(unit, rule_of_row(row), "deleted", now)
        self.index.install(store_hash, rules)

    async def get(self, store_hash: str, rule_id: int) -> dict[str, Any]:
        async with self.runtime.db() as session:
            row = await rule_row(session, store_hash, rule_id)
        if row is None:
            raise RuleNotFound(rule_id)
        return rule_json(row)

    async def _changed(self, unit: Unit, rule: Rule, change: Literal["created", "updated", "deleted"],
                       now: datetime) -> list[Rule]:
        """The store's rules after the change; the carts the rule touches judged by them; replicas told."""
        rules = (await enabled_rules(unit.session, unit.store_hash)).get(unit.store_hash, [])
        # Also after a delete or a disable: removing an allow rule lets the block rules it overrode act.
        await judge_existing_carts(unit, StoreIndex.build(rules), rule, now)
        await unit.emit(BlacklistRulesChanged(rule_id=rule.id, change=change, changed_at=now))
        return rules

    async def preview(self, store_hash: str, new: NewRule) -> dict[str, Any]:
        """The active carts and last 30 days' orders the rule would hit if it were saved as it is."""
        now = datetime.now(UTC)
        value = normalise(new.kind, new.value)
        expires_at = _future(new.expires_at, now)
        rule = Rule(id=0, kind=new.kind, value=value, action=new.action,  # type: ignore[arg-type]
                    enabled=True, expires_at=expires_at, note=new.note)
        async with self.runtime.db() as session:
            rules = (await enabled_rules(session, store_hash)).get(store_hash, [])
            index = StoreIndex.build([*rules, rule])
            carts = await carts_touching(session, store_hash, rule, limit=PREVIEW_LIMIT)
            orders = await orders_touching(session, store_hash, rule, now - PREVIEW_ORDERS_SINCE, PREVIEW_LIMIT)

        def hit(row: Any) -> str | None:
            """What the new rule matches of the row (a block rule: unless an allow rule wins over it)."""
            verdict = index.judge(cart_subject(row), now)
            ours = [m for m in (verdict.blocking if rule.action == "block" else verdict.matches) if m.rule.id == 0]
            return ours[0].matched if ours else None

        return {
            "rule": {"kind": rule.kind, "value": value, "action": rule.action, "expires_at": expires_at},
            "carts": [
                {"cart_id": r.cart_id, "status": r.status, "email": r.email, "ip": str(r.ip) if r.ip else None,
                 "country": r.country, "grand_total": r.grand_total, "currency": r.currency,
                 "updated_at": r.updated_at, "matched": m}
                for r in carts if (m := hit(r)) is not None
            ],
            "orders": [
                {"order_id": r.order_id, "cart_id": r.cart_id, "email": r.email, "ip": str(r.ip) if r.ip else None,
                 "country": r.country, "billing_country": r.billing_country, "grand_total": r.grand_total,
                 "currency": r.currency, "placed_at": r.placed_at, "matched": m}
                for r in orders if (m := hit(r)) is not None
            ],
        }
