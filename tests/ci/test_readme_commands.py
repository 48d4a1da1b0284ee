"""CI runs the README's first-screen commands as written: every step of the two commands, in
the README's order (quiet flags and output redirection aside)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[list[str]]:
    """The first `sh` block of the README: one command a line, each split into its `&&` steps."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    assert block, "the README has no sh block"
    lines = [ln.strip() for ln in block[1].splitlines()]
    return [[s.strip() for s in ln.split("&&")] for ln in lines if ln and not ln.startswith("#")]


def ci_steps() -> list[str]:
    """The commands of `.ci/run`, without `-q` and without redirection of their output."""
    steps = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"\s+-q(?=\s)", "", line)
        steps.append(re.sub(r"\s*(?:[12]?>|\|).*$", "", line).strip())
    return steps


def test_the_readme_shows_two_commands_the_demo_then_the_tests() -> None:
    first, second = readme_commands()
    assert first[0] == "python3 -m venv .venv"
    assert ".venv/bin/pip install -r requirements.lock" in first
    assert first[-1] == ".venv/bin/tsunagari demo"
    assert second[0] == ".venv/bin/pip install -r requirements-dev.lock"
    assert second[-1] == ".venv/bin/python -m pytest"


def test_ci_runs_every_step_in_the_readme_order() -> None:
    steps = ci_steps()
    position = -1
    for step in [s for command in readme_commands() for s in command]:
        later = [i for i, s in enumerate(steps) if s == step and i > position]
        assert later, f".ci/run does not run {step!r} after the step before it"
        position = later[0]
