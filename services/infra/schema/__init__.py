"""The database schema, kept by Alembic on SQLite and PostgreSQL alike.

`upgrade` runs at every start of `run` and `web` (services/infra/db.py) and from
`python -m bot migrate`; a worker only reads `schema_state` and refuses a database behind it;
revisions live in services/infra/schema/versions. To change the schema, add a revision
(`alembic -c services/infra/schema/alembic.ini revision -m "…"`) that works on both
databases, and never edit a shipped one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

SCRIPT_LOCATION = Path(__file__).resolve().parent
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_MIGRATION_LOCK = 0x436F736D6963  # any constant: two processes starting at once queue here


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, schema: str | None = None) -> None:
    """Brings the database on `connection` to the newest revision, inside the caller's
    transaction. On PostgreSQL, `schema` (created when missing) holds the tables."""
    if connection.dialect.name == "sqlite":
        # SQLite's own transaction handling is off (services/infra/db.py): without this every
        # DDL statement would commit alone, and a failed migration would leave half a schema.
        # IMMEDIATE also makes two processes starting on one file migrate one at a time.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        if schema:
            if not _SCHEMA_NAME.fullmatch(schema):
                msg = f"not a plain schema name: {schema!r}"
                raise ValueError(msg)
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    command.upgrade(alembic_config(connection), "head")


def current_revision(connection: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against the revisions this release ships."""

    current: str | None
    """The database's revision (None: no schema yet)."""
    head: str
    """This release's newest revision."""
    known: bool
    """Whether `current` is one of this release's revisions (False: a newer release's)."""

    @property
    def behind(self) -> bool:
        """Older than this release needs (or empty): `python -m bot migrate` brings it up."""
        return self.known and self.current != self.head

    @property
    def ahead(self) -> bool:
        """Migrated by a newer release, to a revision this one does not know."""
        return not self.known


def schema_state(connection: Connection) -> SchemaState:
    """The schema on `connection` against this release's revisions (nothing is changed)."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = {revision.revision for revision in script.walk_revisions()}
    current = current_revision(connection)
    head = script.get_current_head()
    assert head is not None, "the schema has one line of revisions"
    return SchemaState(current, head, current is None or current in revisions)
