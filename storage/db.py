"""Engine and sessions for SQLite (embedded default) and PostgreSQL (scale-out).

SQLite is tuned for a bot: WAL so readers never block the writer, a busy timeout so a
second writer waits instead of failing, foreign keys on, and `BEGIN IMMEDIATE` for every
transaction. A deferred transaction that reads and then writes fails at once with
"database is locked" regardless of the busy timeout; taking the write lock up front makes
the single-writer rule a queue instead of an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

READ_ONLY = "tsunagari_read_only"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads (see Database.reading) run without taking the write lock: WAL lets them
        # proceed while a writer works.
        if not conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine and hands out sessions; one `AsyncSession` per concurrent task."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer. Within this process writers queue here, in order, instead
        # of meeting at the file lock, whose busy handler sleeps and retries with growing
        # pauses (tens of milliseconds per collision under load). Other processes still
        # wait through busy_timeout.
        self._write_turn = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        Not re-entrant: never open a transaction while holding another.
        """
        if not self.is_sqlite:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._write_turn, self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads only: on SQLite it never waits for or takes the write lock.

        For cheap probes that run every tick (is anything due?) and for metrics.
        """
        async with self.engine.connect() as conn:
            yield await conn.execution_options(**{READ_ONLY: True})

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session on a `reading` connection, for repositories that only read."""
        async with self.reading() as conn, AsyncSession(bind=conn) as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
