"""Pure logic of carts, one concern a module: money, the cart and its mapping from BigCommerce, status rules,
timeline diff, shopper identity, listing and cursors, snapshots, orders, enforcement, checkout rules. No I/O:
no database, HTTP or broker library is imported here (the GeoIP data of geoip2fast is loaded on first use).
"""

from .cart import USER_TYPES, CartView, Clock, Item, UserType, is_newer, make_item, map_cart, view_from_row
from .checkout import (
    REQUIRED_ADDRESS_FIELDS,
    REQUIRED_SHIPPING_FIELDS,
    address_from_customer,
    cheapest,
    missing_address_fields,
)
from .enforcement import (
    DECLINED,
    BadMatch,
    Enforcement,
    decline_note,
    linked_cart,
    needs_block,
    needs_decline,
    plan_enforcement,
    status_update_is_known,
)
from .listing import MAX_LIMIT, BadParameter, ListQuery, decode_cursor, encode_cursor, parse_list_query
from .money import CENT, ZERO, money, money_str, utc
from .orders import billing_name, is_uuid, order_lines, order_placed, uuid_or_none
from .sending import recreated_lines
from .shopper import browser_from_user_agent, country_from_ip, normalize_ip
from .snapshots import snapshot
from .status import (
    STATUSES,
    DeleteReason,
    Status,
    StatusChange,
    StatusRequest,
    accepts_snapshot,
    cart_uuid,
    change_status,
    is_idle,
    is_terminal,
    transition,
)
from .timeline import Change, diff

__all__ = [
    "CENT", "DECLINED", "MAX_LIMIT", "REQUIRED_ADDRESS_FIELDS", "REQUIRED_SHIPPING_FIELDS", "STATUSES",
    "USER_TYPES", "ZERO", "BadMatch", "BadParameter", "CartView", "Change", "Clock", "DeleteReason", "Enforcement",
    "Item", "ListQuery", "Status", "StatusChange", "StatusRequest", "UserType", "accepts_snapshot",
    "address_from_customer", "billing_name", "browser_from_user_agent", "cart_uuid", "change_status", "cheapest",
    "country_from_ip", "decline_note", "decode_cursor", "diff", "encode_cursor", "is_idle", "is_newer",
    "is_terminal", "is_uuid", "linked_cart", "make_item", "map_cart", "missing_address_fields", "money",
    "money_str", "needs_block", "needs_decline", "normalize_ip", "order_lines", "order_placed",
    "parse_list_query", "plan_enforcement", "recreated_lines", "snapshot", "status_update_is_known", "transition",
    "utc", "uuid_or_none", "view_from_row",
]
