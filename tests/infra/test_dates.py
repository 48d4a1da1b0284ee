"""Dates and times as people read them: 12月5日(土) / Sat 5 Dec, 10:00, 日本時間."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from infra import dates

ZONE = "Asia/Tokyo"
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # Saturday 10:00 in Tokyo


def test_a_day_with_its_weekday() -> None:
    assert dates.day(NOW, "ja", ZONE) == "12月5日(土)"
    assert dates.day(NOW, "en", ZONE) == "Sat 5 Dec"
    assert dates.day_with_year(NOW, "ja", ZONE) == "2026年12月5日(土)"
    assert dates.day_with_year(NOW, "en", ZONE) == "Sat, 5 Dec 2026"


def test_the_day_is_the_local_one() -> None:
    late = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)  # Sunday 1:30 in Tokyo
    assert dates.day(late, "ja", ZoneInfo(ZONE)) == "12月6日(日)"
    assert dates.day_and_time(late, "ja", ZONE) == "12月6日(日) 1:30"
    assert dates.day_and_time(late, "en", "Europe/London") == "Sat 5 Dec, 16:30"


def test_a_day_and_a_time() -> None:
    assert dates.day_and_time(NOW, "ja", ZONE) == "12月5日(土) 10:00"
    assert dates.day_and_time(NOW, "en", ZONE) == "Sat 5 Dec, 10:00"


@pytest.mark.parametrize(
    ("start", "end", "lang", "expected"),
    [
        (time(22), time(7), "ja", "22:00〜7:00"),
        (time(22), time(7), "en", "22:00–07:00"),
        (time(9, 30), time(18), "ja", "9:30〜18:00"),
    ],
)
def test_a_range_of_times(start: time, end: time, lang: str, expected: str) -> None:
    assert dates.clock_range(start, end, lang) == expected


@pytest.mark.parametrize(
    ("zone", "lang", "expected"),
    [
        ("Asia/Tokyo", "ja", "日本時間"),
        ("Asia/Tokyo", "en", "Japan Time"),
        ("Europe/London", "ja", "イギリス時間"),
        ("UTC", "ja", "GMT+00:00"),
        ("Etc/GMT-9", "en", "GMT+09:00"),
    ],
)
def test_a_time_zone_in_words(zone: str, lang: str, expected: str) -> None:
    assert dates.zone_name(zone, lang) == expected
