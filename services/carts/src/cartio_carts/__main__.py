"""`python -m cartio_carts serve | migrate | replay | reconcile`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cartio_platform.cli import service_main

from . import reconcile
from .app import create_app
from .settings import Settings


def _create_app(settings: Any) -> Any:
    return create_app(settings)


if __name__ == "__main__" and sys.argv[1:2] == ["reconcile"]:
    reconcile.main(sys.argv[2:])
elif __name__ == "__main__":
    service_main(Settings, _create_app, migrations=Path(__file__).resolve().parents[2] / "migrations")
