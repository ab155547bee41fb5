"""`python -m cartio_reports serve | migrate | replay | backfill --store <hash>`."""

from __future__ import annotations

import sys
from pathlib import Path

from cartio_platform.cli import service_main

from . import backfill
from .app import create_app
from .settings import Settings

if __name__ == "__main__" and sys.argv[1:2] == ["backfill"]:
    backfill.main(sys.argv[2:])
elif __name__ == "__main__":
    service_main(Settings, create_app, migrations=Path(__file__).resolve().parents[2] / "migrations")
