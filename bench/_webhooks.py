"""Helpers of the benchmarks that post webhooks to ingest and look into queues (not a benchmark itself)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import aio_pika
import httpx


@dataclass
class Sent:
    """What one batch of webhooks got: seconds for all, milliseconds of each, accepted ids, other answers."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.accepted) / self.seconds


async def post_all(clients: list[httpx.AsyncClient], bodies: list[bytes], headers: dict[str, str]) -> Sent:
    """Post every body to ingest, one request in flight on each client (each holds one connection).

    One client per connection: a single httpx client with 50 connections spends more CPU in its pool than
    ingest does in its handler (encode/httpx#3215) and, on the same two cores, measures itself.
    """
    sent = Sent()
    pending = iter(bodies)  # shared: each body is taken by one of the workers

    async def worker(client: httpx.AsyncClient) -> None:
        for body in pending:
            started = time.perf_counter()
            try:
                answer = await client.post("/webhooks/bigcommerce", content=body, headers=headers)
            except httpx.HTTPError as exc:
                sent.refused[type(exc).__name__] += 1
                continue
            sent.latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code == 200:
                sent.accepted.append(answer.json()["message_id"])
            else:
                sent.refused[f"HTTP {answer.status_code} {answer.text[:120]}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    sent.seconds = time.perf_counter() - started
    return sent


async def queue_depth(url: str, *queues: str) -> int:
    """Messages waiting in these queues, together."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        total = 0
        for queue in queues:
            declared = await channel.declare_queue(queue, passive=True)
            total += int(declared.declaration_result.message_count or 0)
        return total
    finally:
        await connection.close()
