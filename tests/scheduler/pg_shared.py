"""A faster `database_url` for the check-in engine's test modules.

SQLite: a file migrated once per module and copied for every test.

The shared fixture in tests/conftest.py creates, migrates and drops a PostgreSQL database
for every test (about two seconds each here). Modules that import `database_url` from this
file instead get one migrated database per module, emptied before every test (TRUNCATE ...
RESTART IDENTITY, so ids start at 1 again): the same isolation, a fraction of the time.
SQLite is unchanged (a fresh file per test). Without a server the PostgreSQL variants skip,
or fail on CI, exactly like the shared fixture.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from storage.db import Database
from storage.migrate import upgrade_schema
from storage.scratch import create_database, drop_database, postgres_url
from tests.conftest import PG_URL, _pg_unavailable

_ADMIN_BASE = PG_URL.rsplit("/", 1)[0]
T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on its own loop in a helper thread: module fixtures are first
    requested from inside a test's running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _create() -> str:
    name = await create_database(PG_URL, "tsunagari_m")
    database = Database(postgres_url(PG_URL, name))
    try:
        await upgrade_schema(database)
    finally:
        await database.dispose()
    return name


@pytest.fixture(scope="module")
def _module_postgres() -> Iterator[str]:
    """One migrated PostgreSQL database for the module (created on first use)."""
    reason = _run(_pg_unavailable)
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    name = _run(_create)
    try:
        yield name
    finally:
        _run(lambda: drop_database(PG_URL, name))


async def _empty(name: str) -> None:
    conn = await asyncpg.connect(f"{_ADMIN_BASE}/{name}")
    try:
        await conn.execute("SET lock_timeout = '10s'")
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            joined = ", ".join(f'"{t}"' for t in tables)
            await conn.execute(f"TRUNCATE {joined} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def _module_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test (migrating takes longer than copying)."""
    template = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{template}")
        try:
            await upgrade_schema(database)
        finally:
            await database.dispose()

    _run(migrate)
    return template


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_module_sqlite")
        shutil.copyfile(template, tmp_path / "test.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = request.getfixturevalue("_module_postgres")
    await _empty(name)
    yield postgres_url(PG_URL, name)
