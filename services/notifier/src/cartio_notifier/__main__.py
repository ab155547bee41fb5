"""`python -m cartio_notifier serve | migrate | replay`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cartio_platform.cli import service_main

from .app import create_app
from .settings import Settings


def _create_app(settings: Any) -> Any:
    return create_app(settings)


if __name__ == "__main__":
    service_main(Settings, _create_app, migrations=Path(__file__).resolve().parents[2] / "migrations")
