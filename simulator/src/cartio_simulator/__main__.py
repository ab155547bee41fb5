"""`python -m cartio_simulator serve` | `python -m cartio_simulator bootstrap --gateway URL --shoppers 0.5`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

import uvicorn

from .app import create_app
from .bootstrap import bootstrap
from .settings import SimSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cartio_simulator", description="BigCommerce simulator for Cartio")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the simulator (settings from SIM_* variables)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    boot = commands.add_parser("bootstrap", help="wait for the system, install the app, start shoppers")
    boot.add_argument("--gateway", default="http://127.0.0.1:8000")
    boot.add_argument("--simulator", default=None, help="default: SIM_PUBLIC_URL")
    boot.add_argument("--shoppers", type=float, default=0.0, help="shopper sessions per second (0: none)")
    boot.add_argument("--store", default=None, help="store hash (default: the first store)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per outgoing request is too much
    settings = SimSettings()
    if args.command == "serve":
        host = args.host or settings.host
        port = args.port or settings.port
        # uvloop and httptools as the services have; no access log line per request (the load tests make thousands).
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False,
                    loop="uvloop", http="httptools")
    else:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(bootstrap(args.simulator or settings.public_url, args.gateway, args.shoppers, args.store))


if __name__ == "__main__":
    main()
