"""`bootstrap`: wait for the simulator and the gateway, install the app, start shoppers, then stay up."""

from __future__ import annotations

import asyncio
import time

import httpx

WAIT_S = 60.0


async def _wait_for(client: httpx.AsyncClient, name: str, url: str, deadline: float) -> None:
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await client.get(url, timeout=3.0)
            if response.is_success:
                print(f"[bootstrap] {name} is up ({url})", flush=True)
                return
            problem = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        if time.monotonic() > deadline:
            raise SystemExit(f"[bootstrap] {name} did not answer at {url} within {WAIT_S:.0f}s ({problem})")
        if attempt % 5 == 1:
            print(f"[bootstrap] waiting for {name} at {url} ({problem})", flush=True)
        await asyncio.sleep(1.0)


async def bootstrap(simulator: str, gateway: str, shoppers: float, store: str | None = None) -> None:
    simulator = simulator.rstrip("/")
    params = {"store": store} if store else {}
    async with httpx.AsyncClient() as client:
        deadline = time.monotonic() + WAIT_S
        await _wait_for(client, "simulator", f"{simulator}/_sim/store", deadline)
        await _wait_for(client, "gateway", f"{gateway.rstrip('/')}/healthz", deadline)
        while True:
            response = await client.post(f"{simulator}/_sim/install", params=params, timeout=60.0)
            result = response.json()
            if response.is_success and result.get("app_installed"):
                break
            problem = result.get("error") or f"HTTP {result.get('status_code')}: {str(result.get('body'))[:300]}"
            if time.monotonic() > deadline:
                raise SystemExit(f"[bootstrap] installing the app failed: {problem}")
            print(f"[bootstrap] install failed ({problem}); retrying", flush=True)
            await asyncio.sleep(2.0)
        print(f"[bootstrap] app installed in store {result.get('store_hash')}", flush=True)
        if shoppers > 0:
            await client.post(f"{simulator}/_sim/shoppers", params=params, json={"rate_per_s": shoppers})
            print(f"[bootstrap] synthetic shoppers started ({shoppers}/s)", flush=True)
    print("", flush=True)
    print(f"Cartio is running. Open {simulator}/_sim/launch to use it as the store owner.", flush=True)
    print("", flush=True)
    while True:  # honcho stops every process when one exits: stay up until terminated
        await asyncio.sleep(3600)
