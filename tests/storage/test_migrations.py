"""Schema creation through Alembic on both databases, and the SQLite tuning."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.migrate import current_revision, head_revision, upgrade_schema
from storage.models import Base
from storage.staff import StaffRepository
from tests.conftest import START

EXPECTED_TABLES = set(Base.metadata.tables)


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_on_an_empty_database_reaches_head(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert await current_revision(db) is None
        assert await table_names(db) == set()
        revision = await upgrade_schema(db)
        assert revision is not None
        assert revision == head_revision()
        assert await current_revision(db) == head_revision()
        tables = await table_names(db)
        assert tables >= EXPECTED_TABLES, EXPECTED_TABLES - tables
        assert tables - EXPECTED_TABLES == {"alembic_version"}
    finally:
        await db.dispose()


async def test_upgrade_is_idempotent_and_keeps_data(database_url: str) -> None:
    db = Database(database_url)
    try:
        first = await upgrade_schema(db)
        from domain.people import StaffRole

        async with db.transaction() as session:
            await StaffRepository(session).add(
                telegram_id=42, name="Sato", role=StaffRole.WORKER, now=START
            )
        second = await upgrade_schema(db)
        assert second == first == head_revision()
        async with db.transaction() as session:
            staff = await StaffRepository(session).all()
        assert [s.telegram_id for s in staff] == [42]
        async with db.engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert [v[0] for v in versions] == [head_revision()]
    finally:
        await db.dispose()


async def test_migrations_match_the_models(db: Database) -> None:
    """No drift: autogenerate finds nothing to add after `upgrade head`."""

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert [describe(c) for c in changes] == []


def describe(change: Any) -> str:
    """`('add_column', None, 'checkins', Column('x', ...))` -> 'add_column checkins.x'."""
    if isinstance(change, list):  # modify_* entries come wrapped in a list
        change = change[0]
    kind, *rest = change
    names = [getattr(r, "name", None) or str(r) for r in rest if r is not None]
    return f"{kind} " + ".".join(str(n) for n in names)


async def test_sqlite_connections_are_tuned(tmp_path: Any) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'tuned.db'}")
    try:
        async with db.engine.connect() as conn:
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            foreign_keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
            busy_timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
        assert str(journal).lower() == "wal"
        assert foreign_keys == 1
        assert busy_timeout is not None and int(busy_timeout) >= 5000
    finally:
        await db.dispose()


async def test_sqlite_enforces_foreign_keys(tmp_path: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fk.db'}")
    try:
        await upgrade_schema(db)
        try:
            async with db.transaction() as session:
                await session.execute(
                    text(
                        "INSERT INTO invites (token_hash, worker_id, created_at, expires_at) "
                        "VALUES ('x', 999, '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
                    )
                )
        except IntegrityError:
            pass
        else:
            raise AssertionError("an invite for a missing staff member was accepted")
    finally:
        await db.dispose()


async def test_staff_registered_before_reachability_start_unknown(database_url: str) -> None:
    """Upgrading a database from the initial schema keeps its staff, now of unknown
    reachability (nobody knows yet whether they opened the bot)."""
    from alembic import command
    from sqlalchemy import select

    from domain.reachability import Reachability
    from storage.migrate import alembic_config
    from storage.staff import Staff

    db = Database(database_url)
    try:
        config = alembic_config()

        def to_initial(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")

        async with db.engine.begin() as conn:
            await conn.run_sync(to_initial)
            await conn.execute(
                text(
                    "INSERT INTO staff (telegram_id, name, role, language, active, created_at) "
                    "VALUES (42, 'Sato', 'worker', 'ja', TRUE, '2026-11-23 01:00:00')"
                )
            )
        await upgrade_schema(db)
        async with db.transaction() as session:
            staff = (await session.execute(select(Staff))).scalar_one()
        assert staff.reachability is Reachability.UNKNOWN
        assert staff.last_seen_at is None and staff.unreachable_cause is None
    finally:
        await db.dispose()
