"""Alembic environment.

`tsunagari db upgrade` and `tsunagari run` call Alembic from inside a running event loop
with a live connection (the Alembic cookbook's "sharing a connection" recipe), so this
file only configures the context on the connection it is handed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only alter tables by rebuilding them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `tsunagari db upgrade`, which supplies a connection")
run_with(connection)
