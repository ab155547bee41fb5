"""Staff sending a cart to the shopper: the cart as the merchant sees it, with a fresh checkout link, once per
Idempotency-Key (the notifier sends the email when it takes `notifier.send_cart`)."""

from __future__ import annotations

import hashlib
import json
import uuid

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_bigcommerce import BigCommerceClient, InvalidRequest, NotFound, RateLimited, RedirectUrls, Transient
from cartio_contracts.messages import SendCart
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain, queries
from .domain.errors import CommitThen, Refused, bigcommerce_unavailable, cart_gone, key_reused
from .service import Row
from .staff import StaffActions
from .tables import carts, send_requests
from .views import Notification, SendResult

log = get_logger(__name__)


class Sending(StaffActions):
    async def send(self, store_hash: str, cart_id: uuid.UUID, actor: str, *, email: str | None,
                   message: str | None, key: str | None = None) -> SendResult:
        """Email the cart as the merchant sees it, with a fresh checkout link; once per Idempotency-Key.

        With a key, the command's id comes from the key (`SendCart.command_id`) and the answer is kept with it,
        so a repeat (a double click, a retry after a timeout) gets the same answer and sends nothing more.
        """
        service = self.service
        request_hash = hashlib.sha256(
            json.dumps({"cart_id": str(cart_id), "email": email, "message": message}, sort_keys=True).encode()
        ).hexdigest()
        client = await service.clients.get(store_hash)
        async with self._locked(store_hash, cart_id) as unit:
            if key is not None:
                earlier = await queries.earlier_send(unit.session, store_hash, key)
                if earlier is not None:
                    if earlier.request_hash != request_hash:
                        raise key_reused("send")
                    return SendResult.model_validate({**earlier.result, "replayed": True})
            row = self._alive(await service.get_row(unit, cart_id))
            recipient = email or row["email"]
            if not recipient:
                raise Refused("recipient_missing",
                              "The cart has no email address: give the shopper's email in the request")
            recipient = _valid_email(recipient)
            try:
                target_id, urls = await self._checkout_link(unit, client, row, actor)
            except NotFound:
                await service.mark(unit, cart_id, "deleted", actor="bigcommerce", reason="unknown", locked=True)
                raise CommitThen(cart_gone()) from None
            except (Transient, RateLimited):
                raise bigcommerce_unavailable() from None
            except InvalidRequest as exc:
                raise Refused("cart_not_sendable",
                              f"BigCommerce could not make a checkout link: {exc.detail or exc.title}") from None
            # The merchant's own cart (re-read while making the link), not the copy the link opens.
            current = await service.get_row(unit, cart_id)
            assert current is not None
            command = SendCart(cart=domain.snapshot(current), recipient=recipient, checkout_url=urls.checkout_url,
                               message=message, requested_by=actor, checkout_cart_id=target_id,
                               store_name=await queries.store_name(unit.session, store_hash))
            command_id = SendCart.command_id(store_hash, cart_id, key) if key is not None else None
            envelope = await unit.emit(command, message_id=command_id)
            detail = {"recipient": recipient, "link_cart_id": str(target_id), "command_id": str(envelope.message_id)}
            await service.timeline(unit, cart_id, actor=actor, action="sent_to_shopper", detail=detail)
            if target_id != cart_id:
                await service.timeline(unit, target_id, actor=actor, action="sent_to_shopper", detail=detail)
            result = SendResult(
                notification=Notification(id=str(envelope.message_id), status="queued", recipient=recipient,
                                          message=message, requested_by=actor),
                checkout_url=urls.checkout_url,
                cart_url=urls.cart_url,
                recipient=recipient,
                cart_id=str(cart_id),
                link_cart_id=str(target_id),
            )
            if key is not None:
                await self._keep_send(unit, key, cart_id, request_hash, envelope.message_id, result)
        log.info("cart sent to shopper", store_hash=store_hash, cart_id=str(cart_id), link_cart=str(target_id),
                 actor=actor, command_id=str(envelope.message_id))
        return result

    @staticmethod
    async def _keep_send(unit: Unit, key: str, cart_id: uuid.UUID, request_hash: str, command_id: uuid.UUID,
                         result: SendResult) -> None:
        kept = (await unit.session.execute(
            pg_insert(send_requests).values(store_hash=unit.store_hash, idempotency_key=key, cart_id=cart_id,
                                            request_hash=request_hash, command_id=command_id,
                                            result=result.model_dump(mode="json", exclude={"replayed"}))
            .on_conflict_do_nothing().returning(send_requests.c.idempotency_key)
        )).first()
        if kept is None:
            # The same key was used at the same moment for another cart (one cart's sends are serialised).
            raise key_reused("send")

    async def _checkout_link(
        self, unit: Unit, client: BigCommerceClient, row: Row, actor: str
    ) -> tuple[uuid.UUID, RedirectUrls]:
        """A fresh checkout link. A cart the storefront made cannot mint one (doc 5.3): it is re-created
        through the Management API with the same lines (variant, options, a changed price), customer and
        currency, and the link is the new cart's. The merchant's cart is refreshed from the same read, so the
        email shows what the link opens. Returns (cart id the link opens, redirect URLs)."""
        service, store_hash = self.service, unit.store_hash
        cart_id: uuid.UUID = row["cart_id"]
        if row["source_cart_id"] is not None:
            return cart_id, await client.create_redirect_urls(str(cart_id))
        current = await client.get_cart(str(cart_id))
        await service.refresh(unit, client, cart_id, cart=current)
        lines = domain.recreated_lines(current)
        if not lines:
            raise Refused("cart_not_sendable", "The cart has no catalog items to send")
        new = await client.create_cart(
            lines, customer_id=current.customer_id, channel_id=current.channel_id or 1,
            currency=current.currency.code if current.currency else None, include_redirect_urls=True,
            locale=current.locale,
        )
        urls = new.redirect_urls or await client.create_redirect_urls(new.id)
        new_id = uuid.UUID(new.id)
        view = await service.fetch_view(client, new_id, stored=None, cart=new)
        if view is None:
            raise NotFound(404, "The re-created cart vanished")
        await service.lock(unit, new_id)
        # Its own webhook may have brought the new cart in already: apply on what is stored, then link it.
        stored = await service.get_row(unit, new_id)
        await service.apply_view(unit, view, actor=actor, locked=True, stored=stored)
        await unit.session.execute(
            carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == new_id).values(
                source_cart_id=cart_id, email=sa.func.coalesce(carts.c.email, row["email"]),
                name=sa.func.coalesce(carts.c.name, row["name"]), session_id=row["session_id"], ip=row["ip"],
                country=row["country"], browser=row["browser"], user_agent=row["user_agent"],
            )
        )
        await service.timeline(unit, new_id, actor=actor, action="recreated_from", detail={"cart_id": str(cart_id)})
        await unit.session.execute(
            carts.update().where(carts.c.store_hash == store_hash, carts.c.cart_id == cart_id)
            .values(recreated_as=new_id)
        )
        await service.timeline(unit, cart_id, actor=actor, action="recreated_for_sending",
                               detail={"new_cart_id": str(new_id)})
        return new_id, urls


def _valid_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Refused("invalid_email", f"{value!r} is not a valid email address: {exc}") from None
