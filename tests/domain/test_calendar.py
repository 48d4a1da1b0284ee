"""`domain.calendar`: the organisation's own closed days, parsed, shown and applied."""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendar import (
    DatedClosure,
    YearlyClosure,
    closed_by,
    format_closure,
    parse_closure,
)


@pytest.mark.parametrize(
    ("text", "closure"),
    [
        ("12-29..01-03", YearlyClosure((12, 29), (1, 3))),
        ("08-13..08-16", YearlyClosure((8, 13), (8, 16))),
        ("05-01", YearlyClosure((5, 1), (5, 1))),
        ("02-29", YearlyClosure((2, 29), (2, 29))),
        (" 2027-05-06 ", DatedClosure(date(2027, 5, 6), date(2027, 5, 6))),
        ("2027-12-28..2028-01-05", DatedClosure(date(2027, 12, 28), date(2028, 1, 5))),
    ],
)
def test_closures_parse_and_read_back(text: str, closure: object) -> None:
    assert parse_closure(text) == closure
    assert format_closure(parse_closure(text)) == text.strip()


@pytest.mark.parametrize(
    "text",
    ["13-40", "02-30", "12/29", "12-29..", "2027-05-06..05-08", "2027-05-08..2027-05-06", "", "x"],
)
def test_malformed_closures_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_closure(text)


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2026, 12, 28), False),
        (date(2026, 12, 29), True),  # year-end begins
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), True),  # across the new year
        (date(2027, 1, 3), True),
        (date(2027, 1, 4), False),
        (date(2027, 8, 12), False),
        (date(2027, 8, 13), True),  # Obon
        (date(2027, 8, 16), True),
        (date(2027, 8, 17), False),
        (date(2027, 6, 1), True),  # a dated closure
        (date(2028, 6, 1), False),  # once only
    ],
)
def test_closed_by_applies_yearly_and_dated_closures(day: date, closed: bool) -> None:
    closures = [parse_closure(t) for t in ("12-29..01-03", "08-13..08-16", "2027-06-01")]
    assert closed_by(closures)(day) is closed


def test_closed_by_adds_the_holiday_calendar_it_is_given() -> None:
    founding_day = date(2027, 4, 10)
    assert closed_by([], lambda day: day == founding_day)(founding_day)
    assert not closed_by([], lambda day: day == founding_day)(date(2027, 4, 11))
    assert not closed_by([])(founding_day)
