"""Store information (v2 ``/store``; scope ``store_v2_information_read_only``)."""

from __future__ import annotations

from ..models.store import StoreInformation
from ..transport import Transport

__all__ = ["StoreApi"]


class StoreApi(Transport):
    """The store's own settings."""

    async def get_store_information(self) -> StoreInformation:
        """Name, time zone (``timezone.name`` is the IANA name) and default currency of the store."""
        return self._parse(StoreInformation, await self._v2("GET", "/store"))
