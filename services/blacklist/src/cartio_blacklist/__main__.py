"""`python -m cartio_blacklist serve | migrate | replay`."""

from __future__ import annotations

from pathlib import Path

from cartio_platform.cli import service_main

from .app import create_app
from .settings import Settings

if __name__ == "__main__":
    service_main(Settings, create_app, migrations=Path(__file__).resolve().parents[2] / "migrations")
