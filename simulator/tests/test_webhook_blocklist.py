"""BigCommerce's webhook blocklist: per app and destination domain, fewer than 90 % successes among 100 or more
deliveries of the last 2 minutes block the domain for 3 minutes; deliveries meanwhile wait; /v3/hooks/admin."""

from __future__ import annotations

import pytest

from cartio_simulator.blocklist import Blocklist, BlocklistRules
from cartio_simulator.testing import poll


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(blocklist: Blocklist, good: int, bad: int, client: str = "app",
           destination: str = "https://hooks.cartio.example/webhooks/bigcommerce") -> list[bool]:
    return [blocklist.record(client, destination, ok, None if ok else "HTTP 410")
            for ok in [True] * good + [False] * bad]


def test_a_domain_is_blocked_for_3_minutes_once_100_deliveries_in_2_minutes_fall_below_90_percent() -> None:
    clock = Clock()
    blocklist = Blocklist(clock=clock)
    assert not any(record(blocklist, 89, 10))  # 99 sent: too few to judge, whatever the ratio
    assert record(blocklist, 0, 1) == [True]  # the 100th: 89 % succeeded
    assert blocklist.blocked_for("app", "https://hooks.cartio.example/other/path") == 180.0  # the whole domain
    [row] = blocklist.status()
    assert (row["domain"], row["blocked"], row["blocks"]) == ("hooks.cartio.example", True, 1)
    [shown] = blocklist.blocked_domains("app")
    assert shown == {"destination": "hooks.cartio.example", "time_left": 180,
                     "reasons": [{"failure_description": "HTTP 410", "count": 11}]}
    clock.now += 179.9
    assert blocklist.blocked_for("app", "https://hooks.cartio.example/") > 0
    clock.now += 0.2
    assert blocklist.blocked_for("app", "https://hooks.cartio.example/") == 0
    assert blocklist.blocked_domains("app") == []


def test_ninety_percent_is_enough_and_old_failures_leave_the_window() -> None:
    clock = Clock()
    blocklist = Blocklist(clock=clock)
    assert not any(record(blocklist, 90, 10))  # exactly 90 %: not blocked
    clock.now += 121  # those 100 are older than 2 minutes
    assert not any(record(blocklist, 0, 99))  # 99 failures in the window: too few to judge
    assert record(blocklist, 0, 1) == [True]


def test_the_blocklist_is_per_app_and_per_domain() -> None:
    blocklist = Blocklist(clock=Clock())
    assert any(record(blocklist, 0, 100, client="app"))
    assert blocklist.blocked_for("app", "https://hooks.cartio.example/x") > 0
    assert blocklist.blocked_for("other-app", "https://hooks.cartio.example/x") == 0
    assert blocklist.blocked_for("app", "https://elsewhere.example/x") == 0
    assert blocklist.blocked_domains("other-app") == []


def test_the_windows_follow_the_time_scale() -> None:
    clock = Clock()
    blocklist = Blocklist(BlocklistRules(min_requests=5), scale=0.01, clock=clock)
    assert any(record(blocklist, 0, 5))
    assert blocklist.blocked_for("app", "https://hooks.cartio.example/") == pytest.approx(1.8)  # 180 s at 0.01
    assert blocklist.blocked_domains("app")[0]["time_left"] == 180  # shown in the store's seconds


async def test_deliveries_to_a_blocked_domain_are_held_then_delivered_and_shown(h, receiver):
    rec, served = receiver
    # 5 deliveries in a window of 1000 simulated seconds (2 s at the harness' 0.002), blocked for 0.4 s.
    answer = await h.client.put("/_sim/webhooks/blocklist", json={"window_s": 1000, "block_s": 200,
                                                                  "min_requests": 5, "min_success_ratio": 0.9})
    assert answer.status_code == 200
    rec.statuses = [500] * 5
    await h.hook("store/cart/*", f"{served.url}/webhooks/bigcommerce")
    await h.client.post("/_sim/carts", json={"items": [{"product_id": 111, "quantity": 1}]})  # 3 deliveries
    await h.client.post("/_sim/carts", json={"items": [{"product_id": 112, "quantity": 1}]})  # 3 more

    async def blocked() -> dict | None:
        state = (await h.client.get("/_sim/webhooks/blocklist")).json()
        return next((d for d in state["domains"] if d["blocked"]), None)

    domain = await poll(blocked)
    assert domain["domain"] == "127.0.0.1"
    assert domain["client_id"] == h.sim.settings.client_id
    admin = (await h.client.get(h.v3("/hooks/admin"), headers=h.headers)).json()["data"]
    assert [d["destination"] for d in admin["blocked_domains"]] == ["127.0.0.1"]
    assert admin["blocked_domains"][0]["reasons"] == [{"failure_description": "HTTP 500", "count": 5}]
    sent_before = len(rec.requests)

    async def held() -> list:
        return [e for e in (await h.client.get("/_sim/webhooks")).json() if e["state"] == "blocked"]

    assert await poll(held)  # the failed deliveries' retries wait in the retry queue ...
    assert await blocked()
    assert len(rec.requests) == sent_before  # ... and nothing reaches the domain while it is blocked

    # once the block ends, every delivery goes out and succeeds
    await poll(lambda: all(d.state == "delivered" for d in h.sim.dispatcher.log), timeout=10)
    assert len(h.sim.dispatcher.log) == 6
    assert not (await blocked())
    assert (await h.client.get(h.v3("/hooks/admin"), headers=h.headers)).json()["data"]["blocked_domains"] == []


async def test_hooks_admin_answers_hooks_list_as_bigcommerce_does(h, receiver):
    _rec, served = receiver
    hook = await h.hook("store/cart/*", f"{served.url}/webhooks/bigcommerce")
    admin = (await h.client.get(h.v3("/hooks/admin"), headers=h.headers)).json()["data"]
    assert set(admin) == {"emails", "hooks_list", "blocked_domains"}
    assert [(row["id"], row["status"]) for row in admin["hooks_list"]] == [(hook["id"], "active")]
    assert admin["blocked_domains"] == []
