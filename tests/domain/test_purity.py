"""The domain package stays pure: no Telegram, no database, no event loop."""

import ast
from pathlib import Path

import pytest

import domain

FORBIDDEN = {"telegram", "sqlalchemy", "asyncio", "aiosqlite", "asyncpg", "random"}
FILES = sorted(Path(domain.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_impure_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN
