"""The CI dependency audit's verdict (`.ci/audit_report.py`) on pip-audit's JSON reports:
a found vulnerability fails; a report that checked nothing, or none, passes and says so."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit_report.py"


@pytest.fixture(scope="module")
def outcome() -> Callable[[str], tuple[int, str]]:
    spec = importlib.util.spec_from_file_location("audit_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: Callable[[str], tuple[int, str]] = module.outcome
    return result


def report(*dependencies: dict[str, Any]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_vulnerability_fails(outcome: Callable[[str], tuple[int, str]]) -> None:
    status, line = outcome(
        report(
            {"name": "aiohttp", "version": "3.8.0", "vulns": [{"id": "PYSEC-2023-120"}]},
            {"name": "sqlalchemy", "version": "2.1.9", "vulns": []},
        )
    )
    assert status == 1 and "aiohttp 3.8.0: PYSEC-2023-120" in line


def test_a_clean_report_passes(outcome: Callable[[str], tuple[int, str]]) -> None:
    status, line = outcome(
        report(
            {"name": "sqlalchemy", "version": "2.1.9", "vulns": []},
            {"name": "numpy", "skip_reason": "Dependency not found on PyPI"},
        )
    )
    assert status == 0
    assert line.endswith("checked, no known vulnerabilities (1 could not be checked)")


@pytest.mark.parametrize(
    "text",
    ["", "Traceback ...", report({"name": "numpy", "skip_reason": "Dependency not found"})],
    ids=["no-report", "crash", "all-skipped"],
)
def test_an_audit_that_checked_nothing_passes_and_says_so(
    outcome: Callable[[str], tuple[int, str]], text: str
) -> None:
    status, line = outcome(text)
    assert status == 0 and "could not run" in line
