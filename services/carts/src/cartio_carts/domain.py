"""Pure logic of carts: the merchant's view of a BigCommerce cart, staleness, status rules, timeline diffs,
shopper attributes (browser, country), listing parameters and cursors. No I/O (the GeoIP data shipped in the
geoip2fast package is loaded once, on first use).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal, cast

from cartio_bigcommerce import Cart, Checkout, Customer, Order, OrderProduct
from cartio_bigcommerce.models import ShippingOption
from cartio_contracts.messages import (
    BlacklistMatched,
    CartCustomer,
    CartItem,
    CartSnapshot,
    OrderLine,
    OrderPlaced,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")

Status = Literal["active", "abandoned", "converted", "deleted", "blocked"]
STATUSES: tuple[Status, ...] = ("active", "abandoned", "converted", "deleted", "blocked")
UserType = Literal["guest", "customer"]
USER_TYPES: tuple[UserType, ...] = ("guest", "customer")
DeleteReason = Literal["shopper", "merchant", "expired", "blocked", "unknown"]


def money(value: Decimal | int | str | float | None) -> Decimal:
    """A Decimal amount from anything BigCommerce or the database gives (float through its repr)."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def money_str(value: Decimal) -> str:
    """Decimal string with cents, as the API shows money: "12.50"."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --- the merchant's view of a cart -------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # physical, digital, custom, gift_certificate
    product_id: int
    variant_id: int | None
    name: str
    sku: str | None
    image_url: str | None
    quantity: int
    unit_price: Decimal
    extended_price: Decimal
    list_price: Decimal
    options: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, int, int | None, str | None]:
        """What the line is, whatever its id (BigCommerce may re-add a line under a new id)."""
        return (self.kind, self.product_id, self.variant_id, self.sku)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "name": self.name,
            "sku": self.sku,
            "image_url": self.image_url,
            "quantity": self.quantity,
            "unit_price": money_str(self.unit_price),
            "extended_price": money_str(self.extended_price),
            "list_price": money_str(self.list_price),
            "options": [{"name": n, "value": v} for n, v in self.options],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        return cls(
            id=str(data["id"]),
            kind=str(data.get("kind") or "physical"),
            product_id=int(data.get("product_id") or 0),
            variant_id=data.get("variant_id"),
            name=str(data.get("name") or ""),
            sku=data.get("sku"),
            image_url=data.get("image_url"),
            quantity=int(data["quantity"]),
            unit_price=money(data.get("unit_price")),
            extended_price=money(data.get("extended_price")),
            list_price=money(data.get("list_price", data.get("unit_price"))),
            options=tuple((str(o.get("name") or ""), str(o.get("value") or "")) for o in data.get("options") or []),
        )


def make_item(
    *, id: str, kind: str, product_id: int, variant_id: int | None, name: str, sku: str | None,
    image_url: str | None, quantity: int, unit_price: Decimal, list_price: Decimal | None = None,
    options: Iterable[tuple[str, str]] = (),
) -> Item:
    """A line whose extended price is exactly unit price x quantity."""
    return Item(
        id=id, kind=kind, product_id=product_id, variant_id=variant_id, name=name, sku=sku, image_url=image_url,
        quantity=quantity, unit_price=unit_price, extended_price=unit_price * quantity,
        list_price=unit_price if list_price is None else list_price, options=tuple(options),
    )


@dataclass(frozen=True)
class CartView:
    """What Cartio keeps of a cart: items, shopper, money, and BigCommerce's clock."""

    cart_id: uuid.UUID
    currency: str
    channel_id: int | None
    customer_id: int
    email: str | None
    name: str | None
    items: tuple[Item, ...]
    subtotal: Decimal
    discount: Decimal
    coupon_codes: tuple[str, ...]
    shipping: Decimal
    tax: Decimal
    grand_total: Decimal
    tax_included: bool
    created_at: datetime
    updated_at: datetime
    version: int  # the cart's own version (BigCommerce's optimistic lock)
    clock: Clock = field(default_factory=lambda: Clock(None, 0))

    @property
    def user_type(self) -> UserType:
        return "customer" if self.customer_id > 0 else "guest"

    @property
    def item_count(self) -> int:
        return sum(i.quantity for i in self.items)


@dataclass(frozen=True, order=True)
class Clock:
    """BigCommerce's clock of a cart snapshot: its (and its checkout's) last update time and versions.

    Times have one-second resolution, so the versions break ties between changes in the same second.
    """

    updated_time: datetime | None
    seq: int


def is_newer(incoming: Clock, stored: Clock | None) -> bool:
    """Keep a fetched snapshot only if it is newer than the one stored (a late or repeated message changes
    nothing)."""
    if stored is None:
        return True
    new_time, old_time = incoming.updated_time, stored.updated_time
    if new_time is not None and old_time is not None and new_time != old_time:
        return new_time > old_time
    return incoming.seq > stored.seq


def map_cart(
    cart: Cart, checkout: Checkout | None, customer: Customer | None = None, *, now: datetime | None = None
) -> CartView:
    """The merchant's view of a BigCommerce cart and its checkout (shipping and tax come from the checkout,
    0 until the shopper chose shipping). Money is Decimal throughout."""
    items: list[Item] = []
    for kind, lines in (("physical", cart.line_items.physical_items), ("digital", cart.line_items.digital_items)):
        for line in lines:
            if line.parent_id:  # bundled child lines are part of their parent's price
                continue
            items.append(
                make_item(
                    id=line.id, kind=kind, product_id=line.product_id, variant_id=line.variant_id,
                    name=line.name, sku=line.sku, image_url=line.image_url, quantity=line.quantity,
                    unit_price=money(line.sale_price), list_price=money(line.list_price),
                    options=[(o.name or "", o.value or "") for o in line.options],
                )
            )
    for custom in cart.line_items.custom_items:
        items.append(
            make_item(
                id=custom.id, kind="custom", product_id=0, variant_id=None, name=custom.name, sku=custom.sku,
                image_url=custom.image_url, quantity=custom.quantity, unit_price=money(custom.list_price),
            )
        )
    for gift in cart.line_items.gift_certificates:
        items.append(
            make_item(
                id=gift.id, kind="gift_certificate", product_id=0, variant_id=None,
                name=gift.name or "Gift certificate", sku=None, image_url=None, quantity=gift.quantity,
                unit_price=money(gift.amount),
            )
        )
    subtotal = sum((i.extended_price for i in items), ZERO)
    coupons = list(cart.coupons)
    if checkout is not None:
        known = {c.code for c in coupons}
        coupons += [c for c in checkout.coupons if c.code not in known]
    discount = (
        money(cart.discount_amount)
        + money(cart.manual_discount_amount)
        + sum((money(c.discounted_amount) for c in coupons), ZERO)
    )
    discount = min(discount, subtotal)
    shipping = tax = ZERO
    # Shipping and tax come from the checkout once the shopper chose shipping (before that, the tax of a
    # cart with no address is not known yet): 0 until then.
    if checkout is not None and any(c.selected_shipping_option is not None for c in checkout.consignments):
        if cart.tax_included:
            shipping = money(checkout.shipping_cost_total_inc_tax) + money(checkout.handling_cost_total_inc_tax)
        else:
            shipping = money(checkout.shipping_cost_total_ex_tax) + money(checkout.handling_cost_total_ex_tax)
        tax = money(checkout.tax_total)
    grand_total = subtotal - discount + shipping + (ZERO if cart.tax_included else tax)

    email = cart.email or None
    name: str | None = None
    if checkout is not None and checkout.billing_address is not None:
        billing = checkout.billing_address
        email = email or billing.email or None
        name = _full_name(billing.first_name, billing.last_name)
    if customer is not None and customer.id == cart.customer_id:
        email = email or customer.email
        name = _full_name(customer.first_name, customer.last_name) or name

    fallback = now or datetime.now(UTC)
    created = cart.created_time or (checkout.created_time if checkout else None) or fallback
    updated = cart.updated_time or created
    times = [t for t in (cart.updated_time, checkout.updated_time if checkout else None) if t is not None]
    seq = (cart.version or 0) + ((checkout.version or 0) if checkout else 0)
    return CartView(
        cart_id=uuid.UUID(cart.id),
        currency=(cart.currency.code if cart.currency else "USD").upper()[:3],
        channel_id=cart.channel_id,
        customer_id=cart.customer_id or 0,
        email=email,
        name=name,
        items=tuple(items),
        subtotal=subtotal,
        discount=discount,
        coupon_codes=tuple(c.code for c in coupons),
        shipping=shipping,
        tax=tax,
        grand_total=grand_total,
        tax_included=cart.tax_included,
        created_at=utc(created),
        updated_at=utc(max(times) if times else updated),
        version=cart.version or 0,
        clock=Clock(utc(max(times)) if times else None, seq),
    )


def _full_name(first: str | None, last: str | None) -> str | None:
    name = " ".join(p.strip() for p in (first or "", last or "") if p and p.strip())
    return name or None


# --- status rules ------------------------------------------------------------------------------------------

# Terminal statuses never go back to active: deleted stays deleted, converted stays converted. A stronger
# terminal status may replace a weaker one (a cart deleted by BigCommerce after its order: converted).
# Blocked (a blacklist match enforced) is the strongest: it overrides a conversion (the order is declined) and
# nothing a webhook later says about the cart (deleted, converted, updated) undoes it.
_RANK: dict[str, int] = {"active": 0, "abandoned": 0, "deleted": 1, "converted": 3, "blocked": 4}


def is_terminal(status: str) -> bool:
    return _RANK[status] > 0


def transition(current: str | None, target: Status) -> Status | None:
    """The status a cart moves to when an event asks for `target`, or None when it stays as it is."""
    if current is None:
        return target
    if current == target:
        return None
    if _RANK[current] == 0 and _RANK[target] == 0:
        return target  # active <-> abandoned (a change after abandonment means the shopper is back)
    if _RANK[target] > _RANK[current]:
        return target
    return None


def is_idle(updated_at: datetime, now: datetime, abandon_after: timedelta) -> bool:
    """An active cart with no change for `abandon_after` is abandoned."""
    return now - updated_at >= abandon_after


def accepts_snapshot(status: str | None) -> bool:
    """A fetched snapshot may replace the stored one only while the cart is alive."""
    return status is None or not is_terminal(status)


# --- timeline ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    action: str
    detail: dict[str, Any]
    item_key: tuple[str, int, int | None, str | None] | None = None
    item_id: str | None = None


def diff(old: CartView | None, new: CartView) -> list[Change]:
    """Timeline entries for what changed between two snapshots of one cart."""
    changes: list[Change] = []
    if old is None:
        changes.append(Change("created", {"item_count": new.item_count, "grand_total": money_str(new.grand_total),
                                          "currency": new.currency}))
        old_items: tuple[Item, ...] = ()
    else:
        old_items = old.items
    before = {i.id: i for i in old_items}
    after = {i.id: i for i in new.items}
    removed = [i for i in old_items if i.id not in after]
    added = [i for i in new.items if i.id not in before]
    # A line BigCommerce re-added under a new id is the same line.
    for new_item in list(added):
        twin = next((o for o in removed if o.key == new_item.key), None)
        if twin is not None:
            removed.remove(twin)
            added.remove(new_item)
            before[new_item.id] = twin
    for item in new.items:
        prev = before.get(item.id)
        if prev is not None and prev.quantity != item.quantity:
            changes.append(Change("quantity_changed", {
                "item_id": item.id, "product_id": item.product_id, "variant_id": item.variant_id,
                "name": item.name, "from": prev.quantity, "to": item.quantity,
            }, item.key, item.id))
    for item in added:
        changes.append(Change("item_added", {
            "item_id": item.id, "product_id": item.product_id, "variant_id": item.variant_id, "name": item.name,
            "sku": item.sku, "quantity": item.quantity, "unit_price": money_str(item.unit_price),
        }, item.key, item.id))
    for item in removed:
        changes.append(Change("item_removed", {
            "item_id": item.id, "product_id": item.product_id, "variant_id": item.variant_id, "name": item.name,
            "quantity": item.quantity,
        }, item.key, item.id))
    old_coupons = set(old.coupon_codes) if old else set()
    for code in new.coupon_codes:
        if code not in old_coupons:
            changes.append(Change("coupon_applied", {"code": code}))
    for code in sorted(old_coupons - set(new.coupon_codes)):
        changes.append(Change("coupon_removed", {"code": code}))
    old_email = old.email if old else None
    if new.email and new.email != old_email:
        action = "email_entered" if not old_email else "email_changed"
        changes.append(Change(action, {"email": new.email, **({"from": old_email} if old_email else {})}))
    if old is not None and old.customer_id != new.customer_id and new.customer_id > 0:
        changes.append(Change("customer_signed_in", {"customer_id": new.customer_id}))
    return changes


# --- shopper attributes ------------------------------------------------------------------------------------

_OS_NAMES = {"Mac OS X": "macOS", "Windows": "Windows", "iOS": "iOS", "Android": "Android", "Linux": "Linux",
             "Chrome OS": "ChromeOS", "Ubuntu": "Ubuntu"}


@lru_cache(maxsize=4096)
def browser_from_user_agent(user_agent: str | None) -> str | None:
    """A short browser label from a User-Agent header, e.g. "Chrome 131 on Windows" (ua-parser)."""
    if not user_agent or not user_agent.strip():
        return None
    import ua_parser

    result = ua_parser.parse(user_agent[:1024])
    agent = result.user_agent
    if agent is None or not agent.family or agent.family == "Other":
        return None
    label = f"{agent.family} {agent.major}" if agent.major else agent.family
    os_ = result.os
    if os_ is not None and os_.family and os_.family != "Other":
        label += f" on {_OS_NAMES.get(os_.family, os_.family)}"
    return label


@lru_cache(maxsize=1)
def _geoip() -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the package's own regex escapes
        from geoip2fast import GeoIP2Fast

        return GeoIP2Fast(verbose=False)


def country_from_ip(ip: str | None) -> str | None:
    """ISO 3166 alpha-2 country of a public IP address from the offline geoip2fast data; None if unknown."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if not address.is_global:
        return None
    try:
        code = _geoip().lookup(str(address)).country_code
    except Exception:
        return None
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code.upper() not in ("ZZ", "XX"):
        return code.upper()
    return None


def normalize_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


# --- listing -----------------------------------------------------------------------------------------------


class BadParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True)
class ListQuery:
    status: Status | None = None
    user_type: UserType | None = None
    q: str | None = None
    updated_since: datetime | None = None
    min_total: Decimal | None = None
    limit: int = 50
    after: tuple[datetime, uuid.UUID] | None = None


MAX_LIMIT = 200


def parse_list_query(
    *, status: str | None = None, user_type: str | None = None, q: str | None = None,
    updated_since: str | None = None, min_total: str | None = None, limit: str | None = None,
    cursor: str | None = None,
) -> ListQuery:
    """Validate the listing's query parameters (raw strings); BadParameter says which one is wrong."""
    if status is not None and status != "" and status not in STATUSES:
        raise BadParameter("status", f"must be one of {', '.join(STATUSES)}")
    if user_type is not None and user_type != "" and user_type not in USER_TYPES:
        raise BadParameter("user_type", "must be guest or customer")
    text = (q or "").strip()
    if len(text) > 200:
        raise BadParameter("q", "must be at most 200 characters")
    if "\x00" in text:
        raise BadParameter("q", "must not contain the NUL character")
    since: datetime | None = None
    if updated_since:
        try:
            since = datetime.fromisoformat(updated_since.strip().replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise BadParameter("updated_since", "must be an ISO 8601 time, e.g. 2026-03-01T00:00:00Z") from None
        try:
            since = utc(since)
        except OverflowError:  # at the calendar's very edge, e.g. 9999-12-31T23:59:59-01:00
            raise BadParameter("updated_since", "must be a time between the years 1 and 9999 in UTC") from None
    minimum: Decimal | None = None
    if min_total:
        try:
            minimum = Decimal(min_total.strip())
        except InvalidOperation:
            raise BadParameter("min_total", "must be a decimal number, e.g. 25.00") from None
        if not minimum.is_finite() or minimum < 0 or minimum > Decimal("1e12"):
            raise BadParameter("min_total", "must be a number between 0 and 10^12")
    size = 50
    if limit is not None and limit != "":
        if not re.fullmatch(r"\s*\d{1,6}\s*", limit):
            raise BadParameter("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
        size = int(limit)
        if not 1 <= size <= MAX_LIMIT:
            raise BadParameter("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    after = decode_cursor(cursor) if cursor else None
    return ListQuery(
        status=cast(Status, status) if status else None,
        user_type=cast(UserType, user_type) if user_type else None,
        q=text.lower() or None,
        updated_since=since,
        min_total=minimum,
        limit=size,
        after=after,
    )


def encode_cursor(updated_at: datetime, cart_id: uuid.UUID) -> str:
    """An opaque keyset cursor: the last row's (updated_at, cart_id)."""
    raw = f"1|{utc(updated_at).isoformat()}|{cart_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
        version, at, cart_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        if version != "1":
            raise ValueError(version)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(at)
        return utc(when), uuid.UUID(cart_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadParameter("cursor", "is not a cursor this API returned") from None


# --- snapshots and orders ----------------------------------------------------------------------------------


def snapshot(row: Mapping[str, Any]) -> CartSnapshot:
    """The contract's CartSnapshot of a stored cart row."""
    return CartSnapshot(
        id=row["cart_id"],
        status=row["status"],
        currency=row["currency"],
        items=[
            CartItem(
                id=i.id, product_id=i.product_id, variant_id=i.variant_id, name=i.name, sku=i.sku,
                image_url=i.image_url, quantity=i.quantity, unit_price=i.unit_price,
                extended_price=i.extended_price,
            )
            for i in (Item.from_json(d) for d in row["items"] or [])
        ],
        customer=CartCustomer(
            user_type=row["user_type"], customer_id=row["customer_id"] or None, email=row["email"],
            name=row["name"], session_id=row["session_id"], browser=row["browser"], ip=row["ip"],
            country=row["country"],
        ),
        subtotal=money(row["subtotal"]),
        discount=money(row["discount"]),
        coupon_codes=list(row["coupon_codes"] or []),
        shipping=money(row["shipping"]),
        tax=money(row["tax"]),
        grand_total=money(row["grand_total"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def view_from_row(row: Mapping[str, Any]) -> CartView:
    """A stored cart as a CartView (to diff a new snapshot against)."""
    return CartView(
        cart_id=row["cart_id"], currency=row["currency"], channel_id=row["channel_id"],
        customer_id=row["customer_id"] or 0, email=row["email"], name=row["name"],
        items=tuple(Item.from_json(d) for d in row["items"] or []), subtotal=money(row["subtotal"]),
        discount=money(row["discount"]), coupon_codes=tuple(row["coupon_codes"] or []),
        shipping=money(row["shipping"]), tax=money(row["tax"]), grand_total=money(row["grand_total"]),
        tax_included=False, created_at=row["created_at"], updated_at=row["updated_at"], version=row["version"],
        clock=Clock(row["bc_updated_time"], row["bc_seq"]),
    )


def order_lines(products: Sequence[OrderProduct]) -> list[OrderLine]:
    return [
        OrderLine(
            product_id=p.product_id, variant_id=p.variant_id, name=p.name, quantity=p.quantity,
            unit_price=money(p.price_ex_tax), total=money(p.total_ex_tax),
        )
        for p in products
        if p.parent_order_product_id is None
    ]


def order_placed(
    order: Order, products: Sequence[OrderProduct], *, cart_ip: str | None = None,
    cart_country: str | None = None, now: datetime | None = None,
) -> OrderPlaced:
    """The `order.placed` event: items, totals, email, IP and country (the order's, else the cart's)."""
    email = order.billing_address.email if order.billing_address else None
    ip = normalize_ip(order.ip_address) or normalize_ip(order.ip_address_v6) or cart_ip
    country = (order.geoip_country_iso2 or "").upper() or country_from_ip(ip) or cart_country
    return OrderPlaced(
        order_id=order.id,
        cart_id=uuid.UUID(order.cart_id) if order.cart_id and _is_uuid(order.cart_id) else None,
        status_id=order.status_id,
        customer_id=order.customer_id or None,
        email=email or None,
        ip=ip,
        country=country[:2] if country else None,
        currency=(order.currency_code or "USD").upper(),
        subtotal=money(order.subtotal_ex_tax),
        grand_total=money(order.total_inc_tax),
        items=order_lines(products),
        placed_at=order.date_created or now or datetime.now(UTC),
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# --- blacklist enforcement ---------------------------------------------------------------------------------

DECLINED = 6  # Orders v2 status "Declined" (doc 7): what a blacklisted order is set to


class BadMatch(ValueError):
    """A `blacklist.matched` event that names nothing to enforce on."""


@dataclass(frozen=True)
class Enforcement:
    """What to do about one blacklist match: block the cart, or decline the order (and block its cart)."""

    subject: Literal["cart", "order"]
    cart_id: uuid.UUID | None
    order_id: int | None
    detail: dict[str, Any]  # the timeline entry's detail: which rule matched


def plan_enforcement(match: BlacklistMatched) -> Enforcement:
    """The enforcement of a match; BadMatch when the subject's id is missing or not an id."""
    if match.subject == "cart" and match.cart_id is None:
        raise BadMatch("a match on a cart must name the cart (cart_id)")
    if match.subject == "order" and match.order_id is None:
        raise BadMatch("a match on an order must name the order (order_id)")
    if match.order_id is not None and match.order_id <= 0:
        raise BadMatch(f"order id {match.order_id} is not an order id")
    detail: dict[str, Any] = {
        "rule_id": match.rule_id, "kind": match.kind, "value": match.value, "subject": match.subject,
        "matched_at": utc(match.matched_at).isoformat(),
    }
    if match.order_id is not None:
        detail["order_id"] = match.order_id
    return Enforcement(subject=match.subject, cart_id=match.cart_id, order_id=match.order_id, detail=detail)


def needs_decline(status_id: int) -> bool:
    """Decline an order unless it already is (so repeating the enforcement changes nothing in the store)."""
    return status_id != DECLINED


def needs_block(status: str | None) -> bool:
    """Whether a stored cart is still to be blocked (unknown carts are not: there is nothing to block)."""
    return status is not None and transition(status, "blocked") is not None


def linked_cart(*candidates: uuid.UUID | str | None) -> uuid.UUID | None:
    """The first of the candidate cart ids (the match's, the stored order's, BigCommerce's) that is an id."""
    for candidate in candidates:
        if isinstance(candidate, uuid.UUID):
            return candidate
        if candidate and _is_uuid(candidate):
            return uuid.UUID(candidate)
    return None


def status_update_is_known(data: Mapping[str, Any], stored_status_id: int | None) -> bool:
    """A `store/order/statusUpdated` webhook announcing the status Cartio already holds brings nothing new:
    in particular the one Cartio's own decline triggers. Without a readable new status, it is not known."""
    status = data.get("status")
    if stored_status_id is None or not isinstance(status, Mapping):
        return False
    new = status.get("new_status_id")
    if isinstance(new, bool) or not isinstance(new, int | str) or not str(new).isdigit():
        return False
    return int(new) == stored_status_id


# --- create order: billing address and shipping ------------------------------------------------------------

# What BigCommerce requires of a checkout's billing address (doc 6); a store may ask more of the shipping
# address, and then refuses the consignment with its own message.
REQUIRED_ADDRESS_FIELDS = ("email", "country_code")
# ... and of the address physical items are shipped to (doc 6: what order creation needs).
REQUIRED_SHIPPING_FIELDS = ("first_name", "last_name", "email", "address1", "city", "country_code")


def missing_address_fields(address: Mapping[str, Any], *, shipping: bool = False) -> list[str]:
    required = REQUIRED_SHIPPING_FIELDS if shipping else REQUIRED_ADDRESS_FIELDS
    return [f for f in required if not str(address.get(f) or "").strip()]


def address_from_customer(customer: Customer) -> dict[str, Any]:
    """A checkout address from a customer's record (their first address, their name and email)."""
    address: dict[str, Any] = {"first_name": customer.first_name, "last_name": customer.last_name,
                               "email": customer.email, "company": customer.company, "phone": customer.phone}
    if customer.addresses:
        a = customer.addresses[0]
        address.update({
            "first_name": a.first_name or customer.first_name, "last_name": a.last_name or customer.last_name,
            "company": a.company or customer.company, "address1": a.address1, "address2": a.address2,
            "city": a.city, "state_or_province": a.state_or_province, "postal_code": a.postal_code,
            "country_code": a.country_code, "phone": a.phone or customer.phone,
        })
    return {k: v for k, v in address.items() if v not in (None, "")}


def cheapest(options: Sequence[ShippingOption]) -> ShippingOption | None:
    if not options:
        return None
    return min(options, key=lambda o: (money(o.cost), o.description or "", o.id))
