"""Alembic environment of the reports database."""

from cartio_platform.migrate import run_env
from cartio_reports.tables import metadata

run_env(metadata)
