"""What the app registered (hooks, scripts), webhook deliveries, faults, the mail sink, synthetic shoppers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ..api.guard import ApiUsage
from ..api.hooks import hook_json
from ..api.scripts import script_json
from ..faults import Faults
from ..mail import MailFaults
from ..order_json import order_json
from ..orders import get_order, pay_order
from ..state import Json
from .common import sim_of

router = APIRouter(prefix="/_sim")


@router.get("/hooks")
async def hooks(request: Request, store: str | None = None) -> list[Json]:
    target = sim_of(request).store(store)
    return [hook_json(h) for h in target.hooks.values()]


@router.get("/scripts")
async def scripts(request: Request, store: str | None = None) -> list[Json]:
    target = sim_of(request).store(store)
    return [script_json(s) for s in target.scripts.values()]


@router.get("/webhooks")
async def webhooks(request: Request, store: str | None = None, scope: str | None = None) -> list[Json]:
    sim = sim_of(request)
    target = sim.store(store)
    return [d.json() for d in list(sim.dispatcher.log)
            if d.store_hash == target.hash and (scope is None or d.scope == scope)]


@router.delete("/webhooks", status_code=204)
async def clear_webhooks(request: Request) -> None:
    sim_of(request).dispatcher.log.clear()


@router.get("/faults")
async def get_faults(request: Request) -> Json:
    return sim_of(request).faults.model_dump()


@router.post("/faults")
async def set_faults(request: Request, body: Faults) -> Json:
    """Replaces every fault; `{}` clears them all."""
    sim = sim_of(request)
    sim.faults = body
    return body.model_dump()


@router.get("/mail")
async def mail(request: Request) -> list[Json]:
    return sim_of(request).mail.messages()


@router.post("/mail/faults")
async def mail_faults(request: Request, body: MailFaults) -> Json:
    await sim_of(request).mail.set_faults(body)
    return body.model_dump()


@router.delete("/mail", status_code=204)
async def clear_mail(request: Request) -> None:
    sim_of(request).mail.clear()


class ShoppersIn(BaseModel):
    rate_per_s: float = Field(ge=0, le=100)
    duration_s: float | None = Field(default=None, gt=0)
    think_s: float = Field(default=2.0, ge=0, le=600)


@router.post("/shoppers")
async def shoppers(request: Request, body: ShoppersIn, store: str | None = None) -> Json:
    sim = sim_of(request)
    target = sim.store(store)
    if body.rate_per_s == 0:
        await sim.shoppers.stop()
    else:
        await sim.shoppers.start(target, body.rate_per_s, body.duration_s, body.think_s)
    return sim.shoppers.status()


@router.get("/shoppers")
async def shoppers_status(request: Request) -> Json:
    return sim_of(request).shoppers.status()


@router.get("/api_usage")
async def api_usage(request: Request, store: str | None = None) -> Json:
    """The store's REST calls so far (every app's, as the quota counts them), by method and path."""
    target = sim_of(request).store(store)
    usage: ApiUsage = request.app.state.api_usage
    seen = usage.of(target.hash)
    calls = sorted(seen.requests.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    return {
        "store": target.hash,
        "requests": sum(seen.requests.values()),
        "throttled": seen.throttled,
        "by_route": seen.by_route(),
        "by_path": [{"method": method, "path": path, "count": count} for (method, path), count in calls],
    }


@router.post("/orders/{order_id}/pay")
async def pay(request: Request, order_id: int, store: str | None = None) -> Json:
    """The shopper pays an Incomplete storefront order (`/_sim/carts/{id}/checkout` with `pay: false`)."""
    sim = sim_of(request)
    target = sim.store(store)
    async with target.lock:
        order = get_order(target, order_id)
        sim.emit(target, pay_order(target, order))
    return order_json(order, sim.api_v2_base(target))
