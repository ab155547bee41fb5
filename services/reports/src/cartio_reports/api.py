"""Internal HTTP routes (gateway only): a period's summary, top added, top ordered, and the CSV export.

Every route needs `Authorization: Bearer <CARTIO_SERVICE_TOKEN>`. A period is `days` (the last N days, today
included, 30 by default) or `from` and `to` (dates, both included), as days in the store's time zone. Money is
a decimal string in the store currency's precision (cartio_platform.money). Bad parameters are a 422 that says
what is wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_bigcommerce import is_store_hash
from cartio_platform.errors import ApiError
from cartio_platform.money import money_text
from cartio_platform.runtime import Runtime, RuntimeDep
from cartio_platform.security import require_service_token

from . import export, product_export, queries
from .domain.days import resolve_period


async def valid_store(store: str) -> None:
    if not is_store_hash(store):
        raise ApiError(404, "store_not_found", "No such store.")


Days = Annotated[int | None, Query(description="the last N days, today included (1 to 731; default 30)")]
From = Annotated[date | None, Query(alias="from", description="first day of a date range (YYYY-MM-DD)")]
To = Annotated[date | None, Query(alias="to", description="last day of a date range (YYYY-MM-DD), included")]
Limit = Annotated[int, Query(ge=1, le=100, description="how many products (1 to 100)")]

router = APIRouter(prefix="/internal/stores/{store}/reports",
                   dependencies=[Depends(require_service_token), Depends(valid_store)])


async def _period(session: AsyncSession, store: str, days: int | None, start: date | None, end: date | None
                  ) -> tuple[queries.Period, str | None]:
    tz_name, currency = await queries.store_settings(session, store)
    try:
        first, last = resolve_period(queries.today_in(tz_name, datetime.now(UTC)), days, start, end)
    except ValueError as exc:
        raise ApiError(422, "invalid_period", str(exc)) from None
    return queries.Period(first, last, tz_name), currency


@asynccontextmanager
async def _snapshot(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    """One session reading one snapshot: the running totals' marker, rows and day rows agree (running.py)."""
    async with runtime.db() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def _money(row: dict[str, Any], currency: str | None) -> dict[str, Any]:
    """Amounts in the store currency's own precision ("12.50" USD, "1235" JPY)."""
    return {k: money_text(v, currency) if isinstance(v, Decimal) and k != "conversion_rate" else v
            for k, v in row.items()}


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "conversion_rate": float(row["conversion_rate"])}


@router.get("/summary")
async def summary(store: str, runtime: RuntimeDep, days: Days = None, start: From = None, end: To = None
                  ) -> dict[str, Any]:
    async with runtime.db() as session:  # one session (one connection check-out) per request
        period, currency = await _period(session, store, days, start, end)
        figures = await queries.summary(session, store, period)
    return {"period": period.json(), "currency": currency, **_money(figures, currency)}


@router.get("/top-added")
async def top_added(store: str, runtime: RuntimeDep, days: Days = None, start: From = None, end: To = None,
                    limit: Limit = 10) -> dict[str, Any]:
    async with _snapshot(runtime) as session:
        period, _ = await _period(session, store, days, start, end)
        items = await queries.top_added(session, store, period, limit)
    return {"period": period.json(), "items": items}


@router.get("/top-ordered")
async def top_ordered(store: str, runtime: RuntimeDep, days: Days = None, start: From = None, end: To = None,
                      limit: Limit = 10) -> dict[str, Any]:
    async with _snapshot(runtime) as session:
        period, currency = await _period(session, store, days, start, end)
        items = await queries.top_ordered(session, store, period, limit)
    return {"period": period.json(), "currency": currency, "items": [_rates(_money(i, currency)) for i in items]}


@router.get("/export.csv")
async def export_csv(store: str, runtime: RuntimeDep, days: Days = None, start: From = None, end: To = None,
                     report: Literal["products", "summary"] = "products") -> Response:
    """`report=products` (default): every product added or ordered in the period, one row each;
    `report=summary`: the period's funnel, one row per figure."""
    async with _snapshot(runtime) as session:
        period, currency = await _period(session, store, days, start, end)
        if report == "summary":
            body = export.summary_csv(period, currency, await queries.summary(session, store, period))
        else:
            body = await product_export.products_csv(session, store, period, currency)
    name = f"cart-statistics-{report}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
