"""Timeline entries (and the item changes reports count) for what changed between two snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cartio_contracts.messages import ItemChange

from .cart import CartView, Item, ItemKey
from .money import money_str


@dataclass(frozen=True)
class Change:
    action: str
    detail: dict[str, Any]
    item_key: ItemKey | None = None
    item_id: str | None = None
    # The same change as reports count it (a line added, removed or changed in quantity); its actor is set
    # when the change is attributed (`attributed`).
    line: ItemChange | None = None

    def attributed(self, actor: str) -> ItemChange | None:
        return self.line.model_copy(update={"actor": actor}) if self.line is not None else None


def _line(action: Literal["added", "removed", "quantity_changed"], item: Item, quantity: int, delta: int
          ) -> ItemChange:
    return ItemChange(action=action, product_id=item.product_id, variant_id=item.variant_id, name=item.name,
                      quantity=quantity, quantity_delta=delta, unit_price=item.unit_price)


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
            }, item.key, item.id,
                _line("quantity_changed", item, item.quantity, item.quantity - prev.quantity)))
    for item in added:
        changes.append(Change("item_added", {
            "item_id": item.id, "product_id": item.product_id, "variant_id": item.variant_id, "name": item.name,
            "sku": item.sku, "quantity": item.quantity, "unit_price": money_str(item.unit_price),
        }, item.key, item.id, _line("added", item, item.quantity, item.quantity)))
    for item in removed:
        changes.append(Change("item_removed", {
            "item_id": item.id, "product_id": item.product_id, "variant_id": item.variant_id, "name": item.name,
            "quantity": item.quantity,
        }, item.key, item.id, _line("removed", item, 0, -item.quantity)))
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
