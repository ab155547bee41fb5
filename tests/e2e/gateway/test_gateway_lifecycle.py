"""The app's life in a store, through the simulator: install, open, repair, refuse bad links, uninstall, purge."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
import jwt
import pytest

from cartio_platform.security import DEV_ENCRYPTION_KEY, TokenCipher, webhook_secret
from cartio_platform.testing import wait_until

CLIENT_ID = "cartio-dev-client"
CLIENT_SECRET = "cartio-dev-secret"
WEBHOOK_KEY = "gw-test-webhook-key"
DEV_KEY = DEV_ENCRYPTION_KEY
# The development client secret is short; PyJWT warns about it.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
EXPECTED_SCRIPT = {
    "name": "Cartio tracker", "kind": "src", "load_method": "defer", "location": "footer",
    "visibility": "storefront", "auto_uninstall": True, "consent_category": "essential", "enabled": True,
}


def no_session_cookie(response: httpx.Response) -> bool:
    return not any("cartio_session" in c for c in response.headers.get_list("set-cookie"))


async def test_install_registers_hooks_and_script_then_launch_opens_a_session(gw: Any) -> None:
    store = await gw.new_store()
    result = await gw.install(store)
    assert result["app_installed"] is True

    hooks = await gw.hooks(store)
    assert sorted(h["scope"] for h in hooks) == ["store/cart/*", "store/order/*"]
    nonce = (await gw.store_event("store.installed", store)).data["webhook_nonce"]
    assert nonce  # this install's own secret
    for hook in hooks:
        assert hook["destination"] == f"{gw.ingest_url}/webhooks/bigcommerce"
        assert hook["headers"] == {"X-Cartio-Secret": webhook_secret(WEBHOOK_KEY, store, nonce)}
        assert hook["is_active"] is True
    [script] = await gw.scripts(store)
    assert script["src"] == f"{gw.ingest_url}/storefront/cartio.js?store={store}"
    assert {k: script[k] for k in EXPECTED_SCRIPT} == EXPECTED_SCRIPT

    installed = await gw.store_event("store.installed", store)
    token = TokenCipher(DEV_KEY).decrypt(installed.data["access_token_encrypted"])
    assert token
    assert token not in installed.data["access_token_encrypted"]
    assert "store_cart" in installed.data["scope"].split()
    # the token is stored encrypted and never logged
    [row] = await gw.rows("SELECT access_token_encrypted, active FROM stores WHERE store_hash = :s", s=store)
    assert row.active is True
    assert TokenCipher(DEV_KEY).decrypt(row.access_token_encrypted) == token
    assert token not in gw.gateway.log_path.read_text()

    owner = (await gw.sim("GET", "/_sim/store", store=store)).json()["owner"]
    merchant = await gw.merchant(store)
    me = (await merchant.get("/api/me")).json()
    assert me["store_hash"] == store
    assert me["user"] == {"id": owner["id"], "email": owner["email"]}
    assert len(me["csrf_token"]) >= 32


async def test_install_lands_on_the_app(gw: Any) -> None:
    store = await gw.new_store()
    result = await gw.install(store)
    assert result["status_code"] == 303, result
    assert result["location"] == "/"


async def test_reinstall_updates_in_place_without_duplicates(gw: Any) -> None:
    store = await gw.installed_store()
    before = {h["id"] for h in await gw.hooks(store)}
    [script_before] = await gw.scripts(store)
    await gw.install(store)
    await gw.install(store)
    assert {h["id"] for h in await gw.hooks(store)} == before
    assert [s["uuid"] for s in await gw.scripts(store)] == [script_before["uuid"]]
    [row] = await gw.rows("SELECT count(*) AS n FROM stores WHERE store_hash = :s", s=store)
    assert row.n == 1


async def test_load_repairs_a_deactivated_hook_and_a_deleted_script(gw: Any) -> None:
    store = await gw.installed_store()
    token = await gw.api_token(store)
    headers = {"X-Auth-Token": token, "Accept": "application/json", "Content-Type": "application/json"}
    hooks = await gw.hooks(store)
    [script] = await gw.scripts(store)
    async with httpx.AsyncClient(base_url=f"{gw.simulator.url}/stores/{store}/v3", headers=headers) as bc:
        assert (await bc.put(f"/hooks/{hooks[0]['id']}", json={"is_active": False})).status_code == 200
        assert (await bc.delete(f"/hooks/{hooks[1]['id']}")).status_code == 200
        assert (await bc.delete(f"/content/scripts/{script['uuid']}")).status_code == 204
    await gw.merchant(store)
    repaired = await gw.hooks(store)
    assert sorted(h["scope"] for h in repaired) == ["store/cart/*", "store/order/*"]
    assert all(h["is_active"] for h in repaired)
    assert len(await gw.scripts(store)) == 1


async def test_bigcommerce_down_install_explains_and_retry_works_load_still_opens(gw: Any) -> None:
    store = await gw.new_store()
    await gw.sim("POST", "/_sim/faults", json={"api_error_rate": 1.0})
    try:
        answer = await gw.sim("POST", "/_sim/install", store=store)
        assert answer.status_code == 502  # the simulator relays that the app's page was an error
        page = answer.json()
        assert page["status_code"] in (502, 503)
        assert "registering the webhooks" in page["body"]
        assert "Installing Cartio again retries" in page["body"]
        assert await gw.rows("SELECT 1 FROM stores WHERE store_hash = :s", s=store) == []
    finally:
        await gw.sim("POST", "/_sim/faults", json={})
    await gw.install(store)
    assert len(await gw.hooks(store)) == 2

    # the store is installed; BigCommerce going down again does not keep the merchant out
    await gw.sim("POST", "/_sim/faults", json={"api_error_rate": 1.0})
    try:
        merchant = await gw.merchant(store)
    finally:
        await gw.sim("POST", "/_sim/faults", json={})
    assert (await merchant.get("/api/me")).status_code == 200


async def test_install_without_every_scope_is_refused_with_a_clear_page(gw: Any) -> None:
    store = await gw.new_store()
    scope = "store_cart store_checkout store_v2_orders"
    client = gw.client()
    answer = await client.get("/bigcommerce/auth", params={"code": "c", "scope": scope, "context": f"stores/{store}"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "store_v2_content" in answer.text
    assert "store_v2_products_read_only" in answer.text
    assert "install again" in answer.text
    assert await gw.hooks(store) == []
    assert no_session_cookie(answer)


def _claims(store: str, owner_id: int, **override: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "aud": CLIENT_ID, "iss": "bc", "iat": now, "nbf": now, "exp": now + 3600, "jti": str(uuid.uuid4()),
        "sub": f"stores/{store}", "user": {"id": owner_id, "email": "owner@example.com", "locale": "en-US"},
        "owner": {"id": owner_id, "email": "owner@example.com"}, "url": "/", "channel_id": None,
    }
    claims.update(override)
    return claims


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user"]["id"] = 999
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.fixture(scope="module")
async def installed(gw: Any) -> tuple[str, int]:
    store = await gw.installed_store()
    owner_id = (await gw.sim("GET", "/_sim/store", store=store)).json()["owner"]["id"]
    return store, owner_id


@pytest.mark.parametrize("kind", ["expired", "not_yet_valid", "wrong_audience", "wrong_secret", "tampered",
                                  "alg_none", "missing", "garbage"])
async def test_bad_signed_payload_is_refused_without_a_session(gw: Any, installed: tuple[str, int], kind: str) -> None:
    store, owner_id = installed
    now = int(time.time())
    token: str | None
    if kind == "expired":
        token = jwt.encode(_claims(store, owner_id, iat=now - 7200, nbf=now - 7200, exp=now - 3600), CLIENT_SECRET)
    elif kind == "not_yet_valid":
        token = jwt.encode(_claims(store, owner_id, nbf=now + 3600), CLIENT_SECRET)
    elif kind == "wrong_audience":
        token = jwt.encode(_claims(store, owner_id, aud="someone-else"), CLIENT_SECRET)
    elif kind == "wrong_secret":
        token = jwt.encode(_claims(store, owner_id), "not-the-client-secret-at-all-0123456789")
    elif kind == "tampered":
        token = _tampered(await gw.jwt(store))
    elif kind == "alg_none":
        token = jwt.encode(_claims(store, owner_id), None, algorithm="none")  # type: ignore[arg-type]
    elif kind == "missing":
        token = None
    else:
        token = "not.a.jwt"
    client = gw.client()
    params = {"signed_payload_jwt": token} if token is not None else {}
    for callback in ("load", "uninstall", "remove_user"):
        answer = await client.get(f"/bigcommerce/{callback}", params=params)
        assert answer.status_code == 401, (callback, answer.text)
        assert no_session_cookie(answer)
    assert (await client.get("/api/me")).status_code == 401
    [row] = await gw.rows("SELECT active FROM stores WHERE store_hash = :s", s=store)
    assert row.active is True


async def test_replayed_signed_payload_is_refused(gw: Any, installed: tuple[str, int]) -> None:
    store, _ = installed
    token = await gw.jwt(store)
    first = gw.client()
    assert (await first.get("/bigcommerce/load", params={"signed_payload_jwt": token})).status_code == 303
    second = gw.client()
    replayed = await second.get("/bigcommerce/load", params={"signed_payload_jwt": token})
    assert replayed.status_code == 401
    assert "used before" in replayed.text
    assert no_session_cookie(replayed)
    assert (await second.get("/api/me")).status_code == 401
    assert (await first.get("/api/me")).status_code == 200


async def test_load_for_a_store_without_the_app_says_to_install(gw: Any) -> None:
    store = await gw.new_store()
    answer = await gw.client().get("/bigcommerce/load", params={"signed_payload_jwt": await gw.jwt(store)})
    assert answer.status_code == 401
    assert "not installed" in answer.text
    assert no_session_cookie(answer)


async def test_page_without_session_says_to_open_from_the_control_panel(gw: Any) -> None:
    answer = await gw.client().get("/")
    assert answer.status_code == 401
    assert "control panel" in answer.text
    assert "frame-ancestors" in answer.headers["content-security-policy"]


async def test_uninstall_deactivates_revokes_publishes_and_purges_after_grace(gw: Any) -> None:
    store = await gw.installed_store()
    merchant = await gw.merchant(store)
    staff = await gw.merchant(store, user_id=7001, email="staff@example.com")
    assert (await merchant.send("POST", f"/api/carts/{uuid.uuid4()}/send", json={})).status_code == 404
    assert (await staff.send("DELETE", f"/api/carts/{uuid.uuid4()}")).status_code == 404
    assert await gw.count("audit_log", store) == 2

    result = (await gw.sim("POST", "/_sim/uninstall", store=store)).json()
    assert result["ok"] is True, result

    assert (await merchant.get("/api/me")).status_code == 401
    assert (await staff.get("/api/me")).status_code == 401
    event = await gw.store_event("store.uninstalled", store)
    uninstalled_at = datetime.fromisoformat(event.data["uninstalled_at"])
    purge_after = datetime.fromisoformat(event.data["purge_after"])
    assert abs((purge_after - uninstalled_at).total_seconds() - 1.5) < 0.01
    # once more, BigCommerce opening the app is refused: the store is not installed any more
    answer = await gw.client().get("/bigcommerce/load", params={"signed_payload_jwt": await gw.jwt(store)})
    assert answer.status_code == 401

    async def purged() -> bool:
        counts = [await gw.count(t, store) for t in ("stores", "users", "sessions", "audit_log", "used_jtis")]
        return counts == [0, 0, 0, 0, 0]

    await wait_until(purged, timeout=10, what="store purged after the grace period")


async def test_uninstall_forgets_the_token_and_reinstall_cancels_the_purge(gw: Any) -> None:
    store = await gw.installed_store()
    await gw.sim("POST", "/_sim/uninstall", store=store)
    [row] = await gw.rows("SELECT active, access_token_encrypted, purge_after FROM stores WHERE store_hash = :s",
                          s=store)
    assert row.active is False
    assert row.access_token_encrypted is None
    assert row.purge_after is not None

    await gw.install(store)
    [row] = await gw.rows("SELECT active, access_token_encrypted, purge_after FROM stores WHERE store_hash = :s",
                          s=store)
    assert row.active is True
    assert row.access_token_encrypted is not None
    assert row.purge_after is None
    assert len(await gw.hooks(store)) == 2
    merchant = await gw.merchant(store)
    assert (await merchant.get("/api/me")).status_code == 200


async def test_removed_user_loses_access_and_comes_back_on_a_later_load(gw: Any) -> None:
    store = await gw.installed_store()
    owner = await gw.merchant(store)
    staff = await gw.merchant(store, user_id=7002, email="temp@example.com")
    answer = await gw.sim("POST", "/_sim/remove_user", store=store, json={"user_id": 7002, "email": "temp@example.com"})
    assert answer.json()["ok"] is True, answer.text
    assert (await staff.get("/api/me")).status_code == 401
    assert (await owner.get("/api/me")).status_code == 200
    again = await gw.merchant(store, user_id=7002, email="temp@example.com")
    assert (await again.get("/api/me")).json()["user"] == {"id": 7002, "email": "temp@example.com"}
