"""The cart email as the shopper reads it: every item and total in both parts, nothing unescaped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cartio_contracts.messages import CartSnapshot
from cartio_notifier.domain.delivery import Refused, Temporary, retry_delay, smtp_outcome
from cartio_notifier.domain.money import format_money
from cartio_notifier.domain.recipients import BadRecipient, normalized_recipient
from cartio_notifier.domain.rendering import render_cart_email
from cartio_platform.links import RecoveryLink, sign_link, verify_link

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def cart(items: list[dict[str, Any]], currency: str = "USD", **totals: str) -> CartSnapshot:
    return CartSnapshot.model_validate({
        "id": str(uuid.uuid4()), "status": "active", "currency": currency, "items": items,
        "customer": {"user_type": "guest", "email": "ana@buyer.example"},
        "subtotal": "0", "grand_total": "0", "created_at": NOW, "updated_at": NOW, **totals,
    })


def item(name: str, qty: int, unit: str, options: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "product_id": 1, "name": name, "quantity": qty, "unit_price": unit,
            "extended_price": str(Decimal(unit) * qty), "image_url": f"http://img.example/{name}.svg",
            "options": options or []}


MUG_CART = cart(
    [item("Blue Mug", 2, "22.00", [{"name": "Size", "value": "Large"}]), item("Tea Towel", 1, "9.50")],
    subtotal="53.50", discount="5.35", coupon_codes=["SPRING10"], shipping="10.00", tax="4.21", grand_total="62.36",
)


def render(snapshot: CartSnapshot = MUG_CART, message: str | None = "Your cart is waiting") -> Any:
    return render_cart_email(snapshot, recipient="ana@buyer.example", store_name="Ana's Mugs", message=message,
                             link="http://ingest.example/r/tok")


def test_both_parts_hold_every_item_with_options_quantities_and_prices() -> None:
    email = render()
    for part in (email.html, email.text):
        assert "Blue Mug" in part
        assert "Tea Towel" in part
        assert "Size: Large" in part
        assert "$22.00" in part
        assert "$44.00" in part
        assert "$9.50" in part


def test_both_parts_hold_coupon_shipping_tax_grand_total_message_and_link() -> None:
    email = render()
    for part in (email.html, email.text):
        for text in ("SPRING10", "-$5.35", "$53.50", "$10.00", "$4.21", "$62.36", "Your cart is waiting",
                     "http://ingest.example/r/tok", "Ana"):
            assert text in part, text
    assert "Complete your order" in email.html
    assert 'src="http://img.example/Blue Mug.svg"' in email.html
    assert email.subject == "Your cart at Ana's Mugs is waiting for you"
    assert email.to == "ana@buyer.example"


def test_a_product_named_script_is_escaped_in_the_html() -> None:
    email = render(cart([item("<script>alert(1)</script>", 1, "1.00")], subtotal="1", grand_total="1"),
                   message="<b>hi</b>")
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "<b>hi</b>" not in email.html
    assert "<script>alert(1)</script>" in email.text  # plain text is not HTML: shown as written


def test_money_uses_the_currency_s_own_exponent() -> None:
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("1234.5"), "JPY") == "¥1,235"
    assert format_money(Decimal("12.5"), "KWD") == "12.500 KWD"
    email = render(cart([item("Mug", 1, "1500")], currency="JPY", subtotal="1500", grand_total="1500"))
    assert "¥1,500" in email.text
    assert "¥1,500.00" not in email.text


def test_the_email_without_a_merchant_message_has_no_empty_quote() -> None:
    assert "<blockquote" not in render(message=None).html


def test_a_malformed_recipient_is_refused_without_the_network() -> None:
    assert normalized_recipient("Ana@Buyer.Example") == "Ana@buyer.example"
    with pytest.raises(BadRecipient):
        normalized_recipient("not-an-address")


def test_smtp_4xx_is_retried_and_5xx_ends_the_notice() -> None:
    assert isinstance(smtp_outcome(451, "try later"), Temporary)
    refused = smtp_outcome(550, "no such mailbox")
    assert isinstance(refused, Refused)
    assert "550" in refused.reason
    assert retry_delay(1, [2, 10]) == 2
    assert retry_delay(9, [2, 10]) == 10


def test_a_recovery_link_verifies_only_with_its_key_and_unchanged() -> None:
    link = RecoveryLink("abc123", uuid.uuid4(), uuid.uuid4(), "https://shop.example/cart.php?id=1")
    token = sign_link("key", link)
    assert verify_link("key", token) == link
    assert verify_link("other-key", token) is None
    assert verify_link("key", token[:-2] + "xx") is None
    assert verify_link("key", "garbage") is None
