"""Tokens: when each expires (None: never) and when it was last used.

Both columns may be empty, so adding them touches no row: existing tokens never expire and have
not been used yet as far as the database knows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))
    op.add_column("tokens", sa.Column("last_used_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # (SQLite drops a column itself since 3.35; Alembic's batch mode would copy the table instead)
    op.drop_column("tokens", "last_used_at")
    op.drop_column("tokens", "expires_at")
