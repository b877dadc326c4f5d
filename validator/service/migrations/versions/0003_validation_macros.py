"""Validations: whether the workbook holds macros (VBA or Excel 4.0 macro sheets).

New uploads are looked at when they arrive (validator/service/originals.py). Rows from before this
revision are marked from what was stored of them: every workbook stored as ``.xlsm`` (the format the
reader found in its bytes: a macro-enabled content type or a VBA project) counts as holding macros —
the stored files themselves are not opened by a migration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("validations", sa.Column("macros", sa.Boolean(), server_default=sa.false(), nullable=False))
    validations = sa.table("validations", sa.column("macros", sa.Boolean()), sa.column("file_path", sa.String()))
    op.execute(validations.update().where(validations.c.file_path.like("%.xlsm")).values(macros=True))


def downgrade() -> None:
    op.drop_column("validations", "macros")
