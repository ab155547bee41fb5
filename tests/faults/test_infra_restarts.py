"""The shared RabbitMQ and PostgreSQL restarted while shoppers shop. Run alone on the machine
(`/work/testslot.sh --both`): every other test run loses its broker or database for those seconds. Each server is
running again when the test ends, whatever happens."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from cartio_platform.testing.system import System

from .harness import Workload, rabbitmqctl

pytestmark = pytest.mark.faults

# The local cluster, as scripts/ensure-infra.sh finds it: the one version under /etc/postgresql.
PG_CLUSTER = [sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1] if Path("/etc/postgresql").is_dir()
              else "15", "main"]


def pg_ctlcluster(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, action],
                   check=True, capture_output=True, timeout=120)


def pg_running() -> bool:
    done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "status"],
                          capture_output=True, timeout=30, check=False)
    return done.returncode == 0


async def test_rabbitmq_restarted_mid_load_loses_nothing_and_repeats_nothing(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "mq")
    await work.before()
    load = asyncio.create_task(work.during(rounds=3, pause=1.0))
    await asyncio.sleep(0.5)  # the load is under way when the broker goes
    try:
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        await asyncio.sleep(3)  # the outage lasts a few seconds of the load
    finally:
        await asyncio.to_thread(rabbitmqctl, "start_app")
        await asyncio.to_thread(rabbitmqctl, "await_startup")
    await load
    for name in system.processes:
        await system.start_process(name)  # each is ready again (a no-op start for a running process)
    await work.after()
    await work.reconcile(request, "RabbitMQ restarted mid-load")


async def test_postgresql_restarted_mid_load_loses_nothing_and_repeats_nothing(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "pg")
    await work.before()
    load = asyncio.create_task(work.during(rounds=3, pause=1.0))
    await asyncio.sleep(0.5)
    try:
        await asyncio.to_thread(pg_ctlcluster, "restart")
    finally:
        if not await asyncio.to_thread(pg_running):
            await asyncio.to_thread(pg_ctlcluster, "start")
    await load
    for name in system.processes:
        await system.start_process(name)
    await work.after()
    await work.reconcile(request, "PostgreSQL restarted mid-load")
