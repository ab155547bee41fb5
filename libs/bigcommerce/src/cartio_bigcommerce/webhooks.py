"""The body BigCommerce POSTs to a webhook destination (bigcommerce-api.md 4.2): its one definition.

Validated strictly, as it comes from outside: no type coercion except ``store_id`` (BigCommerce sends it as a
string or a number); ``producer`` must be ``stores/{hash}``; unknown top-level fields are ignored. ``created_at``
stays unix seconds as sent (the wire form that messages carry on); ``created_time`` is the aware datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .store_hash import STORE_CONTEXT_PATTERN, store_hash_from_context

SCOPE_PATTERN = r"^store/[A-Za-z0-9_/*{}.-]+$"


def _store_id_as_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("store_id must be a string or an integer")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError("store_id must be a non-empty string or an integer")


class WebhookPayload(BaseModel):
    """A webhook callback body: thin (scope and ids), signed by nothing but the destination's headers."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    scope: Annotated[str, Field(strict=True, min_length=3, max_length=200, pattern=SCOPE_PATTERN)]
    store_id: Annotated[str, BeforeValidator(_store_id_as_text), Field(min_length=1, max_length=32)]
    producer: Annotated[str, Field(strict=True, pattern=STORE_CONTEXT_PATTERN)]
    data: Annotated[dict[str, Any], Field(strict=True)]
    # SHA-1 of `data`: two updates of one cart share it, so it never identifies an event on its own.
    hash: Annotated[str, Field(strict=True, min_length=1, max_length=128)]
    created_at: Annotated[int, Field(strict=True, ge=0)]

    @property
    def store_hash(self) -> str:
        return store_hash_from_context(self.producer)

    @property
    def created_time(self) -> datetime:
        return datetime.fromtimestamp(self.created_at, UTC)

    @property
    def created_at_unix(self) -> int:
        return self.created_at

    @property
    def resource_id(self) -> str | None:
        """``data.id`` as text (cart UUID, line item id, order id...), when present."""
        value = self.data.get("id")
        return None if value is None else str(value)
