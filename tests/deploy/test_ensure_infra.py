"""scripts/ensure-infra.sh on a machine that has PostgreSQL and RabbitMQ, one that has them stopped, and a fresh one.

The script runs for real (bash), with a PATH holding only the basic tools and stubs of what it drives:
`apt-get` (records what it was asked and "installs" the next stubs), `pg_ctlcluster` and `rabbitmq-server`
(start a TCP listener on the probed port, as the real servers would), `id` and `sudo`. The ports and the
PostgreSQL configuration folder point into a temporary directory, so the machine's own servers are untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cartio_platform.testing import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-infra.sh"
TOOLS = ["bash", "timeout", "seq", "sleep", "ls", "sort", "tail", "head", "grep", "sed", "env", "cat", "mkdir", "chmod"]

LISTENER = """\
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    s.accept()[0].close()
"""

# Each stub appends its command line to $STATE/calls.log.
START_LISTENER = 'python3 "$STATE/listener.py" "$1" >/dev/null 2>&1 & echo $! >> "$STATE/pids"'
PG_CTLCLUSTER = f"""#!/bin/bash
echo "pg_ctlcluster $*" >> "$STATE/calls.log"
listen() {{ {START_LISTENER}; }}
[ "${{@: -1}}" = start ] && listen "$CARTIO_PG_PORT"
exit 0
"""
RABBITMQ_SERVER = f"""#!/bin/bash
echo "rabbitmq-server $*" >> "$STATE/calls.log"
listen() {{ {START_LISTENER}; }}
listen "$CARTIO_MQ_PORT"
"""
RABBITMQCTL = """#!/bin/bash
echo "rabbitmqctl $*" >> "$STATE/calls.log"
"""
# Installing a package brings its commands (and, for PostgreSQL, a cluster whose loopback asks for a password).
APT_GET = f"""#!/bin/bash
echo "apt-get $*" >> "$STATE/calls.log"
for p in "$@"; do
  case "$p" in
    postgresql)
      mkdir -p "$CARTIO_PG_ETC/16/main"
      echo "host all all 127.0.0.1/32 scram-sha-256" > "$CARTIO_PG_ETC/16/main/pg_hba.conf"
      cat > "$STATE/bin/pg_ctlcluster" <<'X'
{PG_CTLCLUSTER}X
      chmod +x "$STATE/bin/pg_ctlcluster";;
    rabbitmq-server)
      cat > "$STATE/bin/rabbitmq-server" <<'X'
{RABBITMQ_SERVER}X
      cat > "$STATE/bin/rabbitmqctl" <<'X'
{RABBITMQCTL}X
      chmod +x "$STATE/bin/rabbitmq-server" "$STATE/bin/rabbitmqctl";;
  esac
done
"""
SUDO = """#!/bin/bash
echo "sudo $*" >> "$STATE/calls.log"
[ "$1" = -n ] && [ "$2" = true ] && exit 0
exec "$@"
"""


@dataclass
class Machine:
    state: Path
    env: dict[str, str]

    def stub(self, name: str, body: str) -> None:
        path = self.state / "bin" / name
        path.write_text(body)
        path.chmod(0o755)

    def run(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(SCRIPT)], env=self.env, capture_output=True, text=True, timeout=120,
                              check=False)

    @property
    def calls(self) -> list[str]:
        log = self.state / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def listen(self, port: int) -> None:
        """A server already running on `port`."""
        proc = subprocess.Popen([sys.executable, str(self.state / "listener.py"), str(port)])
        with (self.state / "pids").open("a") as pids:
            pids.write(f"{proc.pid}\n")
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, f"listener on {port} did not start"
                time.sleep(0.05)


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # python3 is this interpreter itself (a version manager's shim would need its own PATH).
    (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed by this test"
        (bin_dir / tool).symlink_to(found)
    (tmp_path / "listener.py").write_text(LISTENER)
    env = {
        "PATH": str(bin_dir),
        "STATE": str(tmp_path),
        "CARTIO_PG_PORT": str(free_port()),
        "CARTIO_MQ_PORT": str(free_port()),
        "CARTIO_PG_ETC": str(tmp_path / "etc-postgresql"),
    }
    m = Machine(tmp_path, env)
    m.stub("id", '#!/bin/bash\necho 0\n')
    m.stub("apt-get", APT_GET)
    try:
        yield m
    finally:
        pids = tmp_path / "pids"
        for pid in (pids.read_text().split() if pids.exists() else []):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)


def test_a_machine_with_both_servers_running_is_left_as_it_is(machine: Machine) -> None:
    machine.listen(int(machine.env["CARTIO_PG_PORT"]))
    machine.listen(int(machine.env["CARTIO_MQ_PORT"]))
    machine.stub("pg_ctlcluster", PG_CTLCLUSTER)
    machine.stub("rabbitmq-server", RABBITMQ_SERVER)

    result = machine.run()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL answers" in result.stdout
    assert "RabbitMQ answers" in result.stdout
    assert not any(c.startswith(("apt-get", "pg_ctlcluster", "rabbitmq-server")) for c in machine.calls)


def test_installed_but_stopped_servers_are_started_without_installing_anything(machine: Machine) -> None:
    (Path(machine.env["CARTIO_PG_ETC"]) / "15" / "main").mkdir(parents=True)
    machine.stub("pg_ctlcluster", PG_CTLCLUSTER)
    machine.stub("rabbitmq-server", RABBITMQ_SERVER)
    machine.stub("rabbitmqctl", RABBITMQCTL)

    result = machine.run()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in machine.calls
    assert "rabbitmq-server -detached" in machine.calls
    assert not any(c.startswith("apt-get") for c in machine.calls)


def test_a_fresh_machine_as_root_installs_both_with_apt_get_and_starts_them(machine: Machine) -> None:
    result = machine.run()

    assert result.returncode == 0, result.stdout + result.stderr
    calls = machine.calls
    assert "apt-get update -q" in calls
    assert "apt-get install -y -q --no-install-recommends postgresql" in calls
    assert "apt-get install -y -q --no-install-recommends rabbitmq-server" in calls
    assert "pg_ctlcluster --skip-systemctl-redirect 16 main start" in calls
    assert "rabbitmq-server -detached" in calls
    # The tests and `make run` connect as postgres over loopback without a password: that rule comes first.
    hba = (Path(machine.env["CARTIO_PG_ETC"]) / "16" / "main" / "pg_hba.conf").read_text().splitlines()
    assert hba[0] == "host all all 127.0.0.1/32 trust"
    assert "RabbitMQ answers" in result.stdout


def test_a_fresh_machine_with_password_less_sudo_installs_through_sudo(machine: Machine) -> None:
    machine.stub("id", '#!/bin/bash\necho 1000\n')
    machine.stub("sudo", SUDO)

    result = machine.run()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "sudo apt-get update -q" in machine.calls
    assert "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql" \
        in machine.calls


def test_without_root_it_says_exactly_what_to_run_and_installs_nothing(machine: Machine) -> None:
    machine.stub("id", '#!/bin/bash\necho 1000\n')

    result = machine.run()

    assert result.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y postgresql" in result.stdout
    assert not any(c.startswith("apt-get") for c in machine.calls)
