"""`describe_database_failure`: what failed, named, in one line, never with the password."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from storage.db import Database
from storage.failures import describe_database_failure, sqlite_path_problem
from storage.migrate import upgrade_schema
from tests.conftest import PG_URL

PG = "postgresql+asyncpg://tsunagari:pa55word@db.example:6543/care"


class _DriverError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the server's SQLSTATE as `sqlstate`."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("server said no")
        self.sqlstate = sqlstate


def _wrapped(orig: Exception) -> DBAPIError:
    return DBAPIError("SELECT 1", None, orig)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (ConnectionRefusedError(111, "refused"), ("db.example:6543", "not reachable", "refused")),
        (TimeoutError(), ("db.example:6543", "not reachable", "timed out")),
        (socket.gaierror(-2, "unknown"), ("'db.example'", "not found")),
        (_wrapped(_DriverError("3D000")), ("'care'", "does not exist", "db.example:6543")),
        (_wrapped(_DriverError("28P01")), ("refused user 'tsunagari'", "wrong password")),
        (_wrapped(_DriverError("42501")), ("permission denied", "'tsunagari'", "'care'")),
        (_wrapped(_DriverError("XX000")), ("XX000", "db.example:6543")),
    ],
)
def test_postgresql_failures_name_what_failed(exc: BaseException, words: tuple[str, ...]):
    line = describe_database_failure(exc, PG)
    assert line is not None and "\n" not in line
    for word in words:
        assert word in line, line
    assert "pa55word" not in line


def test_sqlite_failures_name_what_failed(tmp_path: Path):
    def said(message: str, path: Path) -> str | None:
        failure = _wrapped(sqlite3.OperationalError(message))
        return describe_database_failure(failure, f"sqlite+aiosqlite:///{path}")

    missing = tmp_path / "gone" / "t.db"
    assert said("unable to open database file", missing) == (
        f"the directory {str(missing.parent)!r} of the SQLite database does not exist"
    )
    assert "is a directory" in (said("unable to open database file", tmp_path) or "")
    read_only = said("attempt to write a readonly database", tmp_path / "t.db")
    assert read_only is not None and read_only.startswith("permission denied")
    assert "locked by another process" in (said("database is locked", tmp_path / "t.db") or "")
    assert "not a SQLite database" in (said("file is not a database", tmp_path / "t.db") or "")


def test_other_errors_are_not_described_as_the_database():
    assert describe_database_failure(ValueError("x"), "sqlite+aiosqlite:///t.db") is None
    assert describe_database_failure(ConnectionRefusedError(), "not a url") is None


async def test_a_database_missing_on_a_real_server_is_named():
    try:
        conn = await asyncpg.connect(PG_URL, timeout=3)
        await conn.close()
    except (OSError, asyncpg.PostgresError):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} unavailable (CI must run the PostgreSQL tests)")
        pytest.skip(f"PostgreSQL at {PG_URL} unavailable")
    base = PG_URL.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    url = f"{base}/tsunagari_no_such_database"
    db = Database(url)
    try:
        with pytest.raises(DBAPIError) as caught:
            await upgrade_schema(db)
    finally:
        await db.dispose()
    line = describe_database_failure(caught.value, url)
    assert line is not None and "'tsunagari_no_such_database' does not exist" in line


def test_a_sqlite_file_is_checked_before_connecting(tmp_path: Path):
    def problem(path: Path | str) -> str | None:
        return sqlite_path_problem(f"sqlite+aiosqlite:///{path}")

    assert problem(tmp_path / "gone" / "t.db") == (
        f"the directory {str(tmp_path / 'gone')!r} of the SQLite database does not exist"
    )
    assert "is a directory" in (problem(tmp_path) or "")
    assert problem(tmp_path / "t.db") is None  # not there yet: it will be created
    (tmp_path / "t.db").write_bytes(b"")
    assert problem(tmp_path / "t.db") is None
    assert sqlite_path_problem("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path_problem(PG) is None
