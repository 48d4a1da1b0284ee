"""How the command line prints records: aligned tables for people, JSON for scripts.

Tables are for reading: columns line up in a terminal even with kanji and full-width
kana (each takes two columns, a combining mark none), and times are shown in the
organisation's time zone as `2026-11-23 10:00 JST`. JSON is for scripts: the same rows
with times in ISO 8601 with their offset (UTC as stored).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, TextIO

__all__ = ["display_width", "emit", "pad", "table_value"]


def display_width(text: str) -> int:
    """The columns `text` takes in a terminal: East Asian wide and full-width characters
    take two, combining marks and zero-width characters none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` display columns."""
    return text + " " * max(0, width - display_width(text))


def table_value(value: Any, zone: tzinfo) -> str:
    """A cell: nothing for a missing value, a time in the organisation's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_table(
    rows: list[dict[str, Any]], columns: Sequence[str], out: TextIO, zone: tzinfo
) -> None:
    if not rows:
        out.write("(none)\n")
        return
    cells = [[table_value(r[c], zone) for c in columns] for r in rows]
    widths = [
        max(display_width(c), *(display_width(row[i]) for row in cells))
        for i, c in enumerate(columns)
    ]
    for line in (list(columns), *cells):
        out.write("  ".join(pad(v, w) for v, w in zip(line, widths, strict=True)).rstrip() + "\n")


def emit(
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    as_json: bool,
    out: TextIO,
    zone: tzinfo,
) -> None:
    """Print `rows` as a JSON array (every field) or as a table of `columns`."""
    if as_json:
        out.write(json.dumps(rows, ensure_ascii=False, indent=2, default=_json_value) + "\n")
    else:
        _print_table(rows, columns, out, zone)
