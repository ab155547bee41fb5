"""Benchmark of the store's BigCommerce API quota: calls per shopper change under a burst, and a store out of
quota slowing carts down instead of failing it.

    .venv/bin/python bench/bigcommerce_quota.py [--carts 5] [--changes 20] [--low-quota 12] [--output FILE]

The whole system as real processes (cartio_platform.testing.system), the simulator with BigCommerce's
Standard-plan quota (150 requests per 30 s per store, shared by every app). The app is installed into a fresh
store, `--carts` shopper carts are made and carts is waited for until it holds them and has no read pending;
then every cart gets `--changes` quantity changes within about a second, all carts at once (each change fires
`store/cart/lineItem/updated` and `store/cart/updated`, as BigCommerce does). Measured: the store's REST calls
during the burst (the simulator's `GET /_sim/api_usage`: every app's, as the quota counts them) per change,
calls refused with 429, and the seconds until carts holds every cart's last state.

1. baseline, in the same run: what carts did before coalescing, a read of the cart and its checkout (2 calls)
   for every `store/cart/updated` delivered during the burst (counted in `GET /_sim/webhooks`);
2. coalesced: the calls carts made for that burst;
3. quota low: the store's quota is cut to `--low-quota` requests per 30 s and another burst is made: carts must
   end holding every last state with no message retried or parked, only later.

The target is at most 1.5 calls per change on average (2); the exit status is 1 when it is missed, when a cart
does not reach its last state, or when a message was parked. Databases and the namespace are dropped at the
end. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench and tests are packages of the repository's root
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bench.carts_list import bench_args, bench_system, machine, write_section  # noqa: E402
from cartio_platform.testing import wait_until  # noqa: E402
from cartio_platform.testing.system import System  # noqa: E402

TARGET = 1.5
SCRIPT = "bench/bigcommerce_quota.py"


@dataclass
class Burst:
    name: str
    changes: int
    calls: int
    throttled: int
    seconds: float
    retried: int
    parked: int
    updates: int  # store/cart/updated webhooks delivered for it

    @property
    def per_change(self) -> float:
        return self.calls / self.changes


class Store:
    """One simulated store with carts installed, and what a bench needs of it."""

    def __init__(self, system: System, store_hash: str, sim: httpx.AsyncClient, carts: httpx.AsyncClient) -> None:
        self.system, self.hash, self.sim, self.carts = system, store_hash, sim, carts

    async def cart_updates(self) -> int:
        """`store/cart/updated` webhooks the store has delivered so far."""
        found = (await self.sim.get("/_sim/webhooks", params={"store": self.hash,
                                                             "scope": "store/cart/updated"})).json()
        return len(found)

    async def usage(self) -> tuple[int, int]:
        body: dict[str, Any] = (await self.sim.get("/_sim/api_usage", params={"store": self.hash})).json()
        return int(body["requests"]), int(body["throttled"])

    async def pending(self) -> int:
        engine = create_async_engine(self.system.db_urls["carts"])
        try:
            async with engine.connect() as conn:
                count = await conn.scalar(sa.text("SELECT count(*) FROM cart_refreshes WHERE store_hash = :s "
                                                  "AND dirty_since IS NOT NULL"), {"s": self.hash})
        finally:
            await engine.dispose()
        return int(count or 0)

    async def quantity(self, cart_id: str) -> int | None:
        answer = await self.carts.get(f"/internal/stores/{self.hash}/carts/{cart_id}")
        if answer.status_code != 200:
            return None
        items = answer.json()["items"]
        return int(items[0]["quantity"]) if items else None

    async def settled(self) -> bool:
        return await self.pending() == 0


async def new_store(system: System, sim: httpx.AsyncClient, carts: httpx.AsyncClient) -> Store:
    store_hash = await system.new_store()
    await system.install(store_hash)
    store = Store(system, store_hash, sim, carts)

    async def known() -> bool:
        r = await carts.get(f"/internal/stores/{store_hash}/products", params={"limit": 1})
        return r.status_code == 200

    await wait_until(known, timeout=30, what="carts to learn the store")
    return store


async def make_carts(store: Store, count: int, product_id: int) -> list[tuple[str, str]]:
    """`count` shopper carts, held by carts: (cart id, line id)."""
    made: list[tuple[str, str]] = []
    for _ in range(count):
        cart = (await store.sim.post("/_sim/carts", params={"store": store.hash},
                                     json={"items": [{"product_id": product_id, "quantity": 1}]})).json()
        made.append((cart["id"], cart["line_items"]["physical_items"][0]["id"]))
    for cart_id, _ in made:
        await wait_until(lambda c=cart_id: store.quantity(c), timeout=120, what=f"cart {cart_id}")
    await wait_until(store.settled, timeout=120, what="no read pending")
    return made


async def burst(store: Store, name: str, carts: list[tuple[str, str]], changes: int, round_: int) -> Burst:
    """Every cart changed `changes` times, all at once; measured until carts holds every last quantity."""
    calls0, throttled0 = await store.usage()
    updates0 = await store.cart_updates()
    retried0 = await store.system.consumed("carts", "webhooks", "retried")
    parked0 = await store.system.consumed("carts", "webhooks", "parked")
    quantities = [2 + (n + round_) % 10 for n in range(changes)]
    if quantities[-1] == 1:
        quantities.append(2)
    started = time.monotonic()

    async def change(cart_id: str, line_id: str) -> None:
        for quantity in quantities:
            answer = await store.sim.patch(f"/_sim/carts/{cart_id}/items/{line_id}", params={"store": store.hash},
                                           json={"quantity": quantity})
            answer.raise_for_status()

    await asyncio.gather(*(change(c, line) for c, line in carts))
    made = time.monotonic() - started
    for cart_id, _ in carts:
        async def last(c: str = cart_id) -> bool:
            return await store.quantity(c) == quantities[-1]
        await wait_until(last, timeout=600, interval=0.2, what=f"cart {cart_id} at its last state")
    seconds = time.monotonic() - started
    await wait_until(store.settled, timeout=600, what="no read pending")
    calls1, throttled1 = await store.usage()
    result = Burst(name, len(carts) * len(quantities), calls1 - calls0, throttled1 - throttled0, seconds,
                   await store.system.consumed("carts", "webhooks", "retried") - retried0,
                   await store.system.consumed("carts", "webhooks", "parked") - parked0,
                   await store.cart_updates() - updates0)
    print(f"{name}: {result.changes} changes made in {made:.2f} s, {result.calls} calls "
          f"({result.per_change:.2f} per change), {result.throttled} throttled, last states held after "
          f"{seconds:.1f} s, {result.retried} retried, {result.parked} parked", flush=True)
    return result


async def run(args: argparse.Namespace) -> list[Burst]:
    results: list[Burst] = []
    async with bench_system() as system:
        await system.start()
        headers = {"Authorization": f"Bearer {system.service_token}"}
        async with httpx.AsyncClient(base_url=system.sim, timeout=30) as sim, httpx.AsyncClient(
            base_url=system.url("carts"), timeout=30, headers=headers) as carts:
            store = await new_store(system, sim, carts)
            products = [p for p in (await sim.get("/_sim/products")).json()
                        if len(p.get("variants") or []) <= 1 and (p.get("inventory_level") or 100) > 20]
            made = await make_carts(store, args.carts, products[0]["id"])
            coalesced = await burst(store, "coalesced", made, args.changes, 0)
            # Carts before coalescing: a read of the cart and its checkout for each store/cart/updated.
            results.append(Burst("baseline: a read per webhook (carts before), same burst", coalesced.changes,
                                 2 * coalesced.updates, 0, 0.0, 0, 0, coalesced.updates))
            results.append(coalesced)
            answer = await sim.post("/_sim/faults", json={"rate_limit_per_30s": args.low_quota})
            answer.raise_for_status()
            results.append(await burst(store, f"coalesced, quota cut to {args.low_quota} per 30 s", made,
                                       args.changes, 3))
            await sim.post("/_sim/faults", json={})
    return results


def report(results: list[Burst], args: argparse.Namespace, load: float) -> str:
    lines = [
        "## The store's BigCommerce API quota (calls per shopper change)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `bench/bigcommerce_quota.py`: {args.carts} carts, "
        f"each changed {args.changes} times within about a "
        "second, all at once; the simulator at BigCommerce's Standard quota (150 requests per 30 s per store, "
        "every app's calls together); calls counted by the simulator (`GET /_sim/api_usage`). "
        f"{machine(load)}.",
        "",
        "| run | changes | calls | calls per change | throttled (429) | last states held after | retried | parked |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        held = f"{r.seconds:.1f} s" if r.seconds else "-"
        lines.append(f"| {r.name} | {r.changes} | {r.calls} | **{r.per_change:.2f}** | {r.throttled} | "
                     f"{held} | {r.retried} | {r.parked} |")
    lines += ["", f"Target: at most {TARGET} calls per change on average (coalesced run)."]
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--carts", type=int, default=5)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--low-quota", type=int, default=12)
    args = bench_args(parser)
    load = os.getloadavg()[0]
    results = await run(args)
    text = report(results, args, load)
    print("\n" + text)
    if args.output is not None:
        write_section(args.output, SCRIPT, text)
    coalesced = results[1]
    failures = []
    if coalesced.per_change > TARGET:
        failures.append(f"{coalesced.per_change:.2f} calls per change (target {TARGET})")
    if any(r.parked for r in results[1:]):
        failures.append("messages parked")
    for failure in failures:
        print(f"!!! {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
