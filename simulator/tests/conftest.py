"""Fixtures: the simulator in-process through httpx.ASGITransport, with an API token; a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cartio_simulator.app import create_app
from cartio_simulator.runtime import Simulator
from cartio_simulator.settings import SimSettings
from cartio_simulator.testing import Receiver, Served

STORE = "teststore1"


def make_settings(**overrides: Any) -> SimSettings:
    values: dict[str, Any] = {"smtp_port": 0, "store_hash": STORE, "time_scale": 0.002, "seed": 7}
    values.update(overrides)
    return SimSettings(**values)


@dataclass
class Harness:
    app: FastAPI
    sim: Simulator
    client: httpx.AsyncClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.token}

    def v3(self, path: str) -> str:
        return f"/stores/{STORE}/v3{path}"

    def v2(self, path: str) -> str:
        return f"/stores/{STORE}/v2{path}"

    async def api_cart(self, *lines: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(self.v3("/carts"), headers=self.headers,
                                          json={"line_items": list(lines) or [{"product_id": 111, "quantity": 2}]})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def hook(self, scope: str, destination: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.post(self.v3("/hooks"), headers=self.headers,
                                          json={"scope": scope, "destination": destination,
                                                "headers": headers or {}})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def harness_app(**overrides: Any) -> FastAPI:
    return create_app(make_settings(**overrides))


@asynccontextmanager
async def open_harness(app: FastAPI) -> AsyncIterator[Harness]:
    sim: Simulator = app.state.sim
    await sim.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim.test") as client:
        token = (await client.post("/_sim/api_token")).json()["access_token"]
        yield Harness(app, sim, client, token)
    await sim.stop()


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with open_harness(harness_app()) as harness:
        yield harness


@pytest.fixture
def make_harness() -> Callable[..., AbstractAsyncContextManager[Harness]]:
    """`async with make_harness(time_scale=...) as h:` a harness with other settings."""
    return lambda **overrides: open_harness(harness_app(**overrides))


@pytest.fixture
def settings_for() -> Callable[..., SimSettings]:
    """`settings_for(**overrides)`: the tests' simulator settings with some changed."""
    return make_settings


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, Served]]:
    rec = Receiver()
    async with Served(rec.app()) as served:
        yield rec, served
