"""The person page's pure parts: the layout in SVG coordinates, and what the schedule form
changes (only what differs from today, in an order /schedule's rules accept)."""

from __future__ import annotations

import pytest

from domain.lifeline import lay_out
from domain.timeline import TimelineEvent, TimelineKind
from tests.domain.test_lifeline import at, daily, tie
from web.person import HEIGHT, MARGIN, WIDTH, drawing, schedule_changes

K = TimelineKind
TODAY = {
    "times": "09:00",
    "days": "daily",
    "timezone": "Asia/Tokyo",
    "quiet": "22:00-07:00",
    "nudge": "6h",
    "escalate": "2d",
    "tightest": "closest",
    "loosest": "loose",
}

CHANGES: list[tuple[str, dict[str, str], list[tuple[str, list[str]]]]] = [
    ("nothing", {}, []),
    ("spaces are not a change", {"times": " 09:00 "}, []),
    ("times", {"times": "10:00,18:30"}, [("times", ["10:00,18:30"])]),
    ("quiet hours off", {"quiet": ""}, [("quiet", ["off"])]),
    (
        "a template first",
        {"template": "weekly", "days": "mon"},
        [
            ("template", ["weekly"]),
            ("days", ["mon"]),
        ],
    ),
    (
        "shorter delays: the nudge first",
        {"nudge": "1h", "escalate": "1d"},
        [
            ("nudge", ["1h"]),
            ("escalate", ["1d"]),
        ],
    ),
    (
        "longer delays: the escalation first",
        {"nudge": "3d", "escalate": "5d"},
        [
            ("escalate", ["5d"]),
            ("nudge", ["3d"]),
        ],
    ),
    ("cadence bounds together", {"tightest": "close"}, [("cadence", ["close", "loose"])]),
]


@pytest.mark.parametrize(("name", "form", "expected"), CHANGES, ids=[c[0] for c in CHANGES])
def test_schedule_changes(name: str, form: dict[str, str], expected: list[object]) -> None:
    assert schedule_changes({**TODAY, "template": "", **form}, TODAY) == expected


def test_the_drawing_is_the_layout_in_svg_coordinates() -> None:
    events = [
        *daily(range(0, 10)),
        *daily(range(14, 20), mood=None, first_id=100),
        TimelineEvent(at(10), K.PAUSED),
        TimelineEvent(at(13), K.RESUMED),
        TimelineEvent(at(15), K.ESCALATION_OPENED, {"escalation_id": 1, "priority": "P1"}),
        *tie(1, (3, K.TIE_PROPOSED), (4, K.TIE_ACTIVE), (8, K.TIE_ENDED)),
    ]
    picture = drawing(lay_out(sorted(events, key=lambda e: e.at), at(21)))
    assert (picture.width, picture.height) == (WIDTH, HEIGHT)
    assert len(picture.life) == len(picture.band) == 2
    for points in picture.life + picture.band:
        for pair in points.split():
            x, y = map(float, pair.split(","))
            assert MARGIN <= x <= WIDTH - MARGIN and 0 <= y <= HEIGHT
    assert [m.css for m in picture.spans] == ["ll-episode ll-p1"]
    assert [m.css for m in picture.gaps] == ["ll-gap"]
    assert [m.css for m in picture.ties] == ["ll-tie ll-ended", "ll-tie ll-left"]
    assert picture.silences and all(m.css == "ll-silence" for m in picture.silences)
