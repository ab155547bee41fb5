"""Alembic environment of the notifier database."""

from cartio_notifier.tables import metadata
from cartio_platform.migrate import run_env

run_env(metadata)
