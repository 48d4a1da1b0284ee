"""Every `tsunagari ...` command the documents show (in code) exists: its subcommands are the
CLI's, and each `--option` is one the command takes."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "DEVELOPERS.md", *(ROOT / "docs").glob("*.md")])
FENCED = re.compile(r"^\s*```[^\n]*\n(.*?)^\s*```", re.S | re.M)
INLINE = re.compile(r"(`+)(.+?)\1", re.S)
# The command word, then a subcommand (so `systemctl stop tsunagari` or an image name in
# `docker build -t tsunagari .` are not commands); `.venv/bin/tsunagari` counts.
COMMAND = re.compile(r"(?:^|(?<=[\s(])|(?<=\.venv/bin/))tsunagari(?=[ \t]+[a-z])")
END = {"&&", "||", "|", ";", ">", "2>", "<"}


def code_segments(text: str) -> list[str]:
    """The document's code: each line of a fenced block (continuations joined) and each
    inline code span (line breaks inside it read as spaces)."""
    segments = []
    for block in FENCED.findall(text):
        segments += block.replace("\\\n", " ").splitlines()
    prose = FENCED.sub("", text)
    segments += [span.replace("\n", " ") for _, span in INLINE.findall(prose)]
    return segments


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


def problems_in(invocation: list[str], root: argparse.ArgumentParser) -> list[str]:
    """What is wrong with `tsunagari <invocation>`: an unknown subcommand or option."""
    parser, path, found = root, ["tsunagari"], []
    words = iter(invocation)
    for word in words:
        if word in END:
            break
        if word.startswith("-"):
            flag, has_value = word.partition("=")[::2]
            action = options(parser).get(flag)
            if action is None:
                found.append(f"{' '.join(path)}: no option {flag}")
            elif action.nargs != 0 and not has_value:
                next(words, None)
            continue
        children = subparsers(parser)
        if not children:
            continue  # a positional argument (a file, an id)
        if word not in children:
            found.append(f"{' '.join(path)}: no subcommand {word!r}")
            break
        parser = children[word]
        path.append(word)
    return found


def invocations(path: Path) -> list[list[str]]:
    found = []
    for segment in code_segments(path.read_text(encoding="utf-8")):
        for match in COMMAND.finditer(segment):
            rest = segment[match.end() :]
            try:
                found.append(shlex.split(rest, comments=True))
            except ValueError:  # an unbalanced quote in prose-like code: plain words
                found.append(rest.split())
    return found


def test_a_wrong_command_is_found() -> None:
    root = build_parser()
    assert problems_in(["staff", "list", "--json"], root) == []
    assert problems_in(["staff", "add", "--telegram-id", "N", "--name", "佐藤"], root) == []
    assert problems_in(["staff", "remove"], root) == ["tsunagari staff: no subcommand 'remove'"]
    assert problems_in(["people", "list", "--csv"], root) == [
        "tsunagari people list: no option --csv"
    ]
    segments = code_segments("a `tsunagari audit\nlist` b\n```sh\nsystemctl stop tsunagari\n```\n")
    assert segments == ["systemctl stop tsunagari", "tsunagari audit list"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(p.relative_to(ROOT)) for p in DOCUMENTS])
def test_every_command_shown_exists(path: Path) -> None:
    root = build_parser()
    shown = invocations(path)
    problems = [p for invocation in shown for p in problems_in(invocation, root)]
    assert not problems, "\n".join(problems)


def test_the_operator_guide_shows_the_commands_an_operator_needs() -> None:
    shown = {" ".join(i[:2]) for i in invocations(ROOT / "docs" / "OPERATOR-GUIDE.ja.md")}
    needed = {"db upgrade", "run", "staff add", "staff list", "escalations list", "demo"}
    assert needed <= shown, sorted(needed - shown)
