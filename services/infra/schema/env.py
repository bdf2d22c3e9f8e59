"""Alembic's environment: migrations run on the connection the application hands over
(services/infra/schema `upgrade`), so `python -m bot migrate` and every start share one path."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    msg = "run migrations with `python -m bot migrate` (it reads DATABASE_URL)"
    raise SystemExit(msg)

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
