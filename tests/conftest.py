"""Fixtures of the cross-service tests: a running system per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cartio_platform.testing import Infra, TempDatabases
from cartio_platform.testing.system import System


@pytest.fixture(scope="module")
async def system(infra: Infra, namespace: str, databases: TempDatabases, request: pytest.FixtureRequest
                 ) -> AsyncIterator[System]:
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    sys_ = System(infra, f"{namespace}.{name}", databases, name=name)
    try:
        await sys_.start()
        yield sys_
    finally:
        await sys_.stop()
