"""This replica's matcher, kept current from the database.

Loaded whole at start and every `rules_refresh_interval`; a store's index is reloaded right after this replica
changed its rules, and on `blacklist.rules_changed` (published through the outbox by whichever replica changed
them) on a per-replica listener queue, so every replica judges by the same rules within milliseconds.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from cartio_blacklist.domain.matcher import Matcher, StoreIndex, Subject, Verdict
from cartio_blacklist.domain.rules import Rule
from cartio_blacklist.queries import enabled_rules
from cartio_contracts import Envelope
from cartio_contracts.messages import BlacklistRulesChanged
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

log = get_logger(__name__)


class RuleIndex:
    def __init__(self, db: SessionMaker) -> None:
        self.db = db
        self.matcher = Matcher()
        self._loaded = False
        self._loading = asyncio.Lock()

    async def load_all(self) -> None:
        async with self._loading:
            await self._load()

    async def _load(self) -> None:
        async with self.db() as session:
            by_store = await enabled_rules(session)
        self.matcher.stores = {store: StoreIndex.build(rules) for store, rules in by_store.items()}
        self._loaded = True
        log.info("rule index loaded", stores=len(by_store), rules=sum(len(r) for r in by_store.values()))

    async def ensure_loaded(self) -> None:
        """Consumers start with the broker connection, maybe before the first periodic load: nothing is judged by
        an index not yet loaded."""
        if self._loaded:
            return
        async with self._loading:
            if not self._loaded:
                await self._load()

    async def reload(self, store_hash: str) -> None:
        async with self.db() as session:
            rules = (await enabled_rules(session, store_hash)).get(store_hash, [])
        self.install(store_hash, rules)

    def install(self, store_hash: str, rules: list[Rule]) -> None:
        if rules:
            self.matcher.replace(store_hash, rules)
        else:
            self.matcher.forget(store_hash)

    def store(self, store_hash: str) -> StoreIndex:
        return self.matcher.stores.get(store_hash) or StoreIndex()

    async def judge(self, store_hash: str, subject: Subject, now: datetime) -> Verdict:
        await self.ensure_loaded()
        return self.matcher.judge(store_hash, subject, now)

    async def on_rules_changed(self, message: BlacklistRulesChanged, envelope: Envelope) -> None:
        await self.reload(envelope.store_hash)
