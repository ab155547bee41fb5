"""The store hash: the one definition of its shape, for every service, message and route.

BigCommerce names a store by a short lowercase hash (``ab12cd3ef4``), seen as ``{hash}`` in API paths and as
``stores/{hash}`` in contexts, token subjects and webhook producers.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

STORE_HASH_MAX_LENGTH = 32
_HASH = rf"[a-z0-9]{{1,{STORE_HASH_MAX_LENGTH}}}"
STORE_HASH_PATTERN = rf"^{_HASH}$"
"""A store hash alone: lowercase letters and digits, 1 to 32 of them."""
STORE_CONTEXT_PATTERN = rf"^stores/{_HASH}$"
"""``stores/{hash}``: an OAuth context, a signed payload's ``sub``, a webhook's ``producer``."""

StoreHash = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=STORE_HASH_MAX_LENGTH, pattern=STORE_HASH_PATTERN)
]
"""A pydantic field type for a store hash (no coercion: a number is not a store hash)."""

_STORE_HASH_RE = re.compile(_HASH)
_CONTEXT_RE = re.compile(rf"stores/({_HASH})")


def is_store_hash(value: object) -> bool:
    """For checks outside pydantic (a path or query parameter, a header).

    Use this rather than ``re.match(STORE_HASH_PATTERN, ...)``: Python's ``$`` also matches before a final newline.
    """
    return isinstance(value, str) and _STORE_HASH_RE.fullmatch(value) is not None


def store_hash_from_context(context: str) -> str:
    """``"stores/ab12cd"`` -> ``"ab12cd"``; ValueError on anything else."""
    match = _CONTEXT_RE.fullmatch(context.strip())
    if match is None:
        raise ValueError(f"not a store context: {context!r}")
    return match.group(1)
