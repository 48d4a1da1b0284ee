"""Handlers (and the web view's pages) parse, call and reply: no query is written there.

The session passes through them to the use cases; the only thing a handler may take
from SQLAlchemy is the session's type.
"""

import ast
from pathlib import Path

import pytest

import handlers
import web

ALLOWED = {"sqlalchemy.ext.asyncio"}
FILES = sorted(
    path for package in (handlers, web) for path in Path(package.__file__).parent.glob("*.py")
)


def _sqlalchemy_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "sqlalchemy"
        ):
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_query_is_built_in_a_handler(path: Path) -> None:
    assert _sqlalchemy_imports(path) <= ALLOWED


def test_the_check_sees_a_query_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import X\n")
    assert _sqlalchemy_imports(sample) == {"sqlalchemy", "sqlalchemy.ext.asyncio"}
