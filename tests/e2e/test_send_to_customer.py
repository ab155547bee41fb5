"""Issue 9, end to end: "Send to customer" reaches the shopper's mailbox (the simulator's SMTP sink) once, with
the cart's lines and totals and a first-party link that opens a checkout holding the same lines."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
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
STAFF = "staff@shop.example"


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
    return await system.merchant(store, user_id=9101, email=STAFF)


async def a_cart(system: System, store: str, merchant: Merchant, email: str) -> dict[str, Any]:
    """A shopper's storefront cart: a simple product twice and one variant of a product with options."""
    products = await system.products()
    simple = next(p for p in products if len(p.get("variants") or []) <= 1)
    varied = next(p for p in products if len(p.get("variants") or []) > 1)
    items = [{"product_id": simple["id"], "quantity": 2},
             {"product_id": varied["id"], "variant_id": varied["variants"][0]["id"], "quantity": 1}]
    made = await system.shopper_cart(store, items, email=email)
    return await system.wait_for_cart(merchant, made["id"], lambda c: c["customer"]["email"] == email)


async def mail_to(system: System, address: str, count: int = 1) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        mails = [m for m in (await system.sim_call("GET", "/_sim/mail")).json() if address in m["to"]]
        return mails if len(mails) >= count else None

    result: list[dict[str, Any]] = await wait_until(arrived, timeout=20, what=f"mail to {address}")
    return result


async def mails_to(system: System, address: str) -> list[dict[str, Any]]:
    return [m for m in (await system.sim_call("GET", "/_sim/mail")).json() if address in m["to"]]


async def notices(merchant: Merchant, cart_id: str) -> list[dict[str, Any]]:
    answer = await merchant.get("/api/notifications", params={"cart_id": cart_id})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def notice_in(merchant: Merchant, cart_id: str, status: str, timeout: float = 15) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        found = await notices(merchant, cart_id)
        return found[0] if found and found[0]["status"] == status else None

    notice: dict[str, Any] = await wait_until(reached, timeout=timeout, what=f"the notice {status}")
    return notice


async def send(merchant: Merchant, cart_id: str, key: str | None = None, **body: Any) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await merchant.send("POST", f"/api/carts/{cart_id}/send", json=body, headers=headers)


def money(amount: str) -> str:
    return f"${Decimal(amount):,.2f}"


async def timeline_has(system: System, merchant: Merchant, cart_id: str, action: str) -> dict[str, Any]:
    cart = await system.wait_for_cart(merchant, cart_id, lambda c: any(t["action"] == action for t in c["timeline"]),
                                      timeout=15)
    entry: dict[str, Any] = next(t for t in cart["timeline"] if t["action"] == action)
    return entry


async def click(link: str) -> httpx.Response:
    """The shopper clicks the email's link: Cartio's redirect, then the page it leads to."""
    async with httpx.AsyncClient(timeout=10) as browser:
        hop = await browser.get(link)
        if hop.status_code != 302:
            return hop
        return await browser.get(hop.headers["location"])


async def clicked(merchant: Merchant, cart_id: str, clicks: int) -> dict[str, Any]:
    """The sent notice of the cart once it counts `clicks` clicks (fails if it counts more)."""
    async def counted() -> dict[str, Any] | None:
        found = [n for n in await notices(merchant, cart_id) if n["status"] == "sent" and n["clicks"] >= clicks]
        return found[0] if found else None

    notice: dict[str, Any] = await wait_until(counted, timeout=10, what=f"{clicks} clicks counted")
    assert notice["clicks"] == clicks
    return notice


async def test_a_sent_cart_arrives_once_with_its_lines_totals_and_a_link_opening_its_checkout_at_every_click(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "ana@buyer.example")
    preview = await merchant.get(f"/api/carts/{cart['id']}/send/preview", params={"message": "Still want these?"})
    assert preview.status_code == 200, preview.text
    answer = await send(merchant, cart["id"], key=str(uuid.uuid4()), message="Still want these?")
    assert answer.status_code == 200, answer.text
    link_cart = answer.json()["link_cart_id"]

    [mail] = await mail_to(system, "ana@buyer.example")
    assert mail["subject"] == preview.json()["subject"]
    for item in cart["items"]:
        assert html.escape(item["name"]) in mail["html"]
        assert item["name"] in mail["text"]
        assert f"{item['quantity']} x {money(item['unit_price'])}" in mail["text"]
        for option in item["options"]:
            assert f"{option['name']}: {option['value']}" in mail["text"]
    assert f"Subtotal: {money(cart['summary']['subtotal'])}" in mail["text"]
    assert f"Grand total: {money(cart['summary']['grand_total'])}" in mail["text"]
    assert money(cart["summary"]["grand_total"]) in mail["html"]
    assert "Still want these?" in mail["html"]
    assert "Complete your order" in mail["html"]

    link = re.search(r"(http://\S+/r/[A-Za-z0-9_.=-]+)", mail["text"])
    assert link is not None, mail["text"]
    # BigCommerce's checkout URLs work once: the shopper clicking the email's link again still lands in it.
    for _ in range(2):
        checkout = await click(link.group(1))
        assert checkout.status_code == 200, checkout.text
        assert "<h1>Checkout</h1>" in checkout.text or "Checkout</title>" in checkout.text
        assert f"value='{link_cart}'" in checkout.text  # the checkout of the cart Cartio made for the link
        for item in cart["items"]:
            assert html.escape(item["name"]) in checkout.text

    notice = await clicked(merchant, cart["id"], 2)
    assert notice["recipient"] == "ana@buyer.example"
    assert notice["checkout_cart_id"] == link_cart
    sent = await timeline_has(system, merchant, cart["id"], "notification_sent")
    assert sent["detail"]["recipient"] == "ana@buyer.example"
    await timeline_has(system, merchant, cart["id"], "notification_clicked")
    assert len(await mails_to(system, "ana@buyer.example")) == 1

    # The shopper pays in that checkout: the order counts as recovered in Cart Statistics.
    paid = await system.sim_call("POST", f"/_sim/carts/{link_cart}/checkout", store=store,
                                json={"email": "ana@buyer.example"})
    assert paid.status_code in (200, 201), paid.text

    async def recovered() -> dict[str, Any] | None:
        summary: dict[str, Any] = (await merchant.get("/api/reports/summary", params={"days": 1})).json()
        return summary if summary.get("carts_recovered") == 1 else None

    summary = await wait_until(recovered, timeout=15, what="the order counted as recovered")
    assert Decimal(summary["value_recovered"]) > 0

    # Bought: the cart is gone from the store, so a later click gets a page saying so, and is still counted.
    gone = await click(link.group(1))
    assert gone.status_code == 410, gone.text
    assert "This cart is no longer available" in gone.text
    await clicked(merchant, cart["id"], 3)


async def test_the_same_idempotency_key_twice_answers_the_first_send_and_sends_one_email(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "eve@buyer.example")
    key = str(uuid.uuid4())
    first = await send(merchant, cart["id"], key=key)
    second = await send(merchant, cart["id"], key=key)
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text  # the first answer again, not a second email (nor a 429)
    assert second.json()["notification"]["id"] == first.json()["notification"]["id"]
    await notice_in(merchant, cart["id"], "sent")
    third = await send(merchant, cart["id"], key=key)  # after the email went out, still the same answer
    assert third.status_code == 200, third.text
    assert third.json()["notification"]["id"] == first.json()["notification"]["id"]
    assert len(await mail_to(system, "eve@buyer.example")) == 1
    assert len(await notices(merchant, cart["id"])) == 1
    assert len(await mails_to(system, "eve@buyer.example")) == 1


async def test_a_second_send_within_ten_minutes_answers_429_with_the_seconds_left(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "ben@buyer.example")
    assert (await send(merchant, cart["id"])).status_code == 200
    again = await send(merchant, cart["id"])
    assert again.status_code == 429, again.text
    assert 0 < int(again.headers["retry-after"]) <= 600
    error = again.json()["error"]
    assert error["seconds_left"] == int(again.headers["retry-after"])
    assert f"try again in {error['seconds_left']} s" in error["message"]
    await notice_in(merchant, cart["id"], "sent")
    assert len(await mails_to(system, "ben@buyer.example")) == 1


async def test_an_address_a_blacklist_rule_blocks_is_refused_with_a_422_and_never_emailed(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "fay@buyer.example")
    async with httpx.AsyncClient(base_url=system.url("blacklist"), timeout=10) as blacklist:
        rule = await blacklist.post(f"/internal/stores/{store}/blacklist/rules",
                                    json={"kind": "email", "value": "fraud@bad.example", "note": "chargebacks"},
                                    headers={"Authorization": f"Bearer {system.service_token}",
                                             "X-Cartio-Actor": STAFF})
    assert rule.status_code == 201, rule.text
    refused = await send(merchant, cart["id"], email="Fraud@bad.example")
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "recipient_blocked"
    assert "blacklist" in error["message"]
    assert "fraud@bad.example" in error["message"].lower()
    assert await notices(merchant, cart["id"]) == []
    assert [t for t in (await system.wait_for_cart(merchant, cart["id"]))["timeline"]
            if t["action"] == "sent_to_shopper"] == []
    # the cart's own address is not blocked: it is sent to
    assert (await send(merchant, cart["id"])).status_code == 200
    await mail_to(system, "fay@buyer.example")
    assert await mails_to(system, "fraud@bad.example") == []


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
    await notice_in(merchant, cart["id"], "sent")
    assert len(await notices(merchant, cart["id"])) == 1
    assert len(await mails_to(system, "cid@buyer.example")) == 1


async def test_with_the_sink_stopped_the_notice_waits_and_goes_out_when_it_is_back(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "dee@buyer.example")
    assert (await system.sim_call("POST", "/_sim/mail/faults", json={"down": True})).status_code == 200
    try:
        assert (await send(merchant, cart["id"])).status_code == 200

        async def waiting() -> dict[str, Any] | None:
            found = await notices(merchant, cart["id"])
            return found[0] if found and found[0]["status"] == "pending" and found[0]["attempts"] >= 2 else None

        pending = await wait_until(waiting, timeout=15, what="failed tries, the notice still pending")
        assert pending["reason"]  # the merchant sees why it waits
    finally:
        assert (await system.sim_call("POST", "/_sim/mail/faults", json={})).status_code == 200
    await mail_to(system, "dee@buyer.example")
    notice = await notice_in(merchant, cart["id"], "sent")
    assert notice["reason"] is None
    assert len(await mails_to(system, "dee@buyer.example")) == 1


async def test_a_mailbox_busy_for_a_while_is_retried_and_ends_sent(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "gil@buyer.example")
    await system.sim_call("POST", "/_sim/mail/faults", json={"refuse": {"gil@buyer.example": 451}})
    try:
        assert (await send(merchant, cart["id"])).status_code == 200

        async def retried() -> dict[str, Any] | None:
            found = await notices(merchant, cart["id"])
            return found[0] if found and found[0]["attempts"] >= 2 and found[0]["status"] == "pending" else None

        pending = await wait_until(retried, timeout=15, what="the notice retried")
        assert "451" in pending["reason"]
    finally:
        await system.sim_call("POST", "/_sim/mail/faults", json={})
    await notice_in(merchant, cart["id"], "sent")
    assert len(await mail_to(system, "gil@buyer.example")) == 1


async def test_a_refused_address_ends_failed_with_its_reason_on_the_cart(
    system: System, store: str, merchant: Merchant
) -> None:
    cart = await a_cart(system, store, merchant, "gone@buyer.example")
    await system.sim_call("POST", "/_sim/mail/faults", json={"refuse": {"gone@buyer.example": 550}})
    try:
        assert (await send(merchant, cart["id"])).status_code == 200
        notice = await notice_in(merchant, cart["id"], "failed")
    finally:
        await system.sim_call("POST", "/_sim/mail/faults", json={})
    assert "550" in notice["reason"]
    assert notice["attempts"] == 1  # a permanent refusal is not retried
    failed = await timeline_has(system, merchant, cart["id"], "notification_failed")
    assert "550" in failed["detail"]["error"]
    assert await mails_to(system, "gone@buyer.example") == []
