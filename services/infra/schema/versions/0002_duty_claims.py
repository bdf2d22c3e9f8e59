"""Duty claims: a scheduled job's period is claimed before it runs (one row per job and
period: who claimed it, when, its owner's last beat, when it finished), so two leaders
never both run it and a claim whose runner died is taken over once its beats stop.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Times are Unix seconds, as everywhere: REAL on SQLite, DOUBLE PRECISION on PostgreSQL.
    time = "REAL" if op.get_bind().dialect.name == "sqlite" else "DOUBLE PRECISION"
    op.execute(
        f"""CREATE TABLE duty_claims (
            job TEXT NOT NULL,
            period TEXT NOT NULL,
            owner TEXT NOT NULL,
            claimed_at {time} NOT NULL,
            beat_at {time} NOT NULL,
            finished_at {time},
            PRIMARY KEY (job, period)
        )"""
    )


def downgrade() -> None:
    op.execute("DROP TABLE duty_claims")
