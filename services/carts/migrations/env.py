"""Alembic environment of the carts database."""

from cartio_carts.tables import metadata
from cartio_platform.migrate import run_env

run_env(metadata)
