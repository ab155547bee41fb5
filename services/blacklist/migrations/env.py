"""Alembic environment of the blacklist database."""

from cartio_blacklist.tables import metadata
from cartio_platform.migrate import run_env

run_env(metadata)
