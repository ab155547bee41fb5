"""The nonce of an install under way, saved before the hooks' headers are rewritten with it (issue 11 point 3).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Set from before the hooks are rewritten until the install is saved (then it becomes webhook_nonce): ingest
    # accepts either, so BigCommerce's deliveries with the new header are never refused in between.
    op.add_column("stores", sa.Column("webhook_nonce_pending", sa.String(64)))


def downgrade() -> None:
    op.drop_column("stores", "webhook_nonce_pending")
