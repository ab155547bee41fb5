"""The sample of carts' `search` texts that the list's text filter weighs its trigrams by (domain.search).

One per process. The first filtered listing waits for it; after `max_age` it is read again in the background
while the listings go on with the one they have (a few pages of the table and counting their trigrams: tens of
milliseconds, in a worker thread so the event loop keeps serving). The filter's answer never depends on it, only
the work PostgreSQL does for it.
"""

from __future__ import annotations

import asyncio
import time

from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

from . import queries
from .domain.search import Sample

log = get_logger(__name__)


class SearchSampler:
    def __init__(self, *, rows: int = 2000, max_age: float = 600.0) -> None:
        self.rows = rows
        self.max_age = max_age
        self._sample: Sample | None = None
        self._taken_at = 0.0
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    async def sample(self, db: SessionMaker) -> Sample:
        if self._sample is None:
            async with self._lock:  # the first read: one at a time, the requests that waited for it use it
                if self._sample is None:
                    await self._read(db)
        elif time.monotonic() - self._taken_at >= self.max_age and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._read_quietly(db))
        assert self._sample is not None
        return self._sample

    async def _read(self, db: SessionMaker) -> None:
        async with db() as session:
            texts = await queries.search_texts(session, self.rows)
        self._sample = await asyncio.to_thread(Sample.of, texts)
        self._taken_at = time.monotonic()

    async def _read_quietly(self, db: SessionMaker) -> None:
        try:
            await self._read(db)
        except Exception as exc:  # the old sample serves on; the next listing after max_age tries again
            log.warning("search sample not read again", error=str(exc))
            self._taken_at = time.monotonic()
