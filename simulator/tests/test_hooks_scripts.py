"""Hooks and Scripts management: validation, uniqueness, visibility per API account."""

from __future__ import annotations

SCRIPT = {"name": "Cartio tracker", "description": "Reports cart ids", "kind": "src",
          "src": "http://127.0.0.1:8001/storefront/cartio.js?store=teststore1", "load_method": "defer",
          "location": "footer", "visibility": "storefront", "auto_uninstall": True, "consent_category": "essential",
          "channel_id": 1}


async def test_hook_crud_and_uniqueness(h):
    hook = await h.hook("store/cart/*", "https://hooks.cartio.example/bc", {"X-Cartio-Secret": "abc"})
    assert set(hook) >= {"id", "client_id", "store_hash", "scope", "destination", "headers", "is_active",
                         "created_at", "updated_at"}
    assert hook["client_id"] == "cartio-dev-client"
    assert hook["store_hash"] == "teststore1"
    assert hook["is_active"] is True
    assert isinstance(hook["created_at"], int)
    duplicate = await h.client.post(h.v3("/hooks"), headers=h.headers,
                                    json={"scope": "store/cart/*", "destination": "https://hooks.cartio.example/bc"})
    assert duplicate.status_code == 422
    other_scope = await h.hook("store/order/*", "https://hooks.cartio.example/bc")
    listed = await h.client.get(h.v3("/hooks"), headers=h.headers, params={"scope": "store/order/*"})
    assert [x["id"] for x in listed.json()["data"]] == [other_scope["id"]]
    assert listed.json()["meta"]["pagination"]["total"] == 1
    updated = await h.client.put(h.v3(f"/hooks/{hook['id']}"), headers=h.headers, json={"is_active": False})
    assert updated.json()["data"]["is_active"] is False
    deleted = await h.client.delete(h.v3(f"/hooks/{hook['id']}"), headers=h.headers)
    assert deleted.status_code == 200
    assert deleted.json()["data"]["id"] == hook["id"]
    assert (await h.client.get(h.v3(f"/hooks/{hook['id']}"), headers=h.headers)).status_code == 404
    assert [x["id"] for x in (await h.client.get("/_sim/hooks")).json()] == [other_scope["id"]]


async def test_hook_destination_rules(h):
    for destination in ("http://hooks.cartio.example/bc", "https://hooks.cartio.example:8443/bc", "ftp://x", ""):
        response = await h.client.post(h.v3("/hooks"), headers=h.headers,
                                       json={"scope": "store/cart/*", "destination": destination})
        assert response.status_code == 422, destination
        assert "destination" in response.json()["errors"]
    for destination in ("http://127.0.0.1:8001/webhooks/bigcommerce", "http://localhost:9/x",
                        "https://hooks.cartio.example:443/bc"):
        response = await h.client.post(h.v3("/hooks"), headers=h.headers,
                                       json={"scope": "store/cart/*", "destination": destination})
        assert response.status_code == 200, destination
    missing_scope = await h.client.post(h.v3("/hooks"), headers=h.headers, json={"destination": "https://a.example"})
    assert missing_scope.status_code == 422


async def test_hooks_are_visible_only_to_their_client(h):
    hook = await h.hook("store/cart/*", "https://hooks.cartio.example/bc")
    other = (await h.client.post("/_sim/api_token", json={"client_id": "someone-else"})).json()["access_token"]
    headers = {"X-Auth-Token": other}
    assert (await h.client.get(h.v3("/hooks"), headers=headers)).json()["data"] == []
    assert (await h.client.get(h.v3(f"/hooks/{hook['id']}"), headers=headers)).status_code == 404


async def test_script_crud_and_validation(h):
    created = await h.client.post(h.v3("/content/scripts"), headers=h.headers, json=SCRIPT)
    assert created.status_code == 200, created.text
    script = created.json()["data"]
    assert script["uuid"]
    assert script["api_client_id"] == "cartio-dev-client"
    assert script["auto_uninstall"] is True
    assert script["date_created"].endswith("Z")
    fetched = await h.client.get(h.v3(f"/content/scripts/{script['uuid']}"), headers=h.headers)
    assert fetched.json()["data"]["src"] == SCRIPT["src"]
    updated = await h.client.put(h.v3(f"/content/scripts/{script['uuid']}"), headers=h.headers,
                                 json={"enabled": False})
    assert updated.json()["data"]["enabled"] is False
    listed = await h.client.get(h.v3("/content/scripts"), headers=h.headers)
    assert [s["uuid"] for s in listed.json()["data"]] == [script["uuid"]]

    bad = [
        {**SCRIPT, "name": ""},
        {**SCRIPT, "kind": "src", "src": ""},
        {**SCRIPT, "kind": "script_tag", "src": "", "html": "<div>no script</div>"},
        {**SCRIPT, "visibility": "everywhere"},
        {**SCRIPT, "consent_category": "marketing"},
        {**SCRIPT, "channel_id": 0},
    ]
    for body in bad:
        response = await h.client.post(h.v3("/content/scripts"), headers=h.headers, json=body)
        assert response.status_code == 422, body
    inline = {**SCRIPT, "kind": "script_tag", "src": "", "html": "<script>console.log(1)</script>"}
    assert (await h.client.post(h.v3("/content/scripts"), headers=h.headers, json=inline)).status_code == 200
    assert (await h.client.delete(h.v3(f"/content/scripts/{script['uuid']}"), headers=h.headers)).status_code == 204
    assert len((await h.client.get("/_sim/scripts")).json()) == 1


async def test_checkout_scripts_need_checkout_scope(h):
    token = (await h.client.post("/_sim/api_token", json={"scope": "store_v2_content"})).json()["access_token"]
    response = await h.client.post(h.v3("/content/scripts"), headers={"X-Auth-Token": token},
                                   json={**SCRIPT, "visibility": "checkout"})
    assert response.status_code == 403
