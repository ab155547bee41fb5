"""Pure logic of the gateway, no I/O: scopes, hook and script reconciliation, sessions, CSRF, SSE framing."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# --- scopes -------------------------------------------------------------------------------------------------


def missing_scopes(granted: str | Iterable[str], required: Iterable[str]) -> list[str]:
    """The required scopes not granted (`granted` as BigCommerce sends it: space-separated), sorted."""
    have = set(granted.split()) if isinstance(granted, str) else set(granted)
    return sorted(set(required) - have)


# --- webhooks -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WantedHook:
    scope: str
    destination: str
    headers: Mapping[str, str]


@dataclass(frozen=True)
class ExistingHook:
    id: int
    scope: str
    destination: str
    is_active: bool
    headers: Mapping[str, str] | None


@dataclass(frozen=True)
class CreateHook(WantedHook):
    """Register a wanted hook the store does not have."""


@dataclass(frozen=True)
class UpdateHook:
    id: int
    scope: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class DeleteHook:
    id: int
    scope: str
    destination: str


HookAction = CreateHook | UpdateHook | DeleteHook


def plan_hooks(existing: Sequence[ExistingHook], wanted: Sequence[WantedHook]) -> list[HookAction]:
    """What to do so that the app's hooks are exactly `wanted`, active and carrying the wanted headers.

    BigCommerce lists only this app's hooks, so a hook of ours that is not wanted (another destination, a scope
    no longer used, a duplicate) is deleted; an inactive one is re-activated; wrong headers are replaced.
    Deletions come first, so that a moved destination never exceeds BigCommerce's hooks-per-scope limit.
    """
    actions: list[HookAction] = []
    by_key: dict[tuple[str, str], ExistingHook] = {}
    for hook in sorted(existing, key=lambda h: h.id):
        key = (hook.scope, hook.destination)
        if key in by_key or not any((w.scope, w.destination) == key for w in wanted):
            actions.append(DeleteHook(hook.id, hook.scope, hook.destination))
        else:
            by_key[key] = hook
    for want in wanted:
        have = by_key.get((want.scope, want.destination))
        if have is None:
            actions.append(CreateHook(want.scope, want.destination, dict(want.headers)))
            continue
        fields: dict[str, Any] = {}
        if not have.is_active:
            fields["is_active"] = True
        # A hook listed without its headers is taken as right; listed headers must match.
        if have.headers is not None and dict(have.headers) != dict(want.headers):
            fields["headers"] = dict(want.headers)
        if fields:
            actions.append(UpdateHook(have.id, have.scope, fields))
    return actions


# --- storefront script --------------------------------------------------------------------------------------

SCRIPT_NAME = "Cartio tracker"


def wanted_script(src: str) -> dict[str, Any]:
    """The storefront script as bigcommerce-api.md §9.4 describes it: rendered even behind a consent banner."""
    return {
        "name": SCRIPT_NAME,
        "description": "Reports shoppers' cart ids to Cartio",
        "kind": "src",
        "src": src,
        "load_method": "defer",
        "location": "footer",
        "visibility": "storefront",
        "auto_uninstall": True,
        "consent_category": "essential",
        "enabled": True,
    }


@dataclass(frozen=True)
class ExistingScript:
    uuid: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class CreateScript:
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class UpdateScript:
    uuid: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class DeleteScript:
    uuid: str


ScriptAction = CreateScript | UpdateScript | DeleteScript


def _is_ours(script: ExistingScript, wanted: Mapping[str, Any], src_prefix: str) -> bool:
    src = str(script.fields.get("src") or "")
    return script.fields.get("name") == wanted["name"] or (bool(src_prefix) and src.startswith(src_prefix))


def plan_script(
    existing: Sequence[ExistingScript], wanted: Mapping[str, Any], *, src_prefix: str = ""
) -> list[ScriptAction]:
    """Exactly one Cartio script with the wanted fields: keep the first of ours, fix it, delete the others.

    A script is ours when it has our name or its `src` starts with `src_prefix` (the tracker's URL without its
    query). Scripts of this API account that are neither are left alone.
    """
    ours = [s for s in existing if _is_ours(s, wanted, src_prefix)]
    if not ours:
        return [CreateScript(dict(wanted))]
    keep, *extra = ours
    actions: list[ScriptAction] = []
    diff = {k: v for k, v in wanted.items() if keep.fields.get(k) != v}
    if diff:
        actions.append(UpdateScript(keep.uuid, diff))
    actions.extend(DeleteScript(s.uuid) for s in extra)
    return actions


# --- sessions and CSRF --------------------------------------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


class SessionSigner:
    """The cookie holds the session id signed (HMAC) and timestamped, so a forged or stale cookie is refused
    before the database is asked. The session row stays the authority (revocation, expiry)."""

    def __init__(self, secret: str, *, max_age: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="cartio-session")
        self.max_age = max(1, int(max_age))

    def sign(self, session_id: str) -> str:
        return self._serializer.dumps(session_id)

    def unsign(self, value: str | None) -> str | None:
        """The session id, or None for a missing, tampered or expired cookie."""
        if not value:
            return None
        try:
            session_id = self._serializer.loads(value, max_age=int(self.max_age))
        except SignatureExpired:
            return None
        except BadSignature:
            return None
        return session_id if isinstance(session_id, str) else None


def csrf_ok(method: str, presented: str | None, expected: str) -> bool:
    """Safe methods need nothing; every other needs the session's token, compared in constant time."""
    if method.upper() in SAFE_METHODS:
        return True
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


# --- path parameters ----------------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# fullmatch, not match: `$` also matches before a trailing newline, which then reached carts' URL.
def is_cart_id(value: str) -> bool:
    return bool(_UUID.fullmatch(value))


def is_item_id(value: str) -> bool:
    return bool(_ITEM_ID.fullmatch(value))


# ASCII only: str.isdigit() also takes superscripts and Arabic-Indic digits, which int() refuses or reads.
_SEQ = re.compile(r"[0-9]{1,19}")
MAX_SEQ = 2**63 - 1  # PostgreSQL's bigint


def parse_seq(value: str) -> int:
    """A position this API handed out (an audit cursor, a live event id): a bigint >= 0, or ValueError."""
    if not _SEQ.fullmatch(value) or int(value) > MAX_SEQ:
        raise ValueError(f"not a position this API handed out: {value[:30]!r}")
    return int(value)


# --- server-sent events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveEvent:
    seq: int
    type: str
    data: Mapping[str, Any] = field(default_factory=dict)


def sse_event(event: LiveEvent) -> str:
    payload = json.dumps(event.data, separators=(",", ":"), default=str)
    return f"id: {event.seq}\nevent: {event.type}\ndata: {payload}\n\n"


def sse_comment(text: str) -> str:
    return f": {text}\n\n"


def parse_last_event_id(*candidates: str | None) -> int | None:
    """The first candidate given (header first, then the query parameter) as an event id; None when none is
    given; ValueError when it is not an id this feed sent."""
    for value in candidates:
        if value is not None and value.strip():
            return parse_seq(value.strip())
    return None


# --- audit --------------------------------------------------------------------------------------------------

_MAX_TEXT = 200


def summarize(value: Any, *, depth: int = 0) -> Any:
    """A request body made fit for the audit log: scalars kept (long text cut), nesting shown as keys only."""
    if isinstance(value, str):
        value = value.replace("\x00", "\\u0000")  # PostgreSQL text and JSONB cannot hold NUL: keep it visible
        return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        if depth >= 1:
            return {"keys": sorted(str(k) for k in value)[:20]}
        return {summarize(str(k), depth=depth + 1): summarize(v, depth=depth + 1) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return {"items": len(value)}
    return str(value)[:_MAX_TEXT]
