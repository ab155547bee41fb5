"""The two comparison servers of `bench/intake.py`, served by uvicorn exactly as the services are (one worker,
uvloop, httptools, no access log):

- `bare`: a FastAPI endpoint that reads the body and answers 200: the HTTP ceiling of this interpreter.
- `straightforward`: the intake as one would first write it: FastAPI, the body validated by pydantic
  (`WebhookPayload`), and one awaited, confirmed, persistent aio-pika publish per request into a durable quorum
  queue; 200 once RabbitMQ confirmed it.

    uvicorn bench._intake_servers:bare --loop uvloop --http httptools --no-access-log
    BENCH_AMQP_URL=... BENCH_QUEUE=... uvicorn bench._intake_servers:straightforward ...
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cartio_bigcommerce.webhooks import WebhookPayload

bare = FastAPI()


@bare.post("/webhooks/bigcommerce")
async def bare_endpoint(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"accepted": True})


@asynccontextmanager
async def _broker(app: FastAPI) -> AsyncIterator[None]:
    connection = await aio_pika.connect(os.environ["BENCH_AMQP_URL"])
    channel = await connection.channel(publisher_confirms=True)
    await channel.declare_queue(os.environ["BENCH_QUEUE"], durable=True, arguments={"x-queue-type": "quorum"})
    app.state.channel = channel
    yield
    await connection.close()


straightforward = FastAPI(lifespan=_broker)


@straightforward.post("/webhooks/bigcommerce")
async def straightforward_endpoint(payload: WebhookPayload, request: Request) -> JSONResponse:
    message_id = str(uuid.uuid4())
    body = json.dumps({"message_id": message_id, "payload": payload.model_dump()}).encode()
    channel: aio_pika.abc.AbstractChannel = request.app.state.channel
    await channel.default_exchange.publish(
        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=message_id,
                         content_type="application/json"),
        routing_key=os.environ["BENCH_QUEUE"],
    )
    return JSONResponse({"accepted": True, "message_id": message_id})
