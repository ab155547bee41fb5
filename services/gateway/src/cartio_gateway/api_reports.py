"""`/api/reports/*`: Cart Statistics for the session's store, from the reports service (`gw.reports`).

The period (`days`, or `from` and `to`), `limit` and the export's `report` are passed on as given; reports checks
them and answers 422 with what is wrong, which goes back to the browser as it is.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from cartio_gateway.deps import AuditedRoute, GatewayDep, SessionDep
from cartio_gateway.errors import ApiError
from cartio_gateway.internal import NO_STORE

router = APIRouter(prefix="/api/reports", route_class=AuditedRoute)

PERIOD = ("days", "from", "to")
MAX_PARAM = 32  # the longest value a good parameter has ("2026-03-10", "100", "summary")


def _params(request: Request, *names: str) -> dict[str, str]:
    params = {}
    for name in (*PERIOD, *names):
        value = request.query_params.get(name)
        if value is None:
            continue
        if len(value) > MAX_PARAM:
            raise ApiError(422, "invalid_request", f"{name} is too long")
        params[name] = value
    return params


@router.get("/summary")
async def summary(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.reports.forward(session, "GET", "/reports/summary", params=_params(request))


@router.get("/top-added")
async def top_added(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.reports.forward(session, "GET", "/reports/top-added", params=_params(request, "limit"))


@router.get("/top-ordered")
async def top_ordered(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    return await gw.reports.forward(session, "GET", "/reports/top-ordered", params=_params(request, "limit"))


@router.get("/export.csv")
async def export_csv(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The CSV as reports made it (a download); an error is JSON like every other error."""
    upstream = await gw.reports.call(session, "GET", "/reports/export.csv", params=_params(request, "report"))
    if upstream.status_code == 200:
        headers = {**NO_STORE, "Content-Disposition": upstream.headers.get("content-disposition", "attachment")}
        return Response(upstream.content, media_type="text/csv; charset=utf-8", headers=headers)
    if upstream.status_code >= 500:
        raise ApiError(503, "reports_unavailable", "The reports service failed; try again shortly.")
    return JSONResponse(upstream.json(), status_code=upstream.status_code, headers=NO_STORE)
