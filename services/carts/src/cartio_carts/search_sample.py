"""The sample of carts' `search` texts that the list's text filter weighs its trigrams by (domain.search).

One per process, read again when older than `max_age` (a few pages of the table: milliseconds); the filter's
answer never depends on it, only the work PostgreSQL does for it.
"""

from __future__ import annotations

import asyncio
import time

from cartio_platform.db import SessionMaker

from . import queries
from .domain.search import Sample


class SearchSampler:
    def __init__(self, *, rows: int = 2000, max_age: float = 600.0) -> None:
        self.rows = rows
        self.max_age = max_age
        self._sample = Sample()
        self._taken_at: float | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._taken_at is not None and time.monotonic() - self._taken_at < self.max_age

    async def sample(self, db: SessionMaker) -> Sample:
        if self._fresh():
            return self._sample
        async with self._lock:  # one read at a time; the requests that waited for it use it
            if not self._fresh():
                async with db() as session:
                    texts = await queries.search_texts(session, self.rows)
                self._sample, self._taken_at = Sample.of(texts), time.monotonic()
        return self._sample
