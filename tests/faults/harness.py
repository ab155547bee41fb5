"""The fault harness: a known, bounded workload through the simulator, one fault, then a reconciliation.

A test makes a `Workload` on a fresh store of the module's system (`conftest.py`), runs `before()`, injects its
fault while `during()` (shoppers keep shopping: the simulator delivers their webhooks, retrying as BigCommerce
does), ends the fault, runs `after()`, and calls `reconcile()`, which waits for the system to settle and then
asserts what the issue promises: every cart of the simulator is in carts with the same items and totals, every
order linked to its cart, Cart Statistics equal to the counts of what was done, every send one email, every parked
message explained. It prints one summary line per test (`FAULT ...`, seen with `-s`) and records it as the
test's `fault_summary` property (in the JUnit XML), so the figures can be quoted.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import SERVICES, Merchant, System

DECLINED = 6
BLOCKED_EMAIL = "blocked@fraud.example"
SETTLE_TIMEOUT = 120.0  # a store's backlog after a minute's outage, on a loaded machine


def plain(product: dict[str, Any]) -> bool:
    """A product a shopper adds by its id alone: no options to choose, no required modifier."""
    return (all(not v.get("option_values") for v in product.get("variants", []))
            and not any(m.get("required") for m in product.get("modifiers", [])))


@dataclass
class ShopperCart:
    id: str
    email: str
    fate: str = "open"  # open, abandoned, converted, deleted (by the merchant), blocked
    order_id: int | None = None


@dataclass
class Workload:
    """What one test did to one store; the reconciliation's expectations come from it and the simulator."""

    system: System
    store: str
    merchant: Merchant
    products: list[int]
    tag: str
    carts: dict[str, ShopperCart] = field(default_factory=dict)
    sends: list[tuple[str, str]] = field(default_factory=list)  # (cart id, recipient)
    expected_parked: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # the test's own figures, for the summary line
    parked_before: int = 0  # parked by the module's earlier tests (explained by them)
    _n: int = 0

    @classmethod
    async def start(cls, system: System, tag: str) -> Workload:
        """A new store with the app installed, its merchant, and a blacklist rule blocking one email."""
        store = await system.install(await system.new_store())
        merchant = await system.merchant(store, user_id=9300, email=f"owner-{tag}@shop.example")
        products = [p["id"] for p in await system.products() if plain(p)][:4]
        work = cls(system, store, merchant, products, tag)
        work.parked_before = sum((await work.parked()).values())
        rule = await merchant.send("POST", "/api/blacklist/rules", json={"kind": "email", "value": BLOCKED_EMAIL})
        assert rule.status_code == 201, rule.text
        return work

    # --- what shoppers do (the simulator, always up; its webhooks retry) --------------------------------

    async def shopper(self, *, email: str | None = None) -> ShopperCart:
        self._n += 1
        n = self._n
        address = email or f"shopper{n}-{self.tag}@buyer.example"
        items = [{"product_id": self.products[n % len(self.products)], "quantity": 1 + n % 3}]
        if n % 2:
            items.append({"product_id": self.products[(n + 1) % len(self.products)], "quantity": 1})
        made = await self.system.shopper_cart(self.store, items, email=address)
        cart = ShopperCart(made["id"], address, "blocked" if address == BLOCKED_EMAIL else "open")
        self.carts[cart.id] = cart
        return cart

    async def shoppers(self, count: int) -> list[ShopperCart]:
        return [await self.shopper() for _ in range(count)]

    async def change(self, cart: ShopperCart) -> None:
        """The shopper adds one more of a product (a new line or a higher quantity)."""
        product = self.products[(len(cart.id) + self._n) % len(self.products)]
        self._n += 1
        added = await self.system.sim_call("POST", f"/_sim/carts/{cart.id}/items", store=self.store,
                                           json={"product_id": product, "quantity": 1})
        assert added.status_code == 201, added.text

    async def checkout(self, cart: ShopperCart) -> None:
        paid = await self.system.sim_call("POST", f"/_sim/carts/{cart.id}/checkout", store=self.store, json={})
        assert paid.status_code == 201, paid.text
        cart.fate, cart.order_id = "converted", int(paid.json()["id"])

    async def abandon(self, cart: ShopperCart) -> None:
        left = await self.system.sim_call("POST", f"/_sim/carts/{cart.id}/abandon", store=self.store)
        assert left.status_code == 200, left.text
        cart.fate = "abandoned"

    def open_carts(self) -> list[ShopperCart]:
        return [c for c in self.carts.values() if c.fate == "open"]

    # --- what the merchant does (through the gateway: the system must be up) -------------------------

    async def seen(self, cart: ShopperCart, timeout: float = 30) -> dict[str, Any]:
        return await self.system.wait_for_cart(self.merchant, cart.id, timeout=timeout)

    async def merchant_adds(self, cart: ShopperCart) -> None:
        await self.seen(cart)
        answer = await self.merchant.send("POST", f"/api/carts/{cart.id}/items",
                                          json={"product_id": self.products[0], "quantity": 2})
        assert answer.status_code in (200, 201), answer.text

    async def merchant_deletes(self, cart: ShopperCart) -> None:
        await self.seen(cart)
        answer = await self.merchant.send("DELETE", f"/api/carts/{cart.id}")
        assert answer.status_code in (200, 204), answer.text
        cart.fate = "deleted"

    async def send(self, cart: ShopperCart) -> None:
        """Send to customer, with an Idempotency-Key (asked twice, as a double click would: one email)."""
        await self.seen(cart)
        key = str(uuid.uuid4())
        for _ in range(2):
            answer = await self.merchant.send("POST", f"/api/carts/{cart.id}/send", json={},
                                              headers={"Idempotency-Key": key})
            assert answer.status_code in (200, 201, 202), answer.text
        self.sends.append((cart.id, cart.email))

    # --- the phases around a fault ---------------------------------------------------------------------

    async def before(self) -> None:
        """Six carts seen by the merchant, one edited by them, one sent to its shopper."""
        first = await self.shoppers(6)
        await self.merchant_adds(first[0])
        await self.send(first[1])

    async def during(self, rounds: int = 1, pause: float = 0.0) -> None:
        """Shoppers keep coming while the fault lasts: new carts, changes, orders, an abandonment, and the
        blocked shopper. `rounds` spread over `pause` seconds each ("events keep coming" for a minute)."""
        for round_ in range(rounds):
            fresh = await self.shoppers(3)
            for cart in self.open_carts()[:6]:
                await self.change(cart)
            await self.checkout(fresh[0])
            if round_ == 0:
                await self.abandon(fresh[1])
                await self.shopper(email=BLOCKED_EMAIL)
            if pause:
                await asyncio.sleep(pause)  # the pace of arriving shoppers, not a wait for a condition

    async def after(self) -> None:
        """Back to normal: two more carts, the merchant deletes one of the open carts."""
        await self.shoppers(2)
        await self.merchant_deletes(self.open_carts()[0])

    async def run_around(self, fault: Any, *, rounds: int = 1, pause: float = 0.0, settle: bool = False) -> None:
        """`before`, then `during` inside the fault (an async context manager), then `after` (once the system
        agrees again, with `settle`: a merchant acting at once may be told to try again shortly)."""
        await self.before()
        async with fault:
            await self.during(rounds, pause)
        if settle:
            await self.settled("the backlog after the fault")
        await self.after()

    # --- reconciliation ------------------------------------------------------------------------------

    async def settled(self, fault: str) -> None:
        """Wait until the system agrees with the store and the workload; fail with the mismatches."""
        mismatches: list[str] = []

        async def agrees() -> bool:
            mismatches[:] = await self._mismatches()
            return not mismatches

        try:
            await wait_until(agrees, timeout=SETTLE_TIMEOUT, interval=1.0, what="the system to agree")
        except AssertionError:
            raise AssertionError(f"{fault}: not reconciled:\n" + "\n".join(mismatches[:30])
                                 + f"\n{self.system.logs()}") from None

    async def reconcile(self, request: pytest.FixtureRequest, fault: str) -> str:
        await self.settled(fault)
        line = await self.summary(fault)
        print(line)
        request.node.user_properties.append(("fault_summary", line))
        return line

    async def _mismatches(self) -> list[str]:
        out: list[str] = []
        sim_carts = {c["id"]: c for c in (await self.system.sim_call("GET", "/_sim/carts", store=self.store)).json()}
        orders = (await self.system.sim_call("GET", "/_sim/orders", store=self.store)).json()
        by_cart = Counter(o.get("cart_id") for o in orders)
        held: dict[str, dict[str, Any]] = {}
        for cart_id in set(sim_carts) | set(self.carts):
            answer = await self.merchant.get(f"/api/carts/{cart_id}")
            if answer.status_code != 200:
                out.append(f"cart {cart_id}: not in carts ({answer.status_code})")
                continue
            held[cart_id] = answer.json()
        # Every cart the store still has: the same lines and total in carts.
        for cart_id, sim_cart in sim_carts.items():
            if cart_id not in held:
                continue
            mine = held[cart_id]
            theirs = sorted((i["product_id"], i.get("variant_id"), i["quantity"])
                            for i in sim_cart["line_items"]["physical_items"])
            ours = sorted((i["product_id"], i["variant_id"], i["quantity"]) for i in mine["items"])
            if ours != theirs:
                out.append(f"cart {cart_id}: items {ours} != store's {theirs}")
            if Decimal(mine["summary"]["grand_total"]) != Decimal(str(sim_cart["cart_amount"])):
                out.append(f"cart {cart_id}: total {mine['summary']['grand_total']} != {sim_cart['cart_amount']}")
            if cart_id in self.carts and self.carts[cart_id].fate in ("converted", "deleted", "blocked"):
                out.append(f"cart {cart_id}: still in the store though {self.carts[cart_id].fate}")
        # Every shopper's cart in the state its fate says; every order linked, and made once.
        for cart in self.carts.values():
            found = held.get(cart.id)
            if found is None:
                continue
            mine = found
            want = {"open": "active", "abandoned": "abandoned", "converted": "converted", "deleted": "deleted",
                    "blocked": "blocked"}[cart.fate]
            if mine["status"] != want:
                out.append(f"cart {cart.id}: {mine['status']}, expected {want}")
            if cart.fate == "converted" and mine["order_id"] != cart.order_id:
                out.append(f"cart {cart.id}: order {mine['order_id']} != the store's {cart.order_id}")
            if by_cart[cart.id] > 1:
                out.append(f"cart {cart.id}: {by_cart[cart.id]} orders in the store")
        for order in orders:
            if order.get("cart_id") in self.carts and self.carts[order["cart_id"]].fate == "blocked" \
                    and order["status_id"] != DECLINED:
                out.append(f"order {order['id']} of a blocked shopper: status {order['status_id']}")
        out += await self._report_mismatches(orders)
        out += await self._mail_mismatches()
        parked = await self.parked()
        if sum(parked.values()) - self.parked_before != self.expected_parked:
            out.append(f"parked {parked} ({self.parked_before} before this test), expected {self.expected_parked}")
        return out

    async def _report_mismatches(self, orders: list[dict[str, Any]]) -> list[str]:
        fates = Counter(c.fate for c in self.carts.values())
        paid = [o for o in orders if o.get("cart_id") in self.carts and o["status_id"] != DECLINED]
        expected = {
            "carts_created": len(self.carts), "carts_with_email": len(self.carts),
            "carts_abandoned": fates["abandoned"], "carts_converted": len(paid), "carts_recovered": 0,
            "carts_deleted": fates["deleted"], "carts_blocked": fates["blocked"],
        }
        got = (await self.merchant.get("/api/reports/summary", params={"days": 7})).json()
        seen = {k: got.get(k) for k in expected}
        return [] if seen == expected else [f"reports {seen} != {expected}"]

    async def _mail_mismatches(self) -> list[str]:
        mails = (await self.system.sim_call("GET", "/_sim/mail")).json()
        out = []
        for cart_id, recipient in self.sends:
            count = sum(1 for m in mails if recipient in m["to"])
            if count != 1:
                out.append(f"send of {cart_id}: {count} emails to {recipient}")
        return out

    async def parked(self) -> dict[str, int]:
        """Messages in this system's parking queues (`<queue>.dead`), by queue."""
        return await asyncio.to_thread(dead_queues, self.system.namespace)

    async def summary(self, fault: str) -> str:
        deliveries = (await self.system.sim_call("GET", "/_sim/webhooks", store=self.store)).json()
        retried = sum(1 for d in deliveries if d.get("attempts", 1) > 1)
        outcomes: Counter[str] = Counter()
        for service in SERVICES:
            proc = self.system.processes[service.name].proc
            if proc is None or proc.poll() is not None:
                continue
            for outcome in ("handled", "duplicate", "retried", "waited", "parked"):
                outcomes[outcome] += int(await self.system.metric(service.name, "cartio_messages_consumed_total",
                                                                  outcome=outcome))
        fates = Counter(c.fate for c in self.carts.values())
        extra = "".join(f" {k}={v}" for k, v in self.extra.items())
        return (f"FAULT {fault}: carts={len(self.carts)} {dict(sorted(fates.items()))} sends={len(self.sends)}; "
                f"webhooks sent={len(deliveries)} redelivered={retried}; messages handled={outcomes['handled']} "
                f"duplicate={outcomes['duplicate']} retried={outcomes['retried']} waited={outcomes['waited']} "
                f"parked={outcomes['parked']} (counters since each process's last start); "
                f"parked now={sum((await self.parked()).values()) - self.parked_before} "
                f"(expected {self.expected_parked});{extra} "
                f"reconciled: 0 lost, 0 duplicated")


def rabbitmqctl(*args: str, timeout: float = 120) -> str:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        pytest.fail("the fault tests need rabbitmqctl on PATH (the local RabbitMQ)", pytrace=False)
    done = subprocess.run([ctl, *args], check=True, capture_output=True, text=True, timeout=timeout)
    return done.stdout


def dead_queues(namespace: str) -> dict[str, int]:
    out = rabbitmqctl("list_queues", "-q", "--no-table-headers", "name", "messages", timeout=60)
    counts: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if (len(parts) == 2 and parts[0].startswith(namespace + ".") and parts[0].endswith(".dead")
                and parts[1].isdigit() and int(parts[1])):
            counts[parts[0]] = int(parts[1])
    return counts
