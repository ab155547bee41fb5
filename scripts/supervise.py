"""`make run`'s supervisor: every process of the Procfile under supervisord, restarted with backoff if it dies.

The Procfile stays the one definition of the processes (docker-compose.yml and the docs read it too); this
script turns it into a supervisord configuration and runs supervisord in the foreground (Ctrl-C stops everything).

    python scripts/supervise.py run [--env run.env] [--env more.env ...] [--dir .run]
    python scripts/supervise.py ctl restart carts      # supervisorctl against the run of --dir

Settings: the environment, then each --env file in order (later wins). `${NAME}` in a value or a Procfile command
is replaced by the setting NAME, so the ports and database names are written once (run.env) and a test can move
the whole run to free ports with one more --env file.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# A process that dies is started again at once if it had run `START_SECONDS`; one that dies sooner is retried
# after 1 s, 2 s, 3 s... (supervisord's backoff), up to `START_RETRIES` times in a row before it gives up.
START_SECONDS = 3
START_RETRIES = 100
STOP_WAIT_SECONDS = 20  # SIGTERM first: the services drain (docs/operations.md), then SIGKILL


def read_procfile(path: Path) -> dict[str, str]:
    processes: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


def read_settings(files: list[Path]) -> dict[str, str]:
    """The environment, then each file (later wins), with `${NAME}` expanded from the final values."""
    values = dict(os.environ)
    for file in files:
        values.update({k: v for k, v in dotenv_values(file, interpolate=False).items() if v is not None})
    return {key: expand(value, values) for key, value in values.items()}


def expand(text: str, values: dict[str, str]) -> str:
    for _ in range(5):  # a value may name a value that names another
        expanded = _VAR.sub(lambda m: values.get(m.group(1), ""), text)
        if expanded == text:
            break
        text = expanded
    return text


def config(processes: dict[str, str], settings: dict[str, str], run_dir: Path) -> str:
    """The supervisord configuration: its control socket and logs in `run_dir`, one program per process."""
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={run_dir / 'supervisord.log'}",
        f"pidfile={run_dir / 'supervisord.pid'}",
        f"childlogdir={run_dir}",
        "[unix_http_server]",
        f"file={run_dir / 'supervisor.sock'}",
        "[supervisorctl]",
        f"serverurl=unix://{run_dir / 'supervisor.sock'}",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    for name, command in processes.items():
        lines += [
            f"[program:{name}]",
            f"command={_escape(expand(command, settings))}",
            f"directory={ROOT}",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            # In the terminal (every log line names its service), as honcho showed it.
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("%", "%%")  # supervisord expands %(name)s in its values


def conf_path(run_dir: Path) -> Path:
    return run_dir / "supervisord.conf"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / ".run", help="where the configuration, socket, logs go")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="write the configuration and run supervisord in the foreground")
    run.add_argument("--procfile", type=Path, default=ROOT / "Procfile")
    run.add_argument("--env", type=Path, action="append", default=None, help="settings file (run.env by default)")
    ctl = sub.add_parser("ctl", help="supervisorctl against this run (restart <name>, status, ...)")
    ctl.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    run_dir: Path = args.dir.resolve()
    bin_dir = Path(sys.executable).parent
    if args.command == "ctl":
        if not (run_dir / "supervisor.sock").exists():
            raise SystemExit(f"no run is supervised from {run_dir} (start one with `make run`)")
        ctl_bin = shutil.which("supervisorctl", path=str(bin_dir)) or "supervisorctl"
        os.execv(ctl_bin, [ctl_bin, "-c", str(conf_path(run_dir)), *args.args])  # noqa: S606 (no shell wanted)
    settings = read_settings(args.env or [ROOT / "run.env"])
    run_dir.mkdir(parents=True, exist_ok=True)
    conf_path(run_dir).write_text(config(read_procfile(args.procfile), settings, run_dir))
    supervisord = shutil.which("supervisord", path=str(bin_dir)) or "supervisord"
    # Replaced by supervisord, so Ctrl-C and SIGTERM reach it (it stops every process, then exits).
    os.execve(supervisord, [supervisord, "-n", "-c", str(conf_path(run_dir))], settings)  # noqa: S606 (no shell)


if __name__ == "__main__":
    main(sys.argv[1:])
