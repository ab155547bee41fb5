"""Storefront scripts (v3 ``/content/scripts``) of this API account."""

from __future__ import annotations

from typing import Any

from ..models.scripts import Script
from ..transport import Transport, seg

__all__ = ["ScriptsApi"]


class ScriptsApi(Transport):
    """This API account's storefront scripts on a store."""

    async def list_scripts(self) -> list[Script]:
        """Scripts created by this API account (all pages)."""
        return [self._parse(Script, item) async for item in self._v3_pages("/content/scripts")]

    async def get_script(self, uuid: str) -> Script:
        return self._parse(Script, await self._v3("GET", f"/content/scripts/{seg(uuid)}"))

    async def create_script(self, **fields: Any) -> Script:
        """Create a script: ``name``, ``kind``, ``src``/``html``, ``location``, ``visibility``, ``auto_uninstall``,
        ``consent_category``, ``channel_id``, ``load_method``, ``description``, ``enabled``..."""
        return self._parse(Script, await self._v3("POST", "/content/scripts", body=fields, has_body=True))

    async def update_script(self, uuid: str, **fields: Any) -> Script:
        data = await self._v3("PUT", f"/content/scripts/{seg(uuid)}", body=fields, has_body=True)
        return self._parse(Script, data)

    async def delete_script(self, uuid: str) -> None:
        await self._send("DELETE", f"/v3/content/scripts/{seg(uuid)}")
