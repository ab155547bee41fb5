"""get_store_information against the simulator: the store's name, IANA time zone and currency, typed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cartio_bigcommerce import BigCommerceClient, StoreInformation, Unauthorized

SIM_URL = "http://sim.test"
STORE_HASH = "ab12cd"


@pytest.fixture
async def sim() -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    from cartio_simulator.app import create_app
    from cartio_simulator.settings import SimSettings

    app = create_app(SimSettings(store_hash=STORE_HASH, smtp_port=0, seed=7))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url=SIM_URL) as http:
        yield http, app.state.sim


def _client(http: httpx.AsyncClient, sim: object, scopes: str) -> BigCommerceClient:
    store = sim.world.stores[STORE_HASH]  # type: ignore[attr-defined]
    token = sim.issue_token(store, sim.settings.client_id, scopes).token  # type: ignore[attr-defined]
    return BigCommerceClient(store_hash=STORE_HASH, access_token=token, api_url=SIM_URL, http=http, max_retries=1)


async def test_the_store_information_gives_the_stores_time_zone_and_currency(
    sim: tuple[httpx.AsyncClient, object],
) -> None:
    http, simulator = sim
    await http.patch("/_sim/store/information", json={"name": "Sydney Socks", "timezone": "Australia/Sydney",
                                                     "currency": "AUD"})
    info = await _client(http, simulator, "store_v2_information_read_only").get_store_information()
    assert isinstance(info, StoreInformation)
    assert info.name == "Sydney Socks"
    assert info.currency == "AUD"
    assert info.timezone is not None
    assert info.timezone.name == "Australia/Sydney"
    assert (info.timezone.raw_offset, info.timezone.dst_offset) == (10 * 3600, 11 * 3600)


async def test_without_the_information_scope_the_client_raises_unauthorized_with_status_403(
    sim: tuple[httpx.AsyncClient, object],
) -> None:
    http, simulator = sim
    with pytest.raises(Unauthorized) as refused:
        await _client(http, simulator, "store_cart").get_store_information()
    assert refused.value.status == 403
