"""The two locks: `requirements.lock` is what an operator's runtime gets (no test or lint
tools); `requirements-dev.lock` is the runtime at the same versions plus the `dev` and `train`
extras. Both are closed: every dependency of what they pin is pinned too."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "requirements.lock"
DEV = ROOT / "requirements-dev.lock"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!-]+)$")
# Named by the issue: none of these may reach an operator's runtime.
TEST_TOOLS = ("pytest", "mypy", "ruff")


def pins(path: Path) -> dict[str, str]:
    """The lock's pins by canonical name; every line is a comment or `name==version`."""
    found: dict[str, str] = {}
    names: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}:{number}: not a `name==version` pin: {line!r}"
        name = canonicalize_name(match["name"])
        assert name not in found, f"{path.name}:{number}: {name} pinned twice"
        found[name] = match["version"]
        names.append(name)
    assert names == sorted(names), f"{path.name} is not sorted by name"
    return found


def project() -> dict[str, list[str]]:
    """pyproject.toml's runtime dependencies (key "") and its optional extras."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups: dict[str, list[str]] = {"": list(data["dependencies"])}
    groups.update(data["optional-dependencies"])
    return groups


def closure(requirements: list[str]) -> set[str]:
    """Every distribution these requirements pull in, read from the installed metadata
    (markers evaluated for this interpreter, extras followed)."""
    seen: set[str] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for raw in metadata.distribution(name).requires or []:
            for wanted in ["", *sorted(req.extras)]:
                todo.append((Requirement(raw), wanted))
    return {key.split("[", 1)[0] for key in seen}


def test_the_runtime_lock_has_no_test_or_lint_tools() -> None:
    runtime = pins(RUNTIME)
    tools = [canonicalize_name(Requirement(r).name) for r in project()["dev"]]
    tools += [canonicalize_name(Requirement(r).name) for r in project()["train"]]
    assert set(TEST_TOOLS) <= set(tools)
    assert not set(tools) & set(runtime), sorted(set(tools) & set(runtime))


def test_every_runtime_pin_is_in_the_dev_lock_at_the_same_version() -> None:
    runtime, dev = pins(RUNTIME), pins(DEV)
    differ = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
    assert not differ, f"runtime pin → dev pin: {differ}"
    assert set(TEST_TOOLS) <= set(dev)


@pytest.mark.parametrize(
    ("lock", "groups"), [(RUNTIME, [""]), (DEV, ["", "dev", "train"])], ids=["runtime", "dev"]
)
def test_the_lock_is_exactly_what_the_project_needs(lock: Path, groups: list[str]) -> None:
    needed = closure([r for group in groups for r in project()[group]])
    locked = set(pins(lock))
    assert not needed - locked, f"{lock.name} misses {sorted(needed - locked)}"
    assert not locked - needed, f"{lock.name} pins what nothing needs: {sorted(locked - needed)}"
