"""The live feed cannot starve a replica (issue 13, point 7): one session opens at most 4 streams and one store at
most 40 (the defaults); beyond them the answer is 429 with the platform's error shape, and a closed stream frees
its place."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

_READERS: list[Any] = []  # a line reader that is dropped closes its connection: keep them while streams are open


async def open_stream(stack: contextlib.AsyncExitStack, client: httpx.AsyncClient) -> httpx.Response:
    """Open /api/live and wait for its first line, so the gateway counts it before the next one."""
    response = await stack.enter_async_context(client.stream("GET", "/api/live", timeout=30))
    if response.status_code == 200:
        lines = response.aiter_lines()
        _READERS.append(lines)
        await anext(lines)
    return response


async def test_a_session_gets_four_live_streams_and_a_fifth_is_a_429_until_one_closes(gw: Any) -> None:
    store = await gw.installed_store()
    merchant = await gw.merchant(store)
    async with contextlib.AsyncExitStack() as stack:
        opened = [await open_stream(stack, merchant.client) for _ in range(4)]
        assert [r.status_code for r in opened] == [200] * 4
        async with contextlib.AsyncExitStack() as extra:
            fifth = await open_stream(extra, merchant.client)
            assert fifth.status_code == 429
            await fifth.aread()
            assert fifth.json()["error"]["code"] == "too_many_streams"
            assert "session" in fifth.json()["error"]["message"]
        other = await gw.merchant(store, user_id=7401)  # another staff member is not held back by it
        async with contextlib.AsyncExitStack() as theirs:
            assert (await open_stream(theirs, other.client)).status_code == 200
    async with contextlib.AsyncExitStack() as stack:
        assert (await open_stream(stack, merchant.client)).status_code == 200  # closed streams freed their places


async def test_a_store_gets_forty_live_streams_on_a_replica_and_then_429(gw: Any) -> None:
    store = await gw.installed_store()
    staff = [await gw.merchant(store, user_id=7500 + n) for n in range(11)]
    async with contextlib.AsyncExitStack() as stack:
        statuses = [(await open_stream(stack, m.client)).status_code for m in staff[:10] for _ in range(4)]
        assert statuses == [200] * 40
        refused = await open_stream(stack, staff[10].client)
        assert refused.status_code == 429
        await refused.aread()
        assert "store" in refused.json()["error"]["message"]
        # another store's staff still get their feed
        elsewhere = await gw.merchant(await gw.installed_store())
        assert (await open_stream(stack, elsewhere.client)).status_code == 200
