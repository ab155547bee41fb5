"""The fault tests' system: every process real on free ports, one system per test module (each test its own store).

The notifier retries a failed send within a second or so (not minutes), so an SMTP outage ends within a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cartio_platform.testing import Infra, TempDatabases
from cartio_platform.testing.system import System

PROCESS_ENV = {
    "notifier": {"CARTIO_SEND_RETRY_DELAYS": "[0.3, 0.6, 1]", "CARTIO_SEND_INTERVAL": "0.2"},
}


@pytest.fixture(scope="module")
async def fault_system(infra: Infra, namespace: str, databases: TempDatabases, request: pytest.FixtureRequest
                       ) -> AsyncIterator[System]:
    name = "f_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    sys_ = System(infra, f"{namespace}.{name}", databases, name=name,
                  process_env={k: dict(v) for k, v in PROCESS_ENV.items()})
    try:
        await sys_.start()
        yield sys_
    finally:
        await sys_.stop()
