"""Webhook subscriptions (v3 ``/hooks``) of this app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models.hooks import Hook, HooksAdmin
from ..transport import Transport, seg

__all__ = ["HooksApi"]


class HooksApi(Transport):
    """This app's webhook subscriptions on a store."""

    async def list_hooks(self, **filters: Any) -> list[Hook]:
        """This app's hooks (all pages); filters ``is_active``, ``scope``, ``destination``."""
        return [self._parse(Hook, item) async for item in self._v3_pages("/hooks", filters)]

    async def hooks_admin(self, **filters: Any) -> HooksAdmin:
        """Deactivated hooks and blocked domains (`GET /v3/hooks/admin`, `data.hooks_list`); filter ``is_active``."""
        return self._parse(HooksAdmin, await self._v3("GET", "/hooks/admin", params=filters or None))

    async def get_hook(self, hook_id: int) -> Hook:
        return self._parse(Hook, await self._v3("GET", f"/hooks/{seg(hook_id)}"))

    async def create_hook(
        self, scope: str, destination: str, headers: Mapping[str, str], is_active: bool = True
    ) -> Hook:
        body = {"scope": scope, "destination": destination, "is_active": is_active, "headers": dict(headers)}
        return self._parse(Hook, await self._v3("POST", "/hooks", body=body, has_body=True))

    async def update_hook(self, hook_id: int, **fields: Any) -> Hook:
        """Update any subset of ``scope``, ``destination``, ``is_active``, ``headers``."""
        return self._parse(Hook, await self._v3("PUT", f"/hooks/{seg(hook_id)}", body=fields, has_body=True))

    async def delete_hook(self, hook_id: int) -> None:
        await self._send("DELETE", f"/v3/hooks/{seg(hook_id)}")
