from datetime import UTC, datetime, timedelta

import pytest

from domain.cadence import CadenceBounds, CadenceLevel
from domain.focus import ReviewChoice, focus_level, next_review

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
L = CadenceLevel


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ReviewChoice.CONTINUE_7, NOW + timedelta(days=7)),
        (ReviewChoice.CONTINUE_14, NOW + timedelta(days=14)),
        (ReviewChoice.BASE, None),
    ],
)
def test_next_review(choice: ReviewChoice, expected: datetime | None) -> None:
    assert next_review(choice, NOW) == expected


def test_next_review_needs_an_aware_now() -> None:
    with pytest.raises(ValueError):
        next_review(ReviewChoice.BASE, NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("current", "bounds", "expected"),
    [
        (L.LOOSE, CadenceBounds(), L.CLOSE),
        (L.BASE, CadenceBounds(), L.CLOSE),
        (L.CLOSE, CadenceBounds(), L.CLOSE),
        (L.CLOSEST, CadenceBounds(), L.CLOSEST),  # already denser: stays
        (L.BASE, CadenceBounds(tightest=L.BASE), L.BASE),  # the coordinator's bound holds
        (L.LOOSE, CadenceBounds(tightest=L.BASE, loosest=L.LOOSE), L.BASE),
    ],
)
def test_focus_level(current: CadenceLevel, bounds: CadenceBounds, expected: CadenceLevel) -> None:
    assert focus_level(current, bounds) == expected
