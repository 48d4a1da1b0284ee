"""What went wrong with the database, in one line an operator can act on.

The drivers' own messages are either bare class names (asyncpg's errors reach SQLAlchemy
as `Error`) or long and quoting the URL, which may carry a password. This names what
failed — the server not reachable, the host unknown, the database missing, the user
refused, a directory missing, permission denied — with the host, port, database and user
taken from the URL, never its password.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

__all__ = ["describe_database_failure", "sqlite_path_problem"]

_FIX = "check database.url"

# PostgreSQL's SQLSTATE codes for the failures an operator meets first.
_NO_DATABASE = "3D000"
_REFUSED_USER = ("28000", "28P01")
_NO_PERMISSION = "42501"


def _server(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _sqlstate(exc: DBAPIError) -> str | None:
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def _postgres(exc: BaseException, url: URL) -> str | None:
    server, user, name = _server(url), url.username or "(none)", url.database or "(none)"
    if isinstance(exc, socket.gaierror):
        return f"database host {url.host!r} not found; {_FIX}"
    if isinstance(exc, ConnectionError | TimeoutError):
        return f"database server at {server} is not reachable ({_reason(exc)}); {_FIX}"
    if not isinstance(exc, DBAPIError):
        return None
    code = _sqlstate(exc)
    if code == _NO_DATABASE:
        return f"database {name!r} does not exist on {server}; create it or {_FIX}"
    if code in _REFUSED_USER:
        return f"the server at {server} refused user {user!r} (unknown user or wrong password)"
    if code == _NO_PERMISSION:
        return f"permission denied for user {user!r} on database {name!r} at {server}"
    return f"database error ({code or type(exc.orig).__name__}) on {server}; {_FIX}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__


def _path_problem(path: Path) -> str | None:
    where = path.parent
    if not where.is_dir():
        return f"the directory {str(where)!r} of the SQLite database does not exist"
    if path.is_dir():
        return f"{str(path)!r} is a directory, not a SQLite database file"
    if not os.access(where, os.W_OK | os.X_OK):
        # SQLite writes its journal (-wal, -shm) beside the file.
        return f"permission denied: cannot create or open files in {str(where)!r}"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"permission denied: the SQLite database {str(path)!r} is not readable and writable"
    return None


def sqlite_path_problem(url: str) -> str | None:
    """Why a SQLite database file cannot be opened, checked before connecting (a failed
    connect leaves the driver's thread answering a loop that may be gone); None when the
    URL is not a SQLite file or nothing is wrong."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return _path_problem(Path(parsed.database or ""))


def _sqlite(exc: BaseException, url: URL) -> str | None:
    if not isinstance(exc, DBAPIError):
        return None
    text = str(exc.orig).lower()
    path = Path(url.database or "")
    if "unable to open database file" in text:
        return _path_problem(path) or f"cannot open the SQLite database {str(path)!r}; {_FIX}"
    if "readonly" in text or "permission" in text:
        return f"permission denied: the SQLite database {str(path)!r} is read-only for this user"
    if "locked" in text:
        return f"the SQLite database {str(path)!r} is locked by another process"
    if "not a database" in text:
        return f"{str(path)!r} is not a SQLite database file"
    return f"database error ({type(exc.orig).__name__}) on {str(path)!r}; {_FIX}"


def describe_database_failure(exc: BaseException, url: str) -> str | None:
    """One line saying what failed, or None when `exc` is not about the database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(exc, parsed)
    return _postgres(exc, parsed)
