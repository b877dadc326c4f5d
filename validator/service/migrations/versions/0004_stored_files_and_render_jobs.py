"""Stored files in the database, and the reports being rendered.

- ``stored_files``: the bytes of uploads and of their rendered reports, when ``FILE_STORE`` is the
  database (the default on PostgreSQL), so that several hosts share them; each row goes with its
  validation (``ON DELETE CASCADE``).
- ``render_jobs``: one row a report being rendered (validator/service/reports.py).

Adds two empty tables and touches no row. The files an older version kept in ``<instance>/files``
are moved into ``stored_files`` after the upgrade, by ``kyosai db upgrade`` / ``kyosai serve`` on the
host that holds them (``validator.service.storage.DatabaseStore.move_from_disk``), file by file; until
then that host reads them from its folder.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("validation_id", sa.String(32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["validation_id"], ["validations.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_stored_files_validation_id", "stored_files", ["validation_id"])
    op.create_table(
        "render_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("validation_id", sa.String(32), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["validation_id"], ["validations.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_render_jobs_agency_id", "render_jobs", ["agency_id"])
    op.create_index("ix_render_jobs_validation_id", "render_jobs", ["validation_id"])


def downgrade() -> None:
    # (files kept in the database are lost with the table: move them out first, or restore a backup)
    op.drop_table("render_jobs")
    op.drop_table("stored_files")
