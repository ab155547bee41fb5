"""BigCommerce's app callbacks: install (auth), load, uninstall, remove_user (bigcommerce-api.md §2)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_bigcommerce import (
    BigCommerceClient,
    BigCommerceError,
    InvalidSignedPayload,
    SignedPayload,
    StoreInformation,
    TokenResponse,
    Transient,
    exchange_code,
    store_hash_from_context,
    verify_signed_payload_jwt,
)
from cartio_contracts.messages import StoreInstalled, StoreUninstalled
from cartio_gateway import tables as t
from cartio_gateway.context import Gateway, gateway
from cartio_gateway.domain import missing_scopes
from cartio_gateway.errors import PageError
from cartio_gateway.registration import RegistrationFailed, ensure_registered
from cartio_gateway.sessions import revoke_sessions, set_session_cookie, start_session
from cartio_platform.logging import get_logger
from cartio_platform.security import new_install_nonce

log = get_logger(__name__)

router = APIRouter(prefix="/bigcommerce", include_in_schema=False)

RETRY_HINT = "Installing Cartio again retries every step; nothing is registered twice."
OPEN_HINT = "Open Cartio again from your BigCommerce control panel (Apps > My Apps > Cartio)."


# --- install ------------------------------------------------------------------------------------------------


@router.get("/auth")
async def install(
    request: Request, code: str | None = None, scope: str | None = None, context: str | None = None
) -> Response:
    gw = gateway(request)
    settings = gw.settings
    if not code or not context:
        raise PageError(400, "Install request incomplete",
                        "The install request from BigCommerce lacks its code or store context.",
                        hint="Start the installation again from the BigCommerce control panel.")
    try:
        store_hash = store_hash_from_context(context)
    except ValueError:
        raise PageError(400, "Install request not understood",
                        "The store context of the install request is not valid.",
                        hint="Start the installation again from the BigCommerce control panel.") from None
    _check_scopes(scope or "", settings.required_scopes)

    token = await _exchange(gw, code=code, context=context, scope=scope or "")
    if token.store_hash != store_hash:
        log.error("token exchange answered for another store", store_hash=store_hash, other=token.store_hash)
        raise PageError(502, "Installation failed", "BigCommerce answered the install for another store.",
                        hint=RETRY_HINT)
    _check_scopes(token.scope, settings.required_scopes)

    # Remote steps first: the store is only recorded as installed once BigCommerce holds our hooks and script.
    client = gw.bigcommerce(store_hash, token.access_token)
    # Every install has a webhook secret of its own: the hooks' headers change now, the old secret dies.
    nonce = new_install_nonce()
    await _save_pending_nonce(gw, store_hash, nonce)
    try:
        changes = await ensure_registered(client, settings, nonce)
    except RegistrationFailed as exc:
        log.error("install: registration failed", store_hash=store_hash, step=exc.step, error=str(exc.cause),
                  done=exc.done)
        done = exc.done or ["nothing was changed in your store"]
        raise PageError(
            503 if isinstance(exc.cause, Transient) else 502,
            "Installation not finished",
            f"Cartio could not finish {exc.step}: BigCommerce answered “{exc.cause.title}”.",
            hint=RETRY_HINT,
            details=[f"Done before the failure: {d}" for d in done],
        ) from exc

    info = await _store_information(client)
    owner = token.owner or token.user
    now = datetime.now(UTC)
    try:
        async with gw.runtime.unit(store_hash) as unit:
            db = unit.session
            await _save_store(gw, db, token, store_hash, now, info)
            # The hooks carry the new secret now: it is the current one (a newer install's pending one stays).
            pending = t.stores.c.webhook_nonce_pending
            await db.execute(sa.update(t.stores).where(t.stores.c.store_hash == store_hash).values(
                webhook_nonce=nonce, webhook_nonce_pending=sa.case((pending == nonce, None), else_=pending)))
            await _upsert_user(db, store_hash, owner.id, owner.email, role="owner")
            await db.execute(
                sa.update(t.users)
                .where(t.users.c.store_hash == store_hash, t.users.c.role == "owner", t.users.c.user_id != owner.id)
                .values(role="user")
            )
            if token.user.id != owner.id:
                await _upsert_user(db, store_hash, token.user.id, token.user.email, role="user")
            await unit.emit(StoreInstalled(
                scope=token.scope,
                access_token_encrypted=gw.cipher.encrypt(token.access_token),
                owner_email=owner.email,
                installed_at=now,
                store_name=info.name if info else None,
                timezone=info.timezone.name if info and info.timezone else None,
                currency=info.currency if info else None,
                webhook_nonce=nonce,
            ))
            session_id = await start_session(db, settings, store_hash, token.user.id)
    except Exception as exc:
        log.error("install: saving the store failed", store_hash=store_hash, error=str(exc))
        raise PageError(503, "Installation not finished",
                        "Your store's webhooks and storefront script are registered, but Cartio could not save "
                        "the installation.", hint=RETRY_HINT) from exc
    log.info("store installed", store_hash=store_hash, user_id=token.user.id, changes=changes)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, settings, gw.signer, session_id)
    return response


async def _save_pending_nonce(gw: Gateway, store_hash: str, nonce: str) -> None:
    """Before the hooks' headers are rewritten with the new install's secret: BigCommerce sends it from the first
    rewritten hook on, while this install is not saved yet, so ingest (which asks `/internal/webhook-secrets` on a
    mismatch) must be able to learn it. A store the gateway does not know yet has no row to keep it in: its hooks
    are new, and ingest refuses its webhooks until the install is saved, as before."""
    try:
        async with gw.db() as db, db.begin():
            await db.execute(sa.update(t.stores).where(t.stores.c.store_hash == store_hash)
                             .values(webhook_nonce_pending=nonce))
    except Exception as exc:
        log.error("install: saving the new webhook secret failed", store_hash=store_hash, error=str(exc))
        raise PageError(503, "Installation not finished", "Cartio could not save the installation.",
                        hint="Nothing was changed in your store. " + RETRY_HINT) from exc


def _check_scopes(granted: str, required: list[str]) -> None:
    missing = missing_scopes(granted, required)
    if missing:
        raise PageError(
            400, "Permissions missing",
            "Cartio needs every permission it asks for, and these were not granted:",
            hint="Approve all of Cartio's permissions when installing, then install again.",
            details=missing,
        )


async def _store_information(client: BigCommerceClient) -> StoreInformation | None:
    """The store's name, time zone and currency for store.installed; without them (BigCommerce failing) the
    install still goes on: reports count days in UTC and emails lack the store's name until the next install."""
    try:
        return await client.get_store_information()
    except BigCommerceError as exc:
        log.warning("install: store information unavailable", store_hash=client.store_hash, error=str(exc))
        return None


async def _exchange(gw: Gateway, *, code: str, context: str, scope: str) -> TokenResponse:
    settings = gw.settings
    try:
        return await exchange_code(
            login_url=settings.bc_login_url,
            client_id=settings.bc_client_id,
            client_secret=settings.bc_client_secret.get_secret_value(),
            code=code,
            context=context,
            scope=scope,
            redirect_uri=settings.auth_callback_url,
            http=gw.bc_http,
        )
    except Transient as exc:
        log.warning("install: token exchange failed", context=context, error=str(exc))
        raise PageError(503, "Installation not finished",
                        "BigCommerce could not be reached to confirm the installation.",
                        hint="Nothing was changed in your store. " + RETRY_HINT) from exc
    except BigCommerceError as exc:
        log.warning("install: token exchange refused", context=context, status=exc.status, error=exc.title)
        raise PageError(502, "Installation not finished",
                        f"BigCommerce refused to confirm the installation (“{exc.title}”).",
                        hint="Nothing was changed in your store. " + RETRY_HINT) from exc


async def _save_store(gw: Gateway, db: AsyncSession, token: TokenResponse, store_hash: str, now: datetime,
                      info: StoreInformation | None) -> None:
    owner = token.owner or token.user
    values: dict[str, Any] = {
        "access_token_encrypted": gw.cipher.encrypt(token.access_token),
        "scope": token.scope,
        "owner_id": owner.id,
        "owner_email": owner.email,
        "active": True,
        "installed_at": now,
        "uninstalled_at": None,
        "purge_after": None,
    }
    if info and info.timezone and info.timezone.name:
        # For /api/me: the app shows exact times in the store's zone; without the information it keeps the last.
        values["timezone"] = info.timezone.name
    stmt = pg_insert(t.stores).values(store_hash=store_hash, **values)
    await db.execute(stmt.on_conflict_do_update(index_elements=[t.stores.c.store_hash], set_=values))


async def _upsert_user(db: AsyncSession, store_hash: str, user_id: int, email: str | None, *, role: str) -> None:
    """Add the user, or bring back a removed one; the email follows what BigCommerce says now."""
    values: dict[str, Any] = {"role": role, "removed_at": None, "last_seen_at": sa.func.now()}
    if email:
        values["email"] = email
    stmt = pg_insert(t.users).values(store_hash=store_hash, user_id=user_id, email=email, role=role,
                                     last_seen_at=sa.func.now())
    await db.execute(
        stmt.on_conflict_do_update(index_elements=[t.users.c.store_hash, t.users.c.user_id], set_=values)
    )


# --- signed payload callbacks ------------------------------------------------------------------------------


def _verify(gw: Gateway, token: str | None) -> SignedPayload:
    if not token:
        raise PageError(401, "Not signed", "This request does not carry BigCommerce's signature.", hint=OPEN_HINT)
    try:
        return verify_signed_payload_jwt(
            token,
            client_secret=gw.settings.bc_client_secret.get_secret_value(),
            client_id=gw.settings.bc_client_id,
            leeway_s=gw.settings.jwt_leeway,
        )
    except InvalidSignedPayload as exc:
        log.warning("signed payload refused", reason=exc.reason)
        raise PageError(401, "Link not valid", f"BigCommerce's signature on this request is not valid ({exc.reason}).",
                        hint=OPEN_HINT) from exc


async def _claim_jti(db: AsyncSession, payload: SignedPayload) -> None:
    """Remember the token's id until it expires; a token presented a second time is refused."""
    stmt = (
        pg_insert(t.used_jtis)
        .values(jti=payload.jti, store_hash=payload.store_hash, exp=datetime.fromtimestamp(payload.exp, UTC))
        .on_conflict_do_nothing()
        .returning(t.used_jtis.c.jti)
    )
    if (await db.execute(stmt)).first() is None:
        log.warning("signed payload replayed", store_hash=payload.store_hash)
        raise PageError(401, "Link already used", "This link to Cartio was used before and cannot be used again.",
                        hint=OPEN_HINT)


async def _store_row(db: AsyncSession, store_hash: str, *, for_update: bool = False) -> Any:
    query = sa.select(t.stores).where(t.stores.c.store_hash == store_hash)
    if for_update:
        query = query.with_for_update()
    return (await db.execute(query)).first()


async def _refuse_if_removed_since(db: AsyncSession, payload: SignedPayload) -> None:
    """A link BigCommerce signed before it removed the user is refused: a load link stays valid for 24 h, and a
    leaver may have kept one. Only a link signed at or after the removal (BigCommerce re-added them) gets in.
    Both times are BigCommerce's clock (the removal is stored as its remove_user payload's `iat`)."""
    u = t.users
    removed_at = (await db.execute(
        sa.select(u.c.removed_at).where(u.c.store_hash == payload.store_hash, u.c.user_id == payload.user.id)
    )).scalar_one_or_none()
    if removed_at is not None and payload.iat < removed_at.timestamp():
        log.warning("load refused: link signed before the user was removed", store_hash=payload.store_hash,
                    user_id=payload.user.id)
        raise PageError(403, "Access removed", "Your access to Cartio in this store was removed after this link "
                        "was made.", hint="Ask the store owner to give you access again, then open Cartio from "
                        "the control panel.")


@router.get("/load")
async def load(request: Request, signed_payload_jwt: str | None = None) -> Response:
    gw = gateway(request)
    payload = _verify(gw, signed_payload_jwt)
    store_hash = payload.store_hash
    async with gw.db() as db, db.begin():
        store = await _store_row(db, store_hash)
        if store is None or not store.active:
            raise PageError(401, "Cartio is not installed",
                            "Cartio is not installed in this store (or was uninstalled).",
                            hint="Install Cartio from the BigCommerce marketplace, then open it from the control "
                                 "panel.")
        await _claim_jti(db, payload)
        await _refuse_if_removed_since(db, payload)
        role = "owner" if payload.user.id == store.owner_id else "user"
        await _upsert_user(db, store_hash, payload.user.id, payload.user.email, role=role)
        session_id = await start_session(db, gw.settings, store_hash, payload.user.id)
        encrypted, nonce = store.access_token_encrypted, store.webhook_nonce
    log.info("app loaded", store_hash=store_hash, user_id=payload.user.id)
    if encrypted:
        await _repair(gw, store_hash, encrypted, nonce)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, gw.settings, gw.signer, session_id)
    return response


async def _repair(gw: Gateway, store_hash: str, encrypted: str, nonce: str | None) -> None:
    """Check the store's hooks and script and put back what is missing; never fails the load."""
    try:
        client = gw.bigcommerce(store_hash, gw.cipher.decrypt(encrypted), max_retries=1)
        await asyncio.wait_for(ensure_registered(client, gw.settings, nonce), gw.settings.repair_timeout)
    except RegistrationFailed as exc:
        log.warning("load: could not check or repair registration", store_hash=store_hash, step=exc.step,
                    error=str(exc.cause), done=exc.done)
    except TimeoutError:
        log.warning("load: registration check timed out", store_hash=store_hash)
    except Exception as exc:
        log.warning("load: registration check failed", store_hash=store_hash, error=str(exc))


@router.get("/uninstall")
async def uninstall(request: Request, signed_payload_jwt: str | None = None) -> Response:
    gw = gateway(request)
    payload = _verify(gw, signed_payload_jwt)
    store_hash = payload.store_hash
    now = datetime.now(UTC)
    purge_after = now + timedelta(seconds=gw.settings.uninstall_grace)
    async with gw.runtime.unit(store_hash) as unit:
        db = unit.session
        await _claim_jti(db, payload)
        store = await _store_row(db, store_hash, for_update=True)
        if store is None or not store.active:
            log.info("uninstall of a store not installed", store_hash=store_hash)
            return PlainTextResponse("not installed")
        await db.execute(
            sa.update(t.stores)
            .where(t.stores.c.store_hash == store_hash)
            .values(active=False, access_token_encrypted=None, uninstalled_at=now, purge_after=purge_after)
        )
        revoked = await revoke_sessions(db, store_hash)
        await unit.emit(StoreUninstalled(uninstalled_at=now, purge_after=purge_after))
    log.info("store uninstalled", store_hash=store_hash, sessions_revoked=revoked, purge_after=purge_after.isoformat())
    return PlainTextResponse("uninstalled")


@router.get("/remove_user")
async def remove_user(request: Request, signed_payload_jwt: str | None = None) -> Response:
    gw = gateway(request)
    payload = _verify(gw, signed_payload_jwt)
    store_hash = payload.store_hash
    async with gw.db() as db, db.begin():
        await _claim_jti(db, payload)
        # Recorded even for a user never seen, so that an old link of theirs is refused too (see load).
        removed_at = datetime.fromtimestamp(payload.iat, UTC)
        await db.execute(
            pg_insert(t.users)
            .values(store_hash=store_hash, user_id=payload.user.id, email=payload.user.email, role="user",
                    removed_at=removed_at)
            .on_conflict_do_update(index_elements=[t.users.c.store_hash, t.users.c.user_id],
                                   set_={"removed_at": removed_at})
        )
        revoked = await revoke_sessions(db, store_hash, payload.user.id)
    log.info("user removed", store_hash=store_hash, user_id=payload.user.id, sessions_revoked=revoked)
    return PlainTextResponse("removed")
