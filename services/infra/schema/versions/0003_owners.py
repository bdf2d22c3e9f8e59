"""Owners: every process that takes work registers an incarnation that beats while it
lives; token holds, weekly uses and the in-process queue's jobs record the incarnation
that owns them, and a claimed "interrupted" notice records its claimant. Work whose owner
stopped beating is orphaned (resumed or refunded), whatever its age.

Weekly uses are append-only, so their owner lives beside them (`use_owners`); a token
hold's owner is a column of its reservation.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Times are Unix seconds, as everywhere: REAL on SQLite, DOUBLE PRECISION on PostgreSQL.
    time = "REAL" if sqlite else "DOUBLE PRECISION"
    ref = "INTEGER" if sqlite else "BIGINT"
    op.execute(
        f"""CREATE TABLE incarnations (
            id TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at {time} NOT NULL,
            beat_at {time} NOT NULL,
            stopped_at {time}
        )"""
    )
    op.execute("ALTER TABLE reservations ADD COLUMN owner TEXT")
    op.execute("CREATE INDEX reservations_owned ON reservations(owner) WHERE status = 'held'")
    op.execute(
        f"""CREATE TABLE use_owners (
            use_id {ref} PRIMARY KEY REFERENCES uses(id),
            owner TEXT NOT NULL
        )"""
    )
    op.execute("ALTER TABLE work_origins ADD COLUMN told_by TEXT")
    op.execute(
        f"""CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            owner TEXT NOT NULL,
            created_at {time} NOT NULL,
            deadline {time},
            reservation_id {ref},
            use_id {ref}
        )"""
    )
    op.execute("CREATE INDEX jobs_owner ON jobs(owner)")


def downgrade() -> None:
    op.execute("DROP TABLE jobs")
    op.execute("ALTER TABLE work_origins DROP COLUMN told_by")
    op.execute("DROP TABLE use_owners")
    op.execute("DROP INDEX reservations_owned")
    op.execute("ALTER TABLE reservations DROP COLUMN owner")
    op.execute("DROP TABLE incarnations")
