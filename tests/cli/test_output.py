"""`cli.output`: tables that line up with kanji, times in the organisation's zone."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cli.output import display_width, emit, pad, table_value

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("Sato", 4),
        ("佐藤", 4),
        ("ｻﾄｳ", 3),  # half-width kana take one column
        ("田中　花子", 10),  # the ideographic space is wide too
        ("café", 4),
        ("cafe\u0301", 4),  # a combining accent takes none
        ("", 0),
    ],
)
def test_display_width_counts_terminal_columns(text: str, width: int):
    assert display_width(text) == width


def test_pad_fills_to_display_columns():
    assert pad("佐藤", 6) == "佐藤  "
    assert pad("Sato", 6) == "Sato  "


def test_a_table_with_kanji_names_lines_up():
    rows = [
        {"id": 1, "name": "佐藤 花子", "role": "coordinator"},
        {"id": 2, "name": "Tanaka", "role": "worker"},
        {"id": 10, "name": "ｽｽﾞｷ", "role": "worker"},
    ]
    out = io.StringIO()
    emit(rows, ("id", "name", "role"), False, out, TOKYO)
    lines = out.getvalue().splitlines()
    starts = {
        display_width(line[: line.index(role)])
        for line, role in zip(lines, ("role", "coordinator", "worker", "worker"), strict=True)
    }
    assert starts == {len("id  ") + display_width("佐藤 花子") + 2}


def test_table_times_are_in_the_organisations_zone_and_json_keeps_iso():
    at = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert table_value(at, TOKYO) == "2026-11-23 10:00 JST"
    assert table_value(at, ZoneInfo("Europe/London")) == "2026-11-23 01:00 GMT"
    assert table_value(None, TOKYO) == ""
    out = io.StringIO()
    emit([{"at": at, "reasons": ["silence"]}], ("at",), True, out, TOKYO)
    assert json.loads(out.getvalue()) == [
        {"at": "2026-11-23T01:00:00+00:00", "reasons": ["silence"]}
    ]
