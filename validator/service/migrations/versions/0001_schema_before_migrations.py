"""The schema as ``create_all`` made it before the service had migrations.

A database made then has some or all of these tables already (``upload_counts`` came later than the
others) and no ``alembic_version``: the tables it has are left exactly as they are, the missing ones
are created, and the database is then at this revision like any other.

Revision ID: 0001
Revises:
Create Date: 2026-11-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create(name: str, *columns_and_constraints, indexes: tuple[tuple[str, str], ...] = ()) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns_and_constraints)
    for index, column in indexes:
        op.create_index(index, name, [column])


def upgrade() -> None:
    _create(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_hq", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    _create(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.UniqueConstraint("token_sha256"),
        indexes=(("ix_tokens_agency_id", "agency_id"),),
    )
    _create(
        "upload_counts",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "minute"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
    )
    _create(
        "validations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("file_path", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        indexes=(
            ("ix_validations_agency_id", "agency_id"),
            ("ix_validations_created_at", "created_at"),
            ("ix_validations_sha256", "sha256"),
        ),
    )
    _create(
        "submissions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("validation_id", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "sha256", name="uq_submissions_agency_sha256"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["validation_id"], ["validations.id"]),
        indexes=(("ix_submissions_agency_id", "agency_id"), ("ix_submissions_created_at", "created_at")),
    )


def downgrade() -> None:
    for name in ("submissions", "validations", "upload_counts", "tokens", "agencies"):
        op.drop_table(name)
