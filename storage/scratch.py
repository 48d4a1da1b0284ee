"""Throwaway PostgreSQL databases, for the test suite and the benchmarks.

Each is created on the server of a given URL (any driver form) under a unique name and
dropped with FORCE afterwards, so a test or a run never sees another's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url


def _admin_dsn(server_url: str) -> str:
    return make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_url(server_url: str, name: str) -> str:
    """The SQLAlchemy (asyncpg) URL of database `name` on the server of `server_url`."""
    return (
        make_url(server_url)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )


async def create_database(server_url: str, prefix: str) -> str:
    """Create an empty database named `<prefix>_<random>`; returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_admin_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(_admin_dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A new empty database for the duration of the block; yields its SQLAlchemy URL."""
    name = await create_database(server_url, prefix)
    try:
        yield postgres_url(server_url, name)
    finally:
        await drop_database(server_url, name)
