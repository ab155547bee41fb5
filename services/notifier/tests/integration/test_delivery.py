"""A notice's life: recorded before it is sent, sent at most once, retried on temporary failures, ended failed
with the reason on permanent ones; every end published for carts and the merchant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cartio_contracts.messages import NotificationClicked, SendCart
from cartio_notifier import tables as t
from cartio_platform.db import make_engine
from cartio_platform.messaging import publish
from cartio_platform.testing import wait_until

from .conftest import Notifier


async def test_a_command_is_recorded_then_sent_once_and_published_as_sent(notifier: Notifier) -> None:
    cart_id, checkout_cart = uuid.uuid4(), uuid.uuid4()
    command = await notifier.send("ana@buyer.example", cart_id=cart_id, checkout_cart_id=checkout_cart)
    notice = await notifier.notice(cart_id, "sent")
    assert notice["id"] == str(command.message_id)
    assert notice["attempts"] == 1
    assert notice["checkout_cart_id"] == str(checkout_cart)
    assert notice["subject"] == "Your cart at Mug Shop is waiting for you"
    (mail,) = notifier.mail_to("ana@buyer.example")
    assert "Blue Mug" in mail["text"]
    assert "Grand total: $49.00" in mail["text"]
    assert mail["headers"]["Message-ID"] == f"<{command.message_id}@cartio>"
    sent = await notifier.event("notification.sent", command.message_id)
    assert sent.data["cart_id"] == str(cart_id)
    assert sent.data["checkout_cart_id"] == str(checkout_cart)
    # the same notice is listed under the cart the link opens
    assert [n["id"] for n in await notifier.notices(checkout_cart)] == [notice["id"]]


async def test_the_same_command_delivered_twice_records_one_notice_and_sends_one_email(notifier: Notifier) -> None:
    cart_id, command_id = uuid.uuid4(), uuid.uuid4()
    await notifier.send("ben@buyer.example", cart_id=cart_id, message_id=command_id)
    await notifier.send("ben@buyer.example", cart_id=cart_id, message_id=command_id)
    await notifier.notice(cart_id, "sent")
    await notifier.event("notification.sent", command_id)
    assert len(await notifier.notices(cart_id)) == 1
    assert len(notifier.mail_to("ben@buyer.example")) == 1
    assert len(await notifier.events("notification.sent", command_id)) == 1


async def test_a_mailbox_busy_reply_is_retried_until_it_is_delivered(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    await notifier.faults(refuse={"cy@buyer.example": 451})
    command = await notifier.send("cy@buyer.example", cart_id=cart_id)
    waiting = await notifier.notice(cart_id, "pending", attempts=2)
    assert "SMTP 451" in waiting["reason"]
    assert notifier.mail_to("cy@buyer.example") == []
    await notifier.faults()
    sent = await notifier.notice(cart_id, "sent", attempts=3)
    assert sent["reason"] is None
    assert len(notifier.mail_to("cy@buyer.example")) == 1
    assert await notifier.events("notification.failed", command.message_id) == []


async def test_a_mail_server_that_is_down_is_waited_for(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    await notifier.faults(down=True)
    await notifier.send("dee@buyer.example", cart_id=cart_id)
    waiting = await notifier.notice(cart_id, "pending", attempts=2)
    assert waiting["reason"]
    await notifier.faults()
    await notifier.notice(cart_id, "sent")
    assert len(notifier.mail_to("dee@buyer.example")) == 1


async def test_a_permanent_refusal_ends_failed_with_its_reason_after_one_try(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    await notifier.faults(refuse={"gone@buyer.example": 550})
    command = await notifier.send("gone@buyer.example", cart_id=cart_id)
    failed = await notifier.notice(cart_id, "failed")
    assert failed["attempts"] == 1
    assert "SMTP 550" in failed["reason"]
    event = await notifier.event("notification.failed", command.message_id)
    assert "550" in event.data["error"]
    assert event.data["recipient"] == "gone@buyer.example"
    assert notifier.mail_to("gone@buyer.example") == []


async def test_an_address_a_blacklist_rule_blocks_is_never_sent_to(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    await notifier.block("fraud@bad.example")
    command = await notifier.send("fraud@bad.example", cart_id=cart_id)
    failed = await notifier.notice(cart_id, "failed")
    assert "blocked by a blacklist rule" in failed["reason"]
    assert "fraud@bad.example" in failed["reason"]
    await notifier.event("notification.failed", command.message_id)
    assert notifier.mail_to("fraud@bad.example") == []


async def test_a_malformed_address_ends_failed_at_once_without_a_try(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    command = await notifier.send("not an address", cart_id=cart_id)
    failed = await notifier.notice(cart_id, "failed", attempts=0)
    assert failed["attempts"] == 0
    assert "not a valid email address" in failed["reason"]
    await notifier.event("notification.failed", command.message_id)


async def test_a_second_send_of_a_cart_within_the_window_is_not_sent(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    await notifier.send("eve@buyer.example", cart_id=cart_id)
    await notifier.notice(cart_id, "sent")
    second = await notifier.send("eve@buyer.example", cart_id=cart_id)
    event = await notifier.event("notification.failed", second.message_id)
    assert "rate limited" in event.data["error"]
    statuses = sorted(n["status"] for n in await notifier.notices(cart_id))
    assert statuses == ["failed", "sent"]
    assert len(notifier.mail_to("eve@buyer.example")) == 1


async def test_a_notice_left_sending_by_a_dead_sender_ends_failed_and_is_never_resent(notifier: Notifier) -> None:
    """A sender that died between claiming a notice and recording the SMTP answer may have sent it."""
    cart_id, notice_id = uuid.uuid4(), uuid.uuid4()
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    engine = make_engine(notifier.settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.insert(t.notices).values(
                store_hash=notifier.store, id=notice_id, cart_id=cart_id, recipient="fay@buyer.example",
                requested_by="staff@shop.example", status="sending", subject="s", html="h", text="t", attempts=1,
                next_attempt_at=long_ago, created_at=long_ago, updated_at=long_ago,
            ))
    finally:
        await engine.dispose()
    failed = await notifier.notice(cart_id, "failed")
    assert "delivery uncertain" in failed["reason"]
    assert failed["attempts"] == 1
    await notifier.event("notification.failed", notice_id)
    assert notifier.mail_to("fay@buyer.example") == []


async def test_a_notice_failing_temporarily_past_the_give_up_time_ends_failed(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    await notifier.faults(refuse={"gil@buyer.example": 452})
    command = await notifier.send("gil@buyer.example", cart_id=cart_id)
    await notifier.notice(cart_id, "pending", attempts=1)
    # as if it had been asked for two days ago, and had been waiting since
    engine = make_engine(notifier.settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.update(t.notices).where(t.notices.c.id == command.message_id)
                               .values(created_at=datetime.now(UTC) - timedelta(days=3)))
    finally:
        await engine.dispose()
    failed = await notifier.notice(cart_id, "failed", attempts=2)
    assert failed["reason"].startswith("gave up after")
    assert "452" in failed["reason"]
    await notifier.event("notification.failed", command.message_id)


async def test_the_send_check_answers_429_while_the_cart_waits_and_lets_a_repeat_through(
    notifier: Notifier,
) -> None:
    cart_id = uuid.uuid4()
    path = f"/internal/stores/{notifier.store}/carts/{cart_id}/send-check"
    assert (await notifier.api.get(path)).json()["allowed"] is True
    key = "click-1"
    await notifier.send("hal@buyer.example", cart_id=cart_id,
                        message_id=SendCart.command_id(notifier.store, cart_id, key))
    await notifier.notice(cart_id, "sent")
    limited = await notifier.api.get(path)
    assert limited.status_code == 429
    left = limited.json()["error"]["seconds_left"]
    assert 0 < left <= 600
    assert limited.headers["Retry-After"] == str(left)
    repeat = await notifier.api.get(path, params={"idempotency_key": key})
    assert repeat.status_code == 200
    assert repeat.json()["repeat"] is True
    other_key = await notifier.api.get(path, params={"idempotency_key": "click-2"})
    assert other_key.status_code == 429


async def test_the_send_check_refuses_a_blocked_or_malformed_address_with_a_422(notifier: Notifier) -> None:
    await notifier.block("ivy@bad.example")
    path = f"/internal/stores/{notifier.store}/carts/{uuid.uuid4()}/send-check"
    blocked = await notifier.api.get(path, params={"recipient": "Ivy@bad.example"})
    assert blocked.status_code == 422
    assert blocked.json()["error"]["code"] == "recipient_blocked"
    assert "ivy@bad.example" in blocked.json()["error"]["message"]
    malformed = await notifier.api.get(path, params={"recipient": "ivy@"})
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "invalid_email"
    fine = await notifier.api.get(path, params={"recipient": "jo@buyer.example"})
    assert fine.status_code == 200


async def test_a_click_on_the_link_is_counted_on_its_notice(notifier: Notifier) -> None:
    cart_id = uuid.uuid4()
    command = await notifier.send("kim@buyer.example", cart_id=cart_id)
    await notifier.notice(cart_id, "sent")
    for _ in range(2):
        await publish(notifier.broker, NotificationClicked(notification_id=command.message_id, cart_id=cart_id,
                                                           clicked_at=datetime.now(UTC)), notifier.store)

    async def clicked_twice() -> bool:
        return (await notifier.notices(cart_id))[0]["clicks"] == 2

    await wait_until(clicked_twice, what="two clicks counted")
    assert (await notifier.notices(cart_id))[0]["clicked_at"] is not None
