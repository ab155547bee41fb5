"""The app's footprint in a store: its webhooks and its storefront script, registered idempotently."""

from __future__ import annotations

from cartio_bigcommerce import BigCommerceClient, BigCommerceError
from cartio_gateway.domain import (
    CreateHook,
    CreateScript,
    DeleteHook,
    DeleteScript,
    ExistingHook,
    ExistingScript,
    UpdateHook,
    UpdateScript,
    WantedHook,
    plan_hooks,
    plan_script,
    wanted_script,
)
from cartio_gateway.settings import Settings
from cartio_platform.logging import get_logger
from cartio_platform.security import WEBHOOK_SECRET_HEADER, webhook_secret

log = get_logger(__name__)


class RegistrationFailed(Exception):
    """A remote step failed. `step` says which; `done` lists the changes made before it (all idempotent)."""

    def __init__(self, step: str, cause: BigCommerceError, done: list[str]) -> None:
        self.step = step
        self.cause = cause
        self.done = list(done)
        super().__init__(f"{step}: {cause}")


def wanted_hooks(settings: Settings, store_hash: str, nonce: str | None) -> list[WantedHook]:
    """Every hook carries the secret of the store's current install (`nonce`): a reinstall rotates it."""
    headers = {WEBHOOK_SECRET_HEADER: webhook_secret(settings.webhook_key.get_secret_value(), store_hash, nonce)}
    return [WantedHook(scope, settings.hook_destination, headers) for scope in settings.hook_scopes]


async def ensure_hooks(client: BigCommerceClient, settings: Settings, nonce: str | None, done: list[str]) -> None:
    try:
        existing = [
            ExistingHook(h.id, h.scope, h.destination, h.is_active, h.headers) for h in await client.list_hooks()
        ]
        for action in plan_hooks(existing, wanted_hooks(settings, client.store_hash, nonce)):
            if isinstance(action, CreateHook):
                await client.create_hook(action.scope, action.destination, action.headers)
                done.append(f"webhook {action.scope} created")
            elif isinstance(action, UpdateHook):
                await client.update_hook(action.id, **action.fields)
                done.append(f"webhook {action.scope} repaired ({', '.join(sorted(action.fields))})")
            elif isinstance(action, DeleteHook):
                await client.delete_hook(action.id)
                done.append(f"stale webhook {action.scope} → {action.destination} deleted")
    except BigCommerceError as exc:
        raise RegistrationFailed("registering the webhooks", exc, done) from exc


async def ensure_script(client: BigCommerceClient, settings: Settings, done: list[str]) -> None:
    wanted = wanted_script(settings.script_src(client.store_hash))
    prefix = settings.script_src("").split("?", 1)[0]
    try:
        existing = [
            ExistingScript(s.uuid, s.model_dump(exclude={"uuid"})) for s in await client.list_scripts()
        ]
        for action in plan_script(existing, wanted, src_prefix=prefix):
            if isinstance(action, CreateScript):
                await client.create_script(**action.fields)
                done.append("storefront script created")
            elif isinstance(action, UpdateScript):
                await client.update_script(action.uuid, **action.fields)
                done.append(f"storefront script repaired ({', '.join(sorted(action.fields))})")
            elif isinstance(action, DeleteScript):
                await client.delete_script(action.uuid)
                done.append("duplicate storefront script deleted")
    except BigCommerceError as exc:
        raise RegistrationFailed("registering the storefront script", exc, done) from exc


async def ensure_registered(client: BigCommerceClient, settings: Settings, nonce: str | None) -> list[str]:
    """Hooks (with the secret of the install whose `nonce` is given), then the script; returns what changed
    (empty when everything was in place)."""
    done: list[str] = []
    await ensure_hooks(client, settings, nonce, done)
    await ensure_script(client, settings, done)
    if done:
        log.info("store registration changed", store_hash=client.store_hash, changes=done)
    return done
