"""Install (auth callback + token exchange), launch JWT, uninstall, with a tiny fake Cartio app."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi import Response

from cartio_simulator.app import create_app
from cartio_simulator.runtime import APP_SCOPES
from cartio_simulator.testing import Receiver, Served, free_port

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

CLIENT_ID = "cartio-dev-client"
SECRET = "cartio-dev-secret"


@pytest.fixture
async def world(settings_for):
    """A fake app (auth callback exchanges the code and registers a hook and a script) and the simulator,
    both served on loopback ports."""
    sim_port = free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    fake = Receiver()
    exchanged: list[dict] = []

    async def on_request(received):
        if received.path != "/bigcommerce/auth" or fake.default_status != 200:
            return None
        form = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": received.query["code"],
                "context": received.query["context"], "scope": received.query["scope"],
                "grant_type": "authorization_code", "redirect_uri": app_url + "/bigcommerce/auth"}
        async with httpx.AsyncClient(base_url=sim_url) as client:
            token = await client.post("/oauth2/token", data=form)  # form-encoded, like the Python client
            assert token.status_code == 200, token.text
            body = token.json()
            exchanged.append({"form": form, "response": body})
            api = f"/stores/{body['context'].split('/')[1]}/v3"
            headers = {"X-Auth-Token": body["access_token"]}
            hook = await client.post(f"{api}/hooks", headers=headers,
                                     json={"scope": "store/cart/*", "destination": app_url + "/webhooks"})
            assert hook.status_code == 200
            for auto in (True, False):
                script = await client.post(f"{api}/content/scripts", headers=headers, json={
                    "name": f"tracker {auto}", "kind": "src", "src": app_url + "/t.js", "auto_uninstall": auto})
                assert script.status_code == 200, script.text
        return Response(status_code=303, headers={"location": "/"})  # like the gateway: into the app

    fake.on_request = on_request
    async with Served(fake.app()) as app_served:
        app_url = app_served.url
        settings = settings_for(
            public_url=sim_url, app_auth_url=f"{app_url}/bigcommerce/auth",
            app_load_url=f"{app_url}/bigcommerce/load", app_uninstall_url=f"{app_url}/bigcommerce/uninstall",
            app_remove_user_url=f"{app_url}/bigcommerce/remove_user")
        async with Served(create_app(settings), port=sim_port, lifespan="on"), \
                httpx.AsyncClient(base_url=sim_url) as client:
            yield client, fake, exchanged, app_url


async def test_install_exchanges_code_and_app_registers(world):
    client, fake, exchanged, _ = world
    response = await client.post("/_sim/install")
    assert response.status_code == 200, response.text
    assert response.json()["app_installed"] is True
    assert response.json()["status_code"] == 303
    assert response.json()["location"] == "/"
    auth = fake.requests[0]
    assert auth.method == "GET"
    assert auth.query["context"] == "stores/teststore1"
    assert auth.query["scope"] == APP_SCOPES
    assert auth.query["account_uuid"]
    token = exchanged[0]["response"]
    assert token["context"] == "stores/teststore1"
    assert token["scope"] == APP_SCOPES
    assert token["user"]["email"]
    assert token["owner"]["id"]
    assert token["account_uuid"] == auth.query["account_uuid"]
    store = (await client.get("/_sim/store")).json()
    assert store["app_installed"] is True
    assert store["client_id"] == CLIENT_ID
    assert len((await client.get("/_sim/hooks")).json()) == 1

    replay = await client.post("/oauth2/token", json=exchanged[0]["form"])
    assert replay.status_code == 400  # codes are single-use


async def test_token_exchange_checks_client_and_redirect_uri(world):
    client, fake, _, app_url = world
    fake.default_status = 500  # the fake app does not exchange; we do
    response = await client.post("/_sim/install")
    assert response.status_code == 502
    assert response.json()["app_installed"] is False
    code = fake.requests[-1].query["code"]
    form = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": code, "context": "stores/teststore1",
            "scope": APP_SCOPES, "grant_type": "authorization_code", "redirect_uri": app_url + "/bigcommerce/auth"}
    assert (await client.post("/oauth2/token", json={**form, "client_secret": "wrong"})).status_code == 401
    assert (await client.post("/oauth2/token", json={**form, "redirect_uri": "https://evil.example"})).status_code \
        == 400
    assert (await client.post("/oauth2/token", json={**form, "grant_type": "password"})).status_code == 400
    ok = await client.post("/oauth2/token", json=form)
    assert ok.status_code == 200
    token = ok.json()["access_token"]
    products = await client.get("/stores/teststore1/v3/catalog/products", headers={"X-Auth-Token": token})
    assert products.status_code == 200


async def test_token_exchange_needs_the_granted_scope(world):
    client, fake, _, app_url = world
    fake.default_status = 500  # the fake app does not exchange; we do
    await client.post("/_sim/install")
    form = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": fake.requests[-1].query["code"],
            "context": "stores/teststore1", "scope": APP_SCOPES, "grant_type": "authorization_code",
            "redirect_uri": app_url + "/bigcommerce/auth"}
    without = await client.post("/oauth2/token", json={k: v for k, v in form.items() if k != "scope"})
    assert without.status_code == 400
    assert "scope" in without.text
    other = await client.post("/oauth2/token", json={**form, "scope": "store_cart"})
    assert other.status_code == 400
    assert "scope" in other.text
    ok = await client.post("/oauth2/token", data=form)  # the code is still unused: the refusals took nothing
    assert ok.status_code == 200
    assert ok.json()["scope"] == APP_SCOPES


async def test_launch_redirects_with_verifiable_jwt(world):
    client, _, _, app_url = world
    assert (await client.get("/_sim/launch")).status_code == 409  # not installed yet
    await client.post("/_sim/install")
    response = await client.get("/_sim/launch")
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{app_url}/bigcommerce/load"
    token = parse_qs(location.query)["signed_payload_jwt"][0]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=CLIENT_ID)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert claims["iss"] == "bc"
    assert claims["sub"] == "stores/teststore1"
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["nbf"] == 24 * 3600
    assert claims["url"] == "/"
    assert claims["channel_id"] is None
    assert claims["user"]["id"] == claims["owner"]["id"]
    assert claims["user"]["locale"] == "en-US"
    assert len(claims["jti"]) == 36
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="another-app")

    other = (await client.get("/_sim/jwt", params={"user_id": 777, "email": "clerk@shop.example"})).json()
    claims = jwt.decode(other["signed_payload_jwt"], SECRET, algorithms=["HS256"], audience=CLIENT_ID)
    assert claims["user"] == {"id": 777, "email": "clerk@shop.example", "locale": "en-US"}


async def test_uninstall_calls_app_and_cleans_up(world):
    client, fake, exchanged, _ = world
    await client.post("/_sim/install")
    token = exchanged[0]["response"]["access_token"]
    response = await client.post("/_sim/uninstall")
    assert response.status_code == 200
    body = response.json()
    assert body["hooks_removed"] == 1
    assert body["scripts_removed"] == 1
    call = fake.requests[-1]
    assert call.path == "/bigcommerce/uninstall"
    claims = jwt.decode(call.query["signed_payload_jwt"], SECRET, algorithms=["HS256"], audience=CLIENT_ID)
    assert claims["sub"] == "stores/teststore1"
    assert (await client.get("/_sim/hooks")).json() == []
    assert [s["auto_uninstall"] for s in (await client.get("/_sim/scripts")).json()] == [False]
    assert (await client.get("/_sim/store")).json()["app_installed"] is False
    revoked = await client.get("/stores/teststore1/v3/hooks", headers={"X-Auth-Token": token})
    assert revoked.status_code == 401


async def test_install_reports_unreachable_app(make_harness):
    async with make_harness(app_auth_url=f"http://127.0.0.1:{free_port()}/bigcommerce/auth") as h:
        response = await h.client.post("/_sim/install")
        assert response.status_code == 502
        assert response.json()["error"]
        assert response.json()["app_installed"] is False
