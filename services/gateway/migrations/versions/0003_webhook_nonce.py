"""The nonce of each store's current install, which its webhook secret is made from (issue 13 point 3).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for stores installed before: their secret stays HMAC(key, store_hash) until they install again.
    op.add_column("stores", sa.Column("webhook_nonce", sa.String(64)))


def downgrade() -> None:
    op.drop_column("stores", "webhook_nonce")
