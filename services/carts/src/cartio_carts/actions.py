"""What a staff member does to a cart on the shopper's behalf, one module per feature: `editing` (lines,
delete, catalog search), `sending` (to the shopper), `ordering` (an order, once per Idempotency-Key; its
checkout in `order_checkout`). `staff.StaffActions` holds what they share (the cart's lock, the answer)."""

from __future__ import annotations

from .editing import Editing
from .ordering import Ordering, OrderOutcome
from .sending import Sending

__all__ = ["Actions", "OrderOutcome"]


class Actions(Editing, Sending, Ordering):
    """Every staff action, for the internal API."""
