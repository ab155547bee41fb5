"""The store's time zone (IANA name, from BigCommerce's store information at install) for /api/me.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stores", sa.Column("timezone", sa.String(64)))


def downgrade() -> None:
    op.drop_column("stores", "timezone")
