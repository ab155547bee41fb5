"""The load generator of bench/freshness.py, run as a process of its own: shopper changes sent to the simulator
open loop at a given rate, each one's times recorded.

    .venv/bin/python bench/_freshness_load.py SPEC_JSON OUTPUT_JSON

SPEC_JSON: {"sim": url, "stores": [...], "products": [...], "rate": per second, "seconds": s, "gap": s,
"connections": n}. Each change is sent at its time on the clock (`k / rate` from the start) whether or not the
earlier ones were answered. A change is a new cart with one product or, once a cart made here has rested `gap`
seconds, its line's quantity set one higher (2, then 3). Only httpx and uvloop are imported: the process starts
fast and its CPU (written to OUTPUT_JSON with the changes) is the sending's.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
from collections import deque
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import httpx
import uvloop

NEW, QTY = "new cart", "quantity changed"
LAST_QUANTITY = 3  # a cart's changes: made with 1, then 2, then 3


@dataclass
class Change:
    """One shopper change as sent (times from time.monotonic: on Linux the same clock in every process)."""

    kind: str
    store: str
    cart_id: str | None
    quantity: int
    scheduled: float
    sent: float = 0.0
    answered: float = 0.0
    status: int = 0  # HTTP status; 0: no answer
    error: str = ""


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def generate(spec: dict[str, Any]) -> dict[str, Any]:
    rate, seconds, gap = float(spec["rate"]), float(spec["seconds"]), float(spec["gap"])
    stores: list[str] = spec["stores"]
    products: list[int] = spec["products"]
    rng = random.Random(1)
    clients: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    # One client per connection: one httpx client with many connections spends more CPU in its pool than the
    # simulator does on the request (see bench/_webhooks.py).
    for _ in range(int(spec["connections"])):
        clients.put_nowait(httpx.AsyncClient(base_url=spec["sim"], timeout=30,
                                             limits=httpx.Limits(max_connections=1)))
    resting: deque[tuple[float, str, str, str, int]] = deque()  # (ready at, store, cart, line, next quantity)
    changes: list[Change] = []
    tasks: set[asyncio.Task[None]] = set()

    async def send(change: Change, method: str, path: str, body: dict[str, Any], line: str | None) -> None:
        client = await clients.get()
        try:
            change.sent = time.monotonic()
            answer = await client.request(method, path, params={"store": change.store}, json=body)
            change.answered = time.monotonic()
            change.status = answer.status_code
        except httpx.HTTPError as exc:
            change.answered = time.monotonic()
            change.error = f"{type(exc).__name__}: {exc}"
            return
        finally:
            clients.put_nowait(client)
        if not answer.is_success:
            change.error = answer.text[:200]
            return
        if change.kind == NEW:
            cart = answer.json()
            change.cart_id = str(cart["id"])
            line = str(cart["line_items"]["physical_items"][0]["id"])
        if change.quantity < LAST_QUANTITY and line is not None and change.cart_id is not None:
            resting.append((change.scheduled + gap, change.store, change.cart_id, line, change.quantity + 1))

    cpu_before = cpu()
    started = time.monotonic() + 0.1
    for k in range(round(rate * seconds)):
        at = started + k / rate
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        if resting and resting[0][0] <= at:
            _, store, cart_id, line, quantity = resting.popleft()
            change = Change(QTY, store, cart_id, quantity, at)
            coro = send(change, "PATCH", f"/_sim/carts/{cart_id}/items/{line}", {"quantity": quantity}, line)
        else:
            store = stores[k % len(stores)]
            change = Change(NEW, store, None, 1, at)
            coro = send(change, "POST", "/_sim/carts",
                        {"items": [{"product_id": rng.choice(products), "quantity": 1}]}, None)
        changes.append(change)
        task = asyncio.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    used = cpu() - cpu_before
    while not clients.empty():
        await clients.get_nowait().aclose()
    return {"changes": [list(astuple(c)) for c in changes], "cpu_seconds": used}


if __name__ == "__main__":
    recorded = uvloop.run(generate(json.loads(sys.argv[1])))
    Path(sys.argv[2]).write_text(json.dumps(recorded))
