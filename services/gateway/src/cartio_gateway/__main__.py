"""`python -m cartio_gateway serve | migrate | replay`."""

from __future__ import annotations

from pathlib import Path

from cartio_gateway.app import create_app
from cartio_gateway.settings import Settings
from cartio_platform.cli import service_main

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def main() -> None:
    service_main(Settings, create_app, migrations=MIGRATIONS)


if __name__ == "__main__":
    main()
