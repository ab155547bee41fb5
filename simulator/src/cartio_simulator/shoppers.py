"""Synthetic shoppers: guests and registered customers from several countries who make carts, change them,
enter emails, check out, abandon or empty them."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from .carts import LineInput, abandon, add_items, delete_item, get_cart, set_email, update_item
from .catalog import PRODUCTS, Product
from .errors import SimError
from .formats import now, v3_time
from .geo import random_country, random_ip
from .people import USER_AGENTS, random_person
from .state import Cart, Json, Store
from .storefront_actions import shopper_checks_out, shopper_creates_cart

if TYPE_CHECKING:
    from .runtime import Simulator

log = logging.getLogger("cartio_simulator.shoppers")

MAX_SESSIONS = 500


# Synthetic shoppers buy products without modifiers (tests add those), so a seed's carts stay as they were.
_PLAIN = [p for p in PRODUCTS.values() if not p.modifiers]


class Shoppers:
    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._spawner: asyncio.Task[None] | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.rate_per_s = 0.0
        self.duration_s: float | None = None
        self.think_s = 2.0
        self.store_hash: str | None = None
        self.started_at: str | None = None
        self.stats: dict[str, int] = {}

    @property
    def running(self) -> bool:
        return self._spawner is not None and not self._spawner.done()

    def status(self) -> Json:
        return {
            "running": self.running,
            "rate_per_s": self.rate_per_s if self.running else 0,
            "duration_s": self.duration_s,
            "think_s": self.think_s,
            "store_hash": self.store_hash,
            "started_at": self.started_at,
            "active_sessions": len(self._sessions),
            "stats": dict(self.stats),
        }

    async def start(self, store: Store, rate_per_s: float, duration_s: float | None, think_s: float) -> None:
        await self.stop()
        if rate_per_s <= 0:
            return
        self.rate_per_s = rate_per_s
        self.duration_s = duration_s
        self.think_s = think_s
        self.store_hash = store.hash
        self.started_at = v3_time(now())
        self.stats = {k: 0 for k in ("sessions", "carts_created", "emails", "checkouts", "abandoned",
                                     "emptied", "left", "errors")}
        self._spawner = asyncio.get_running_loop().create_task(self._spawn(store))
        log.info("shoppers started: %.3g per second on store %s", rate_per_s, store.hash)

    async def stop(self) -> None:
        tasks = [t for t in [self._spawner, *self._sessions] if t is not None]
        self._spawner = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tasks:
            log.info("shoppers stopped")

    async def _spawn(self, store: Store) -> None:
        rng = self._sim.rng
        deadline = time.monotonic() + self.duration_s if self.duration_s else None
        while deadline is None or time.monotonic() < deadline:
            if len(self._sessions) < MAX_SESSIONS:
                task = asyncio.get_running_loop().create_task(self._session(store))
                self._sessions.add(task)
                task.add_done_callback(self._sessions.discard)
            await asyncio.sleep(rng.expovariate(self.rate_per_s))
        log.info("shoppers: duration of %ss reached", self.duration_s)

    async def _think(self) -> None:
        await asyncio.sleep(self.think_s * self._sim.rng.uniform(0.5, 1.5))

    def _line(self, product: Product) -> LineInput:
        rng = self._sim.rng
        variant = rng.choice(product.variants)
        return LineInput(product_id=product.id, variant_id=variant.id, quantity=rng.choice([1, 1, 1, 2, 2, 3]))

    async def _session(self, store: Store) -> None:
        self.stats["sessions"] += 1
        try:
            await self._shop(store)
        except SimError as exc:  # e.g. out of stock, or the cart went away
            self.stats["errors"] += 1
            log.debug("shopper stopped: %s", exc.title)
        except Exception:
            self.stats["errors"] += 1
            log.exception("shopper session failed")

    async def _shop(self, store: Store) -> None:
        sim, rng = self._sim, self._sim.rng
        country = random_country(rng)
        customer = rng.choice(list(store.customers.values())) if rng.random() < 0.3 else None
        products = rng.sample(_PLAIN, k=rng.choice([1, 1, 2, 2, 3]))
        cart = await shopper_creates_cart(
            sim,
            store,
            [self._line(p) for p in products],
            customer_id=customer.id if customer else 0,
            ip=random_ip(rng, country),
            user_agent=rng.choice(USER_AGENTS),
        )
        self.stats["carts_created"] += 1
        await self._think()
        cart = get_cart(store, cart.id)
        if rng.random() < 0.4:
            extra = rng.choice(_PLAIN)
            sim.emit(store, add_items(store, cart, [self._line(extra)], []))
            await self._think()
        if rng.random() < 0.3:
            cart = get_cart(store, cart.id)
            item = rng.choice(cart.items)
            _, events = update_item(store, cart, item.id, min(item.quantity + rng.choice([-1, 1, 2]), 5) or 1)
            sim.emit(store, events)
            await self._think()
        if rng.random() < 0.15:
            cart = get_cart(store, cart.id)
            if len(cart.items) > 1:
                _, events = delete_item(store, cart, rng.choice(cart.items).id)
                sim.emit(store, events)
                await self._think()
        if customer is None and rng.random() < 0.6:
            cart = get_cart(store, cart.id)
            _, _, email = random_person(rng, country)
            sim.emit(store, set_email(cart, email))
            self.stats["emails"] += 1
            await self._think()
        await self._finish(store, get_cart(store, cart.id))

    async def _finish(self, store: Store, cart: Cart) -> None:
        sim, rng = self._sim, self._sim.rng
        roll = rng.random()
        if roll < 0.35 and (cart.email or cart.customer_id):
            await shopper_checks_out(sim, store, cart)
            self.stats["checkouts"] += 1
        elif roll < 0.7:
            await self._think()
            _, events = abandon(store, get_cart(store, cart.id))
            sim.emit(store, events)
            self.stats["abandoned"] += 1
        elif roll < 0.8:
            while cart.id in store.carts:
                _, events = delete_item(store, cart, cart.items[0].id)
                sim.emit(store, events)
            self.stats["emptied"] += 1
        else:
            self.stats["left"] += 1
