"""Cart Statistics through the gateway: the session's store's figures from reports, its 422s, the CSV download."""

from __future__ import annotations

import csv
import io
from typing import Any

from cartio_platform.testing import wait_until

from .conftest import GatewayEnv


async def test_the_merchant_reads_the_stores_summary_and_top_lists_for_a_period(gw: GatewayEnv) -> None:
    merchant = await gw.merchant(await gw.installed_store())
    summary = await merchant.get("/api/reports/summary", params={"days": 7})
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["period"]["days"] == 7
    assert body["carts_created"] == 0
    assert body["value_abandoned"] == "0.00"
    for route in ("top-added", "top-ordered"):
        answer = await merchant.get(f"/api/reports/{route}", params={"from": "2026-03-01", "to": "2026-03-31",
                                                                      "limit": 5})
        assert answer.status_code == 200, answer.text
        assert answer.json()["period"] == {**answer.json()["period"], "from": "2026-03-01", "to": "2026-03-31",
                                           "days": 31}
        assert answer.json()["items"] == []


async def test_a_bad_period_is_422_with_reports_message(gw: GatewayEnv) -> None:
    merchant = await gw.merchant(await gw.installed_store())
    cases: list[tuple[dict[str, Any], str]] = [
        ({"days": 0}, "days must be between 1 and 731"),
        ({"from": "2026-03-12", "to": "2026-03-10"}, "from must not be after to"),
        ({"days": "x" * 100}, "days is too long"),
    ]
    for params, says in cases:
        answer = await merchant.get("/api/reports/summary", params=params)
        assert answer.status_code == 422, answer.text
        assert says in answer.json()["error"]["message"]
    csv_answer = await merchant.get("/api/reports/export.csv", params={"days": 0})
    assert csv_answer.status_code == 422
    assert csv_answer.headers["content-type"].startswith("application/json")


async def test_the_csv_export_downloads_with_a_header_row(gw: GatewayEnv) -> None:
    merchant = await gw.merchant(await gw.installed_store())
    answer = await merchant.get("/api/reports/export.csv", params={"days": 30})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="cart-statistics-products-')
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["product_id", "name", "times_added"]
    assert rows[1:] == []


async def test_reports_without_a_session_are_401(gw: GatewayEnv) -> None:
    answer = await gw.client().get("/api/reports/summary")
    assert answer.status_code == 401


async def test_the_install_tells_every_service_the_stores_time_zone_and_reports_count_days_in_it(
    gw: GatewayEnv,
) -> None:
    store = await gw.new_store()
    changed = await gw.sim("PATCH", "/_sim/store/information", store=store,
                           json={"name": "Tokyo Tea", "timezone": "Asia/Tokyo", "currency": "JPY"})
    assert changed.status_code == 200, changed.text
    await gw.install(store)
    installed = await gw.store_event("store.installed", store)
    assert (installed.data["store_name"], installed.data["timezone"], installed.data["currency"]) == (
        "Tokyo Tea", "Asia/Tokyo", "JPY")
    merchant = await gw.merchant(store)

    async def in_tokyo() -> dict[str, Any] | None:
        body: dict[str, Any] = (await merchant.get("/api/reports/summary", params={"days": 1})).json()
        return body if body["period"]["timezone"] == "Asia/Tokyo" else None

    summary = await wait_until(in_tokyo, timeout=10, what="reports knowing the store's time zone")
    assert summary["currency"] == "JPY"
