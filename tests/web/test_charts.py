"""The organisation page's bars: lengths in proportion to the largest, a zero still seen,
one row each, labels from the words given."""

from __future__ import annotations

from usecases.organisation_view import Series
from web.organisation import BAR_AREA, ROW, chart


def test_bars_are_as_long_as_their_share_of_the_largest() -> None:
    drawn = chart(
        "priority",
        Series([("P1", 4), ("P2", 1), ("P3", 0)]),
        {"P1": "至急", "P2": "通常", "P3": "低め"},
    )
    assert [(b.label, b.value, b.width) for b in drawn.bars] == [
        ("至急", 4, BAR_AREA),
        ("通常", 1, BAR_AREA // 4),
        ("低め", 0, 2),
    ]
    assert [b.y for b in drawn.bars] == [14, 14 + ROW, 14 + 2 * ROW]
    assert drawn.height == 3 * ROW


def test_nothing_to_count_draws_slivers() -> None:
    drawn = chart(
        "replies", Series([("replied", 0), ("unanswered", 0)]), {"replied": "a", "unanswered": "b"}
    )
    assert [b.width for b in drawn.bars] == [2, 2]
