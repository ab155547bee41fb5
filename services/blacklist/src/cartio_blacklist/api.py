"""Internal HTTP routes (gateway and notifier): rules, hits, check, preview — the only place domain errors become
HTTP statuses.

Every route needs `Authorization: Bearer <CARTIO_SERVICE_TOKEN>`; the acting staff member comes in
`X-Cartio-Actor` (default `system`). Bad input is 422 with a message that says what is wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cartio_bigcommerce.store_hash import is_store_hash
from cartio_blacklist.domain.matcher import Subject
from cartio_blacklist.domain.rules import KINDS, InvalidRule, normalise, normalise_email
from cartio_blacklist.index import RuleIndex
from cartio_blacklist.queries import list_hits, list_rules
from cartio_blacklist.rulebook import NewRule, Rulebook, RuleNotFound, RuleRefused
from cartio_platform.errors import ApiError
from cartio_platform.internal_api import Actor
from cartio_platform.runtime import RuntimeDep
from cartio_platform.security import require_service_token


async def valid_store(store: str) -> None:
    if not is_store_hash(store):
        raise ApiError(404, "store_not_found", "No such store.")


async def _rulebook(request: Request) -> Rulebook:
    rulebook: Rulebook = request.app.state.rulebook
    return rulebook


async def _index(request: Request) -> RuleIndex:
    index: RuleIndex = request.app.state.index
    return index


RulebookDep = Annotated[Rulebook, Depends(_rulebook)]
IndexDep = Annotated[RuleIndex, Depends(_index)]
ActorDep = Actor

router = APIRouter(prefix="/internal/stores/{store}/blacklist",
                   dependencies=[Depends(require_service_token), Depends(valid_store)])
RuleId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleIn(Body):
    kind: Literal["email", "email_domain", "ip", "cidr", "country"]
    value: str = Field(min_length=1, max_length=320)
    action: Literal["block", "allow"] = "block"
    note: str | None = Field(default=None, max_length=1000)
    expires_at: AwareDatetime | None = None
    enabled: bool = True

    def new_rule(self) -> NewRule:
        return NewRule(kind=self.kind, value=self.value, action=self.action, note=_text(self.note),
                       expires_at=self.expires_at, enabled=self.enabled)


class RulePatch(Body):
    enabled: bool | None = None
    note: str | None = Field(default=None, max_length=1000)
    expires_at: AwareDatetime | None = None


class CheckIn(Body):
    email: str | None = Field(default=None, max_length=320)
    ip: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=8)


def _text(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ApiError(422, "invalid_request", "note must not contain NUL characters")
    return value.strip() or None if value is not None else None


def _refused(exc: Exception) -> ApiError:
    return ApiError(422, "invalid_rule", str(exc))


def _not_found(rule_id: int) -> ApiError:
    return ApiError(404, "rule_not_found", f"No blacklist rule {rule_id} in this store.")


@router.get("/rules")
async def rules(store: str, runtime: RuntimeDep, kind: str | None = Query(default=None, max_length=16),
                limit: int = Query(default=500, ge=1, le=10_000)) -> dict[str, Any]:
    if kind is not None and kind not in KINDS:
        raise ApiError(422, "invalid_request", f"kind must be one of {', '.join(KINDS)}")
    async with runtime.db() as session:
        return {"items": await list_rules(session, store, kind, limit)}


@router.post("/rules", status_code=201)
async def create_rule(store: str, body: RuleIn, rulebook: RulebookDep, actor: ActorDep) -> dict[str, Any]:
    try:
        return await rulebook.create(store, body.new_rule(), actor)
    except (InvalidRule, RuleRefused) as exc:
        raise _refused(exc) from None


@router.post("/rules/preview")
async def preview_rule(store: str, body: RuleIn, rulebook: RulebookDep) -> dict[str, Any]:
    try:
        return await rulebook.preview(store, body.new_rule())
    except (InvalidRule, RuleRefused) as exc:
        raise _refused(exc) from None


@router.get("/rules/{rule_id}")
async def get_rule(store: str, rule_id: RuleId, rulebook: RulebookDep) -> dict[str, Any]:
    try:
        return await rulebook.get(store, rule_id)
    except RuleNotFound:
        raise _not_found(rule_id) from None


@router.patch("/rules/{rule_id}")
async def update_rule(store: str, rule_id: RuleId, body: RulePatch, rulebook: RulebookDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("enabled", True) is None:
        raise ApiError(422, "invalid_request", "enabled must be true or false")
    if "note" in changes:
        changes["note"] = _text(changes["note"])
    if not changes:
        raise ApiError(422, "invalid_request", "Give at least one of enabled, note, expires_at")
    try:
        return await rulebook.update(store, rule_id, changes)
    except RuleRefused as exc:
        raise _refused(exc) from None
    except RuleNotFound:
        raise _not_found(rule_id) from None


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(store: str, rule_id: RuleId, rulebook: RulebookDep) -> Response:
    try:
        await rulebook.delete(store, rule_id)
    except RuleNotFound:
        raise _not_found(rule_id) from None
    return Response(status_code=204)


@router.get("/hits")
async def hits(store: str, runtime: RuntimeDep, rule_id: int | None = Query(default=None, ge=1, le=2**63 - 1),
               cursor: int | None = Query(default=None, ge=1, le=2**63 - 1),
               limit: int = Query(default=100, ge=1, le=1000)) -> dict[str, Any]:
    """Newest first; `next_cursor` fetches the next page."""
    async with runtime.db() as session:
        items = await list_hits(session, store, rule_id, cursor, limit)
    return {"items": items, "next_cursor": items[-1]["id"] if len(items) == limit else None}


@router.post("/check")
async def check(store: str, body: CheckIn, index: IndexDep) -> dict[str, Any]:
    """Which rules match this email, IP or country now, and whether that blocks it (an allow rule wins)."""
    if not (body.email or body.ip or body.country):
        raise ApiError(422, "invalid_request", "Give at least one of email, ip, country")
    try:
        email = normalise_email(body.email) if body.email else None
        ip = normalise("ip", body.ip) if body.ip else None
        country = normalise("country", body.country) if body.country else None
    except InvalidRule as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    subject = Subject(email=email, ips=(ip,) if ip else (), countries=(country,) if country else ())
    verdict = await index.judge(store, subject, datetime.now(UTC))
    return {
        "blocked": verdict.blocked,
        "rules": [
            {"id": m.rule.id, "kind": m.rule.kind, "value": m.rule.value, "action": m.rule.action,
             "note": m.rule.note, "expires_at": m.rule.expires_at, "matched": m.matched}
            for m in verdict.matches
        ],
    }
