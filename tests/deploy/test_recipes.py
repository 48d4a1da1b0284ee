"""The deploy recipes: the systemd unit runs `tsunagari run` as its own user and is what
systemd itself accepts; the container recipe is valid, copies only what exists and what the
package needs, and installs the runtime lock alone. (CI builds the image where a container
tool can; these checks hold everywhere.)"""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "tsunagari.service"
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "ONBUILD", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip
RUN = "RUN"
JSON_FORM = {"CMD", "ENTRYPOINT", "SHELL", "VOLUME"}


def unit_sections(text: str) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit as {section: [(key, value), ...]}: keys may repeat, `\\` continues."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, line in enumerate(text.replace("\\\n", " ").splitlines(), start=1):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"line {number}: a key before any section"
        key, sep, value = line.partition("=")
        assert sep and key.strip(), f"line {number}: not `Key=value`: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def one(section: list[tuple[str, str]], key: str) -> str:
    values = [v for k, v in section if k == key]
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def instructions(text: str) -> list[tuple[str, str]]:
    """A Containerfile as [(INSTRUCTION, arguments), ...], continuations joined."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the file ends inside a continued instruction"
    parsed = []
    for entry in logical:
        word, _, rest = entry.strip().partition(" ")
        parsed.append((word, rest.strip()))
    return parsed


def packages() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = data["tool"]["setuptools"]["packages"]["find"]["include"]
    return {name.rstrip("*") for name in include}


def test_the_unit_runs_tsunagari_run_as_its_own_user() -> None:
    sections = unit_sections(UNIT.read_text(encoding="utf-8"))
    assert {"Unit", "Service", "Install"} <= set(sections)
    unit, service, install = sections["Unit"], sections["Service"], sections["Install"]
    assert one(unit, "Description")
    assert "network-online.target" in one(unit, "After").split()
    assert "network-online.target" in one(unit, "Wants").split()
    command = shlex.split(one(service, "ExecStart"))
    assert Path(command[0]).is_absolute() and Path(command[0]).name == "tsunagari"
    assert command[1:2] == ["run"], command
    assert one(service, "User") not in {"", "root", "0"}
    assert Path(one(service, "WorkingDirectory")).is_absolute()
    assert one(service, "Restart") in {"on-failure", "always"}
    assert one(service, "KillSignal") == "SIGTERM"  # the bot stops gracefully on SIGTERM
    environment = [v for k, v in service if k == "Environment"]
    assert any(v.startswith("TSUNAGARI_CONFIG=/") for v in environment), environment
    assert one(service, "EnvironmentFile").startswith("-/")  # the token, outside the unit
    assert one(install, "WantedBy") == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit_without_a_warning(tmp_path: Path) -> None:
    # The unit names the operator's install path; point it at this environment's command so
    # that systemd can check everything else (unknown keys, bad values).
    command = shlex.split(one(unit_sections(UNIT.read_text("utf-8"))["Service"], "ExecStart"))
    here = Path(sys.executable).parent / "tsunagari"
    assert here.exists(), "the project is not installed in this environment"
    text = UNIT.read_text(encoding="utf-8").replace(command[0], str(here))
    copy = tmp_path / UNIT.name
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_containerfile_is_valid_and_runs_tsunagari_run() -> None:
    steps = instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.11")
    for word, rest in steps:
        assert word in INSTRUCTIONS | {RUN}, f"not an instruction: {word}"
        assert rest, f"{word} without arguments"
        if word in JSON_FORM and rest.startswith("["):
            form = json.loads(rest)
            assert isinstance(form, list) and all(isinstance(a, str) for a in form), rest
        if word == "ENV":
            assert all("=" in pair for pair in shlex.split(rest)), rest
    last = {word: rest for word, rest in steps}
    assert json.loads(last["ENTRYPOINT"]) + json.loads(last["CMD"]) == ["tsunagari", "run"]
    assert last["USER"] not in {"root", "0"}
    assert last["STOPSIGNAL"] == "SIGTERM"


def test_the_containerfile_copies_what_exists_and_every_package() -> None:
    steps = instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {"config.toml", "*.db", ".venv/"} <= set(ignored)  # the token and the data stay out
    copied: set[str] = set()
    for word, rest in steps:
        if word in {"COPY", "ADD"}:
            args = [a for a in shlex.split(rest) if not a.startswith("--")]
            assert word == "COPY", "ADD fetches and unpacks: COPY says what it does"
            for source in args[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                assert not any(fnmatch.fnmatch(source, p.rstrip("/")) for p in ignored), source
                copied.add(source)
    assert packages() <= copied, f"packages not copied: {sorted(packages() - copied)}"
    assert {"pyproject.toml", "README.md", "requirements.lock"} <= copied


def test_the_containerfile_installs_the_runtime_lock_only() -> None:
    text = CONTAINERFILE.read_text(encoding="utf-8")
    assert "requirements-dev.lock" not in text
    steps = instructions(text)
    runs = [i for i, (word, rest) in enumerate(steps) if word == RUN and "pip install" in rest]
    lock = [i for i in runs if "-r requirements.lock" in steps[i][1]]
    assert lock, "no RUN installs requirements.lock"
    copied = next(
        i for i, (w, r) in enumerate(steps) if w == "COPY" and "requirements.lock" in r.split()
    )
    assert copied < lock[0]
    for i in runs:
        rest = steps[i][1]
        assert "-r requirements.lock" in rest or "--no-deps" in rest, f"unpinned install: {rest}"
    for tool in ("pytest", "mypy", "ruff", "[dev", "[train"):
        assert tool not in text.split("FROM", 1)[1], tool
