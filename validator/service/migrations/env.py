"""Alembic's environment for the service's tables (run by :mod:`validator.service.migrate`).

The migration runs on the connection :func:`validator.service.migrate.upgrade_database` hands over,
inside the one transaction it has already begun (and locked): every revision of an upgrade commits
together or not at all, on SQLite and PostgreSQL alike. There is no offline (``--sql``) mode: the
first revision looks at which tables a database made before migrations already has.
"""

from alembic import context

from validator.service.db import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("Run migrations through validator.service.migrate (kyosai db upgrade), with a connection.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # what `alembic revision --autogenerate` writes for SQLite: batch operations (SQLite
    # changes most columns only by copying the table)
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():  # the caller's transaction: nothing new is begun here
    context.run_migrations()
