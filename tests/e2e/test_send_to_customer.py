"""Issue 9, end to end: "Send to customer" reaches the shopper's mailbox (the simulator's SMTP sink) once, with
the cart's lines and totals and a first-party link that opens a checkout holding the same lines."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest

from cartio_contracts.messages import CartSnapshot, SendCart
from cartio_platform.testing import Infra, TempDatabases, wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e
# The notifier's own retry waits (not the broker's), short so a waiting notice goes out soon after the sink is back.
NOTIFIER_ENV = {"CARTIO_SEND_RETRY_DELAYS": "[0.3, 0.6, 1]", "CARTIO_SEND_INTERVAL": "0.2"}


@pytest.fixture(scope="module")
async def system(infra: Infra, namespace: str, databases: TempDatabases) -> AsyncIterator[System]:
    sys_ = System(infra, f"{namespace}.send", databases, name="send", process_env={"notifier": NOTIFIER_ENV})
    try:
        await sys_.start()
        yield sys_
    finally:
        await sys_.stop()


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    return await system.merchant(store, user_id=9101, email="staff@shop.example")


async def a_cart(system: System, store: str, merchant: Merchant, email: str) -> dict[str, Any]:
    made = await system.shopper_cart(store, [{"product_id": 111, "quantity": 2},
                                             {"product_id": 117, "variant_id": 311, "quantity": 1}], email=email)
    return await system.wait_for_cart(merchant, made["id"], lambda c: c["customer"]["email"] == email)


async def mail_to(system: System, address: str, count: int = 1) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        mails = [m for m in (await system.sim_call("GET", "/_sim/mail")).json() if address in m["to"]]
        return mails if len(mails) >= count else None

    result: list[dict[str, Any]] = await wait_until(arrived, timeout=20, what=f"mail to {address}")
    return result


async def notices(merchant: Merchant, cart_id: str) -> list[dict[str, Any]]:
    answer = await merchant.get("/api/notifications", params={"cart_id": cart_id})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def send(merchant: Merchant, cart_id: str, **body: Any) -> httpx.Response:
    return await merchant.send("POST", f"/api/carts/{cart_id}/send", json=body)


async def test_a_sent_cart_arrives_with_its_lines_totals_and_a_link_to_a_checkout_holding_them(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "ana@buyer.example")
    preview = await merchant.get(f"/api/carts/{cart['id']}/send/preview", params={"message": "Still want these?"})
    assert preview.status_code == 200, preview.text
    answer = await send(merchant, cart["id"], message="Still want these?")
    assert answer.status_code == 200, answer.text

    [mail] = await mail_to(system, "ana@buyer.example")
    assert mail["subject"] == preview.json()["subject"]
    for item in cart["items"]:
        assert item["name"] in mail["html"]
        assert item["name"] in mail["text"]
    assert cart["summary"]["grand_total"].split(".")[0] in mail["text"]
    assert "Still want these?" in mail["html"]
    assert "Complete your order" in mail["html"]

    link = re.search(r"(http://\S+/r/[A-Za-z0-9_.=-]+)", mail["text"])
    assert link is not None, mail["text"]
    async with httpx.AsyncClient(timeout=10) as browser:
        hop = await browser.get(link.group(1))
        assert hop.status_code == 302
        checkout = await browser.get(hop.headers["location"])
    assert checkout.status_code == 200, checkout.text
    for item in cart["items"]:
        assert item["name"] in checkout.text

    async def clicked() -> dict[str, Any] | None:
        found = [n for n in await notices(merchant, cart["id"]) if n["status"] == "sent" and n["clicks"] >= 1]
        return found[0] if found else None

    notice = await wait_until(clicked, timeout=10, what="the click counted")
    assert notice["recipient"] == "ana@buyer.example"


async def test_a_second_send_within_ten_minutes_answers_429_with_the_seconds_left(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "ben@buyer.example")
    assert (await send(merchant, cart["id"])).status_code == 200
    again = await send(merchant, cart["id"])
    assert again.status_code == 429, again.text
    assert 0 < int(again.headers["retry-after"]) <= 600
    assert again.json()["error"]["seconds_left"] == int(again.headers["retry-after"])
    assert len(await mail_to(system, "ben@buyer.example")) == 1


async def test_the_same_command_delivered_twice_sends_one_email(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "cid@buyer.example")
    command = SendCart(cart=CartSnapshot.model_validate({**cart["summary"], **cart}), recipient="cid@buyer.example",
                       checkout_url="http://127.0.0.1/checkout", requested_by="test")
    envelope = command.envelope(store, message_id=uuid.uuid4())
    connection = await aio_pika.connect(system.infra.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{system.namespace}.events")
        for _ in range(2):
            await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode(),
                                                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                   routing_key=SendCart.TYPE)
    await mail_to(system, "cid@buyer.example")

    async def settled() -> list[dict[str, Any]] | None:
        found = await notices(merchant, cart["id"])
        return found if found and found[0]["status"] == "sent" else None

    assert len(await wait_until(settled, timeout=10, what="the notice sent")) == 1
    assert len(await mail_to(system, "cid@buyer.example")) == 1


async def test_with_the_sink_stopped_the_notice_waits_and_goes_out_when_it_is_back(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "dee@buyer.example")
    assert (await system.sim_call("POST", "/_sim/mail/faults", json={"down": True})).status_code == 200
    try:
        assert (await send(merchant, cart["id"])).status_code == 200

        async def waiting() -> bool:
            found = await notices(merchant, cart["id"])
            return bool(found) and found[0]["status"] == "pending" and found[0]["attempts"] >= 1

        await wait_until(waiting, timeout=15, what="a failed try, the notice still pending")
    finally:
        assert (await system.sim_call("POST", "/_sim/mail/faults", json={})).status_code == 200
    await mail_to(system, "dee@buyer.example")
    assert (await notices(merchant, cart["id"]))[0]["status"] == "sent"


async def test_a_refused_address_ends_failed_with_its_reason(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "gone@buyer.example")
    await system.sim_call("POST", "/_sim/mail/faults", json={"refuse": {"gone@buyer.example": 550}})
    try:
        assert (await send(merchant, cart["id"])).status_code == 200

        async def failed() -> dict[str, Any] | None:
            found = await notices(merchant, cart["id"])
            return found[0] if found and found[0]["status"] == "failed" else None

        notice = await wait_until(failed, timeout=15, what="the notice failed")
    finally:
        await system.sim_call("POST", "/_sim/mail/faults", json={})
    assert "550" in notice["reason"]


async def test_the_same_idempotency_key_twice_sends_one_email(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "eve@buyer.example")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await merchant.send("POST", f"/api/carts/{cart['id']}/send", json={}, headers=key)
    second = await merchant.send("POST", f"/api/carts/{cart['id']}/send", json={}, headers=key)
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text  # the first answer again, not a second email (or a 429)
    assert second.json()["notification"]["id"] == first.json()["notification"]["id"]
    assert len(await mail_to(system, "eve@buyer.example")) == 1
