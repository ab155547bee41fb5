"""What every service's internal API reads the same way: the staff member the gateway says is acting."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

SYSTEM_ACTOR = "system"


async def actor_of(x_cartio_actor: Annotated[str | None, Header()] = None) -> str:
    """The acting staff member's email from `X-Cartio-Actor` (at most 254 characters), else `system`."""
    actor = (x_cartio_actor or "").strip()
    return actor[:254] if actor else SYSTEM_ACTOR


Actor = Annotated[str, Depends(actor_of)]
"""A route parameter: the acting staff member."""
