"""The audit log cannot be dodged (issue 13, point 5): every state-changing `/api` route leaves an entry with its
outcome, and an action whose entry cannot be written is not carried out."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cartio_gateway.app import create_app
from cartio_gateway.settings import Settings

pytestmark = pytest.mark.e2e

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# POST routes that change nothing (they answer a question about a body): reads, not audited.
READS = {("POST", "/api/blacklist/rules/preview"), ("POST", "/api/blacklist/check")}


def state_changing_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the app's `/api` that changes state: a new route is in it without a word here."""
    # The OpenAPI document FastAPI builds from the app's routes lists them all (the app does not serve it).
    paths = create_app(Settings()).openapi()["paths"]
    routes = {(method.upper(), path) for path, operations in paths.items() if path.startswith("/api/")
              for method in operations if method.upper() in CHANGING}
    return sorted(routes - READS)


async def audit_actions(merchant: Any) -> list[tuple[str, int]]:
    answer = await merchant.get("/api/audit", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    return [(e["action"], e["status"]) for e in answer.json()["items"]]


async def test_every_state_changing_api_route_leaves_one_audit_entry_with_its_outcome(gw: Any) -> None:
    store = await gw.installed_store()
    m = await gw.merchant(store, user_id=7300, email="auditor@example.com")
    routes = state_changing_routes()
    assert ("DELETE", "/api/carts/{cart_id}") in routes
    assert ("POST", "/api/blacklist/rules") in routes
    names = {"cart_id": str(uuid.uuid4()), "item_id": str(uuid.uuid4()), "rule_id": str(uuid.uuid4())}
    answered: dict[tuple[str, str], int] = {}
    for method, path in routes:
        answer = await m.send(method, path.format(**names), json={})
        answered[(method, path)] = answer.status_code
    actions = await audit_actions(m)
    for method, path in routes:
        entries = [status for action, status in actions if action == f"{method} {path}"]
        assert entries == [answered[(method, path)]], f"{method} {path}: audit entries {entries}"


async def test_an_action_whose_audit_entry_cannot_be_written_is_not_carried_out(gw: Any) -> None:
    store = await gw.installed_store()
    m = await gw.merchant(store, user_id=7301, email="editor@example.com")
    made = await gw.shopper_cart(m, [("Scented Candle", 2)], email="s@example.com")
    cart, line = made["id"], made["items"][0]["id"]
    # The audit table refuses every new row, as a full disk or a lost privilege would.
    async with gw.engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE audit_log ADD CONSTRAINT audit_refused CHECK (false) NOT VALID")
    try:
        change = await m.send("PATCH", f"/api/carts/{cart}/items/{line}", json={"quantity": 5})
        removal = await m.send("DELETE", f"/api/carts/{cart}")
    finally:
        async with gw.engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE audit_log DROP CONSTRAINT audit_refused")
    assert (change.status_code, change.json()["error"]["code"]) == (503, "audit_unavailable"), change.text
    assert "nothing was done" in change.json()["error"]["message"]
    assert removal.status_code == 503
    # the store's cart is as it was: neither change reached BigCommerce
    cart_now = await gw.sim_cart(store, cart)
    assert cart_now is not None
    assert {i["id"]: i["quantity"] for i in cart_now["line_items"]["physical_items"]} == {line: 2}
    # and with the log writable again, the same change goes through, recorded
    again = await m.send("PATCH", f"/api/carts/{cart}/items/{line}", json={"quantity": 5})
    assert again.status_code == 200, again.text
    assert (await audit_actions(m))[0] == ("PATCH /api/carts/{cart_id}/items/{item_id}", 200)
