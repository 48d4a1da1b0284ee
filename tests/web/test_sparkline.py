"""The caseload's mood sparkline: one point per mood, oldest on the left, better higher."""

from __future__ import annotations

import pytest

from web.sparkline import HEIGHT, WIDTH, sparkline


@pytest.mark.parametrize(
    ("scores", "points", "last"),
    [
        ([1, 5], "4,4 116,28", (116, 28)),  # from the best to the worst: down
        ([5, 3, 1], "4,28 60,16 116,4", (116, 4)),  # getting better: up
        ([3], "60,16", (60, 16)),  # one mood: a dot in the middle
        ([9, 0], "4,28 116,4", (116, 4)),  # out of range is held to the scale
    ],
)
def test_points(scores: list[int], points: str, last: tuple[float, float]) -> None:
    drawn = sparkline(scores)
    assert drawn is not None
    assert (drawn.points, drawn.last) == (points, last)
    assert (drawn.width, drawn.height) == (WIDTH, HEIGHT)


def test_no_moods_no_line() -> None:
    assert sparkline([]) is None
