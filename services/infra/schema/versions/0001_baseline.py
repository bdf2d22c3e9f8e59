"""Baseline: the schema of SQLite's seven pre-Alembic versions, on both databases.

An SQLite file made before Alembic gets the versions it lacks (PRAGMA user_version says
which), so it upgrades in place; PostgreSQL gets the same schema in its own words.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from services.infra.schema import postgresql, sqlite_legacy

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        current = bind.exec_driver_sql("PRAGMA user_version").scalar() or 0
        for version, statements in enumerate(sqlite_legacy.MIGRATIONS, start=1):
            if version > current:
                for statement in statements:
                    bind.exec_driver_sql(statement)
        bind.exec_driver_sql(f"PRAGMA user_version = {len(sqlite_legacy.MIGRATIONS)}")
    else:
        for statement in postgresql.SCHEMA:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    msg = "the ledgers are append-only: the baseline is not downgraded"
    raise NotImplementedError(msg)
