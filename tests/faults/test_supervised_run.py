"""`make run` supervises: the Procfile's processes under supervisord (scripts/supervise.py) on free ports.

A carts process killed with SIGKILL is started again while the others keep running, and a shopper's cart still
reaches the merchant; `make restart SERVICE=carts` restarts carts alone while the gateway keeps answering.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cartio_platform.db import drop_database, ensure_database
from cartio_platform.testing import Infra, Process, TempDatabases, free_port, migrate, wait_until
from cartio_platform.testing.system import LOG_DIR, SERVICES, System

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PORT_SETTINGS = {"gateway": "GATEWAY_PORT", "ingest": "INGEST_PORT", "carts": "CARTS_PORT",
                 "blacklist": "BLACKLIST_PORT", "reports": "REPORTS_PORT", "notifier": "NOTIFIER_PORT",
                 "simulator": "SIM_PORT"}


@dataclass
class SupervisedRun:
    system: System  # for its helpers (merchant, shopper carts); its processes are supervisord's
    supervisord: subprocess.Popen[bytes]
    run_dir: Path

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts/supervise.py"), "--dir", str(self.run_dir), "ctl", *args],
            capture_output=True, text=True, timeout=60, check=False,
        )
        return result.stdout.strip()

    def pid(self, name: str) -> int:
        answer = self.ctl("pid", name)
        return int(answer) if answer.isdigit() else 0


@pytest.fixture
async def run(infra: Infra, namespace: str, databases: TempDatabases, tmp_path: Path) -> AsyncIterator[SupervisedRun]:
    ports = {name: free_port() for name in PORT_SETTINGS}
    server = infra.postgres_url.rsplit("/", 1)[0]
    prefix = f"t{uuid.uuid4().hex[:8]}_sv_"
    urls = {s.name: f"{server}/{prefix}{s.name}" for s in SERVICES if s.has_database}
    for service in SERVICES:
        if service.has_database:
            await ensure_database(urls[service.name])
            await asyncio.to_thread(migrate, service.module, urls[service.name])
    ns = f"{namespace}.supervised"
    settings = {
        **{PORT_SETTINGS[name]: str(port) for name, port in ports.items()},
        "SIM_SMTP_PORT": str(free_port()),
        "PG_SERVER": server,
        "DATABASE_PREFIX": prefix,
        "CARTIO_NAMESPACE": ns,
        "CARTIO_AMQP_URL": infra.amqp_url,
        "CARTIO_LOG_JSON": "true",
        "CARTIO_RETRY_DELAYS": "[0.2, 0.5, 1, 2]",
        "SHOPPERS_PER_SECOND": "0",
    }
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    run_dir = tmp_path / "run"
    LOG_DIR.mkdir(exist_ok=True)
    log = (LOG_DIR / "supervised-run.log").open("ab")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    supervisord = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/supervise.py"), "--dir", str(run_dir), "run",
         "--env", str(ROOT / "run.env"), "--env", str(env_file)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    system = System(infra, ns, databases, name="supervised")
    modules = {"simulator": "cartio_simulator", **{s.name: s.module for s in SERVICES}}
    for name, port in ports.items():
        system.processes[name] = Process(name=f"supervised-{name}", module=modules[name], port=port, env={},
                                         log_dir=LOG_DIR)
    try:
        for name, process in system.processes.items():
            await process.wait_ready("/_sim/store" if name == "simulator" else "/readyz", timeout=60)
        yield SupervisedRun(system, supervisord, run_dir)
    finally:
        supervisord.terminate()  # supervisord stops every process (SIGTERM, drained), then exits
        try:
            supervisord.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(supervisord.pid, signal.SIGKILL)
            supervisord.wait(timeout=10)
        log.close()
        await system.stop()
        for url in urls.values():
            await drop_database(url)


async def a_cart_reaches_the_merchant(system: System) -> None:
    store = await system.install()
    merchant = await system.merchant(store)
    product = (await system.products())[0]["id"]
    made = await system.shopper_cart(store, [{"product_id": product, "quantity": 2}])
    cart = await system.wait_for_cart(merchant, made["id"], timeout=30)
    assert cart["items"][0]["quantity"] == 2


async def test_a_killed_service_is_started_again_and_the_others_keep_running(run: SupervisedRun) -> None:
    killed = run.pid("carts")
    gateway = run.pid("gateway")
    assert killed > 0
    os.kill(killed, signal.SIGKILL)
    await wait_until(lambda: run.pid("carts") not in (0, killed), timeout=30, what="carts started again")
    await run.system.processes["carts"].wait_ready(timeout=60)
    assert run.pid("gateway") == gateway  # nothing else was stopped
    await a_cart_reaches_the_merchant(run.system)


async def test_one_service_restarts_alone_while_the_gateway_keeps_answering(run: SupervisedRun) -> None:
    before = {name: run.pid(name) for name in ("carts", "gateway", "ingest")}
    answers: list[int] = []
    restart = asyncio.create_task(asyncio.to_thread(
        subprocess.run, ["make", "-s", "restart", "SERVICE=carts", f"RUN_DIR={run.run_dir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    ))
    # /readyz is for operators: the development service token of run.env's development mode.
    async with httpx.AsyncClient(base_url=run.system.url("gateway"), timeout=5,
                                 headers={"Authorization": "Bearer dev-service-token"}) as client:
        while not restart.done():
            answers.append((await client.get("/readyz")).status_code)
            await asyncio.sleep(0.05)  # the pace of a load balancer's probe, not a wait for a condition
    done = await restart
    assert done.returncode == 0, done.stdout + done.stderr
    assert answers, "the gateway was asked while carts restarted"
    assert set(answers) == {200}, answers
    assert run.pid("carts") not in (0, before["carts"])
    assert run.pid("gateway") == before["gateway"]
    assert run.pid("ingest") == before["ingest"]
    await run.system.processes["carts"].wait_ready(timeout=60)
    await a_cart_reaches_the_merchant(run.system)
