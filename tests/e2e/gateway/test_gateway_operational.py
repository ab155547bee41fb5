"""Operational endpoints are not public (issue 13, point 8): the gateway's and ingest's /readyz and /metrics
answer only with the service token; /healthz (liveness) stays open."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from .conftest import SERVICE_TOKEN

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", ["gateway", "ingest"])
async def test_readiness_and_metrics_of_a_public_service_need_the_service_token(gw: Any, service: str) -> None:
    async with httpx.AsyncClient(base_url=gw.system.url(service), timeout=10) as client:
        assert (await client.get("/healthz")).status_code == 200
        for path in ("/readyz", "/metrics"):
            anyone = await client.get(path)
            assert anyone.status_code == 401, f"{service}{path} answered {anyone.status_code}"
            assert anyone.json()["error"]["code"] == "unauthorized"
            wrong = await client.get(path, headers={"Authorization": "Bearer not-the-token"})
            assert wrong.status_code == 401
            operator = await client.get(path, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
            assert operator.status_code == 200, operator.text
        metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
        assert "cartio_http_requests_total" in metrics.text


@pytest.mark.parametrize(("token", "code"), [(SERVICE_TOKEN, 0), ("not-the-token", 1)])
async def test_the_kubernetes_readiness_probe_passes_with_the_container_s_token_only(
    gw: Any, token: str, code: int
) -> None:
    env = {**os.environ, "CARTIO_PORT": str(gw.gateway.port), "CARTIO_SERVICE_TOKEN": token}
    probe = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "cartio_platform.probe", "/readyz"],
                                    env=env, capture_output=True, timeout=30, check=False)
    assert probe.returncode == code, probe.stderr
