"""Test fixtures shared by every package: real PostgreSQL and RabbitMQ, one database and namespace per run.

URLs come from `CARTIO_TEST_POSTGRES_URL` and `CARTIO_TEST_AMQP_URL` (the Makefile sets them to the local
servers); without them, testcontainers starts both when a Docker engine answers; otherwise the run fails
with a clear message. Nothing is ever skipped silently.

Load it with `pytest_plugins = ["cartio_platform.testing"]` in a conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from sqlalchemy import make_url

from cartio_platform.db import drop_database, ensure_database

# The tests run in development mode, which accepts the public development secrets (docs/deploy-bigcommerce.md);
# the settings they build in-process and the processes they start (which inherit it) read it.
os.environ.setdefault("CARTIO_ENVIRONMENT", "development")


@dataclass(frozen=True)
class Infra:
    postgres_url: str  # a server URL (postgresql+asyncpg://user@host:port/postgres)
    amqp_url: str


def _docker_answers() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    return subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False).returncode == 0


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    pg = os.environ.get("CARTIO_TEST_POSTGRES_URL")
    amqp = os.environ.get("CARTIO_TEST_AMQP_URL")
    if pg and amqp:
        yield Infra(pg, amqp)
        return
    if not _docker_answers():
        pytest.fail(
            "No PostgreSQL/RabbitMQ for tests: set CARTIO_TEST_POSTGRES_URL and CARTIO_TEST_AMQP_URL "
            "(`make test` does, after starting the local servers), or run where a Docker engine answers.",
            pytrace=False,
        )
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer

    with PostgresContainer("postgres:15", driver="asyncpg") as pgc, RabbitMqContainer("rabbitmq:3.10") as mq:
        params = mq.get_connection_params()
        yield Infra(
            pgc.get_connection_url(),
            f"amqp://guest:guest@{params.host}:{params.port}/",
        )


def database_url_for(infra: Infra, name: str) -> str:
    return str(make_url(infra.postgres_url).set(database=name).render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def namespace(run_id: str, infra: Infra) -> Iterator[str]:
    """A broker namespace of this test run; its queues are deleted at the end."""
    ns = f"t{run_id}"
    yield ns
    asyncio.run(delete_namespace(infra.amqp_url, ns))


async def delete_namespace(amqp_url: str, ns: str, timeout: float = 45) -> None:
    """Delete every queue and exchange whose name starts with `ns.` (sub-namespaces included).

    Best effort within `timeout`: a broker just restarted (the fault tests) can be slow to answer, and a cleanup
    must not hang the run; the session's end sweeps the run's whole namespace again.
    """
    try:
        await asyncio.wait_for(_delete_namespace(amqp_url, ns), timeout)
    except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
        print(f"cleanup of {ns}.* on the broker left for the session's end: {exc!r}", file=sys.stderr)


async def _delete_namespace(amqp_url: str, ns: str) -> None:
    queues = await asyncio.to_thread(_list_names, "list_queues", ns)
    exchanges = await asyncio.to_thread(_list_names, "list_exchanges", ns)
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        for name in queues:
            channel = await connection.channel()  # a failed delete closes its channel
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
        for name in exchanges:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)
    finally:
        await connection.close()


def _list_names(command: str, ns: str) -> list[str]:
    """Names of the broker's queues or exchanges under `ns` (rabbitmqctl, where the broker is local)."""
    ctl = shutil.which("rabbitmqctl")
    if not ctl:
        return [f"{ns}.webhooks", f"{ns}.events", f"{ns}.unrouted"] if command == "list_exchanges" else []
    out = subprocess.run([ctl, command, "-q", "name"], capture_output=True, text=True, timeout=60, check=False)
    return [line.strip() for line in out.stdout.splitlines() if line.strip().startswith(ns + ".")]


class TempDatabases:
    """Creates databases named after the run; drops them all at the end."""

    def __init__(self, infra: Infra, run_id: str) -> None:
        self.infra = infra
        self.run_id = run_id
        self.urls: list[str] = []

    async def create(self, label: str) -> str:
        url = database_url_for(self.infra, f"t{self.run_id}_{label}_{uuid.uuid4().hex[:6]}")
        await ensure_database(url)
        self.urls.append(url)
        return url

    async def drop_all(self) -> None:
        for url in self.urls:
            await drop_database(url)


@pytest.fixture(scope="session")
async def databases(infra: Infra, run_id: str) -> AsyncIterator[TempDatabases]:
    dbs = TempDatabases(infra, run_id)
    yield dbs
    await dbs.drop_all()


def free_port() -> int:
    """A port nothing listens on, for a process about to start, chosen at random below the kernel's ephemeral
    range: a port the kernel hands out for `bind(0)` is handed out again to the next asker (another test run
    on the machine) once freed, and outgoing connections take ports from that range too, so a service started
    a few seconds later could find its port taken (seen in CI: "address already in use" for a minute)."""
    low, _ = _ephemeral_range()
    for _attempt in range(100 if low > 11_000 else 0):
        port = random.randrange(10_000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # an unusual ephemeral range: the kernel's choice after all
        s.bind(("127.0.0.1", 0))
        chosen: int = s.getsockname()[1]
        return chosen


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


async def wait_until(predicate: Any, *, timeout: float = 10.0, interval: float = 0.05, what: str = "condition") -> Any:
    """Poll `predicate` (sync or async) until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {last!r}")


@dataclass
class Process:
    """A Cartio process started as `python -m <module> serve`, with its output in a log file."""

    name: str
    module: str
    port: int
    env: dict[str, str]
    log_dir: Path
    args: list[str] = field(default_factory=lambda: ["serve"])
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self) -> None:
        env = {**os.environ, **self.env}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args], env=env, stdout=out, stderr=subprocess.STDOUT
        )

    @property
    def operator_headers(self) -> dict[str, str]:
        """What /readyz and /metrics need: the service token the process was given (else the development one)."""
        token = self.env.get("CARTIO_SERVICE_TOKEN") or os.environ.get("CARTIO_SERVICE_TOKEN") or "dev-service-token"
        return {"Authorization": f"Bearer {token}"}

    async def wait_ready(self, path: str = "/readyz", timeout: float = 60.0) -> None:
        async with httpx.AsyncClient(headers=self.operator_headers) as client:

            async def ready() -> bool:
                if self.proc is not None and self.proc.poll() is not None:
                    raise AssertionError(f"{self.name} exited: {self.tail()}")
                try:
                    return (await client.get(self.url + path, timeout=1.0)).status_code == 200
                except httpx.HTTPError:
                    return False

            try:
                await wait_until(ready, timeout=timeout, interval=0.1, what=f"{self.name} ready")
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n--- {self.name} log ---\n{self.tail()}") from None

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def migrate(module: str, database_url: str) -> None:
    """Run `python -m <module> migrate` against `database_url`."""
    result = subprocess.run(
        [sys.executable, "-m", module, "migrate"],
        env={**os.environ, "CARTIO_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{module} migrate failed:\n{result.stdout}\n{result.stderr}")


@contextlib.asynccontextmanager
async def app_client(app: Any, *, client_ip: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """Run a FastAPI app in-process with its lifespan, and a client that talks to it from `client_ip`."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
