"""The SMTP sink, the synthetic shoppers, the panel and thumbnails."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from cartio_simulator.geo import COUNTRY_WEIGHTS, country_for_ip, random_ip
from cartio_simulator.testing import free_port, poll


async def test_smtp_sink_collects_messages(make_harness):
    port = free_port()
    async with make_harness(smtp_port=port) as h:
        message = EmailMessage()
        message["From"] = "Cartio <no-reply@cartio.example>"
        message["To"] = "shopper@buyer.example"
        message["Subject"] = "You left something in your cart"
        message.set_content("Plain text body")
        message.add_alternative("<p>HTML body</p>", subtype="html")

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                smtp.send_message(message)

        await asyncio.to_thread(send)
        mails = await poll(lambda: h.sim.mail.messages())
        listed = (await h.client.get("/_sim/mail")).json()
        assert listed == mails
        mail = listed[0]
        assert mail["from"] == "Cartio <no-reply@cartio.example>"
        assert mail["to"] == ["shopper@buyer.example"]
        assert mail["subject"] == "You left something in your cart"
        assert mail["text"].strip() == "Plain text body"
        assert mail["html"].strip() == "<p>HTML body</p>"
        assert mail["received_at"]
        assert (await h.client.delete("/_sim/mail")).status_code == 204
        assert (await h.client.get("/_sim/mail")).json() == []


async def test_shoppers_make_carts_orders_and_stop(h):
    started = await h.client.post("/_sim/shoppers", json={"rate_per_s": 50, "think_s": 0.01})
    assert started.json()["running"] is True
    await poll(lambda: h.sim.shoppers.stats["checkouts"] >= 2 and h.sim.shoppers.stats["abandoned"] >= 2,
               timeout=10)
    stopped = (await h.client.post("/_sim/shoppers", json={"rate_per_s": 0})).json()
    assert stopped["running"] is False
    assert stopped["stats"]["errors"] == 0
    orders = (await h.client.get("/_sim/orders")).json()
    assert orders
    assert all(o["status_id"] == 11 and o["ip_address"] and o["billing_address"]["email"] for o in orders)
    assert {o["geoip_country_iso2"] for o in orders} <= set(COUNTRY_WEIGHTS)
    carts = (await h.client.get("/_sim/carts")).json()
    assert all(c["_storefront"]["user_agent"].startswith("Mozilla/5.0") for c in carts)


async def test_shoppers_stop_after_duration(h):
    await h.client.post("/_sim/shoppers", json={"rate_per_s": 20, "duration_s": 0.2, "think_s": 0.01})
    await poll(lambda: not h.sim.shoppers.running, timeout=5)
    assert h.sim.shoppers.stats["sessions"] >= 1


def test_random_ips_geolocate_to_their_country():
    import random

    rng = random.Random(3)
    for country in COUNTRY_WEIGHTS:
        for _ in range(50):
            assert country_for_ip(random_ip(rng, country)) == country


async def test_panel_images_and_store_info(h):
    panel = await h.client.get("/_sim/")
    assert panel.status_code == 200
    assert "/_sim/launch" in panel.text
    image = await h.client.get("/images/111.svg")
    assert image.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in image.text
    assert (await h.client.get("/images/1.svg")).status_code == 404
    store = (await h.client.get("/_sim/store")).json()
    assert store["store_hash"] == "teststore1"
    assert store["app_installed"] is False
    second = (await h.client.post("/_sim/stores")).json()
    assert second["store_hash"] != "teststore1"
    assert (await h.client.get("/_sim/store", params={"store": second["store_hash"]})).json()["store_id"] \
        != store["store_id"]
    assert (await h.client.get("/_sim/store", params={"store": "nope"})).status_code == 404
    products = (await h.client.get("/_sim/products")).json()
    assert len(products) >= 30
    assert any(len(p["variants"]) > 1 for p in products)
    catalog = await h.client.get(h.v3("/catalog/products"), headers=h.headers,
                                 params={"limit": 5, "page": 2, "include": "images,variants"})
    meta = catalog.json()["meta"]["pagination"]
    assert meta["current_page"] == 2
    assert meta["per_page"] == 5
    assert meta["total"] == len(products)
    assert "next" in meta["links"]
    assert "previous" in meta["links"]
    assert catalog.json()["data"][0]["images"][0]["url_thumbnail"].endswith(".svg")
    found = await h.client.get(h.v3("/catalog/products"), headers=h.headers, params={"keyword": "mug"})
    assert {p["name"] for p in found.json()["data"]} == {"Blue Mug", "Red Mug"}
    by_id = await h.client.get(h.v3("/catalog/products"), headers=h.headers, params={"id:in": "111,117"})
    assert [p["id"] for p in by_id.json()["data"]] == [111, 117]
    variants = await h.client.get(h.v3("/catalog/products/117/variants"), headers=h.headers)
    assert variants.json()["data"][0]["option_values"][0]["option_display_name"] == "Size"
    customers = await h.client.get(h.v3("/customers"), headers=h.headers,
                                   params={"email:in": "ana.lee@example.com", "include": "addresses"})
    assert customers.json()["data"][0]["addresses"][0]["country_code"] == "US"
