"""Every relative link in the project's documents resolves: the file or folder exists, and an
anchor (`#...`) names a heading of the target as GitHub renders it (or an explicit anchor)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "DEVELOPERS.md", *(ROOT / "docs").glob("*.md")]
    + [p for p in ROOT.glob("*/**/README.md") if not {".venv", "tests"} & set(p.parts)]
)
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose(path: Path) -> list[str]:
    """The document's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        lines.append("" if fenced else line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lower-cased, punctuation dropped
    (letters of every script, digits, `_` and `-` kept), spaces turned into hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    return "".join(c for c in text if c.isalnum() or c in "_- ").replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose(path):
        found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match[2])
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for number, line in enumerate(prose(path), start=1):
        for target in LINK.findall(INLINE_CODE.sub("", line)):
            if not target or SCHEME.match(target):
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / unquote(file_part)).resolve() if file_part else path
            where = f"{path.relative_to(root)}:{number}: {target}"
            if not resolved.exists():
                broken.append(f"{where}: no such file")
            elif anchor and resolved.suffix == ".md" and unquote(anchor) not in anchors(resolved):
                broken.append(f"{where}: no heading with that anchor")
    return broken


def test_the_slugs_follow_github() -> None:
    assert slug("Running it for real") == "running-it-for-real"
    assert slug("Checking the signals: `tsunagari signals eval`") == (
        "checking-the-signals-tsunagari-signals-eval"
    )
    assert slug("日本語の概要") == "日本語の概要"
    assert slug("5. ボットが止まったとき（困ったとき）") == "5-ボットが止まったとき困ったとき"


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## 本番で動かす\n\n[ok](#本番で動かす) [bad](#本番) [gone](missing.md)\n"
        "`[code](nowhere.md)`\n\n```\n[fenced](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    found = [line.rsplit(": ", 1)[1] for line in broken_links(page, tmp_path)]
    assert found == ["no heading with that anchor", "no such file"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(p.relative_to(ROOT)) for p in DOCUMENTS])
def test_every_relative_link_resolves(path: Path) -> None:
    assert path.exists()
    assert not broken_links(path), "\n".join(broken_links(path))


def test_the_documents_are_checked() -> None:
    names = {str(p.relative_to(ROOT)) for p in DOCUMENTS}
    assert {"README.md", "DEVELOPERS.md", "docs/ARCHITECTURE.md"} <= names
    assert any("](" in "".join(prose(p)) for p in DOCUMENTS)
