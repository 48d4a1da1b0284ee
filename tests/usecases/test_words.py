"""Values in words: a person with or without a name, a schedule, durations, levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.cadence import CadenceLevel
from infra.i18n import Catalog
from usecases.words import (
    duration,
    language_name,
    level_name,
    moment,
    person_label,
    schedule_words,
)

CATALOG = Catalog()


@pytest.mark.parametrize(
    ("lang", "name", "expected"),
    [
        ("ja", "田中", "田中さん（ID 3）"),
        ("ja", None, "ID 3の方"),
        ("ja", "  ", "ID 3の方"),
        ("en", "Tanaka", "Tanaka (ID 3)"),
        ("en", None, "Person 3"),
    ],
)
def test_a_person_is_named_or_worded(lang: str, name: str | None, expected: str) -> None:
    assert person_label(CATALOG, lang, name, 3) == expected


def test_a_schedule_in_words() -> None:
    ja = schedule_words(
        CATALOG,
        "ja",
        times="09:00,18:30",
        days="mon,wed,fri",
        timezone="Asia/Tokyo",
        quiet_hours="22:00-07:00",
    )
    assert (ja.times, ja.days, ja.timezone, ja.quiet) == (
        "9:00、18:30",
        "月曜・水曜・金曜",
        "日本時間",
        "22:00〜7:00",
    )
    en = schedule_words(
        CATALOG, "en", times="10:00", days="every 3 days", timezone="UTC", quiet_hours=None
    )
    assert (en.times, en.days, en.timezone, en.quiet) == (
        "10:00",
        "every 3 days",
        "GMT+00:00",
        "none",
    )
    for days, words in [("daily", "毎日"), ("weekdays", "平日"), ("sat,sun", "土日")]:
        shown = schedule_words(
            CATALOG, "ja", times="10:00", days=days, timezone="Asia/Tokyo", quiet_hours=""
        )
        assert (shown.days, shown.quiet) == (words, "なし")


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        (timedelta(minutes=25), "25分", "25 min"),
        (timedelta(hours=6), "6時間", "6 h"),
        (timedelta(hours=1, minutes=30), "1時間30分", "1 h 30 min"),
        (timedelta(days=2), "2日", "2 d"),
        (timedelta(hours=36), "36時間", "36 h"),
        (timedelta(0), "0分", "0 min"),
    ],
)
def test_durations(value: timedelta, ja: str, en: str) -> None:
    assert duration(CATALOG, "ja", value) == ja
    assert duration(CATALOG, "en", value) == en


def test_levels_languages_and_missing_moments() -> None:
    assert [level_name(CATALOG, "ja", level) for level in CadenceLevel] == [
        "ゆったり",
        "ふだんどおり",
        "こまめに",
        "とてもこまめに",
    ]
    assert level_name(CATALOG, "en", "closest") == "most often"
    assert language_name(CATALOG, "ja", "ja") == "日本語"
    assert language_name(CATALOG, "en", "ja") == "Japanese"
    assert language_name(CATALOG, "ja", "fr") == "日本語", "an unknown code reads as the default"
    assert moment(CATALOG, "ja", None, "Asia/Tokyo", missing="common.not_yet") == "まだありません"
    at = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert moment(CATALOG, "en", at, "Asia/Tokyo", missing="common.none") == "Sat 5 Dec, 10:00"
