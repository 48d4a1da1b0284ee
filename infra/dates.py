"""Dates, times and time zones as people and staff read them, in one place.

Japanese: 12月5日(土), 2026年12月5日(土), 10:00, 22:00〜7:00, 日本時間.
English (British forms, unambiguous day and month): Sat 5 Dec, Sat, 5 Dec 2026, 10:00,
22:00–07:00, Japan Time. Babel's CLDR data does the locale-aware work; every date or time
the bot shows to a person or a staff member goes through here, never through strftime.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_timezone_gmt, get_timezone_location

__all__ = ["clock", "clock_range", "day", "day_and_time", "day_with_year", "zone_name"]

# "en" reads as British English: "Sat 5 Dec" is unambiguous where "12/5" is not.
_LOCALES = {"ja": "ja", "en": "en_GB"}
_RANGE_SEPARATOR = {"ja": "〜", "en": "–"}
_DAY_TIME_SEPARATOR = {"ja": " ", "en": ", "}


def _locale(language: str) -> str:
    return _LOCALES.get(language, "ja")


def _local(value: datetime, zone: ZoneInfo | str) -> datetime:
    return value.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))


def day(value: datetime, language: str, zone: ZoneInfo | str) -> str:
    """The local day with its weekday: 12月5日(土) / Sat 5 Dec."""
    return format_skeleton("MMMEd", _local(value, zone), locale=_locale(language))


def day_with_year(value: datetime, language: str, zone: ZoneInfo | str) -> str:
    """For days that may lie in another year: 2026年12月5日(土) / Sat, 5 Dec 2026."""
    return format_skeleton("yMMMEd", _local(value, zone), locale=_locale(language))


def clock(value: time | datetime, language: str) -> str:
    """A wall-clock time: 7:00 / 07:00 (24-hour in both languages)."""
    return format_skeleton("Hm", value, locale=_locale(language))


def day_and_time(value: datetime, language: str, zone: ZoneInfo | str) -> str:
    """12月5日(土) 10:00 / Sat 5 Dec, 10:00."""
    separator = _DAY_TIME_SEPARATOR.get(language, " ")
    return day(value, language, zone) + separator + clock(_local(value, zone), language)


def clock_range(start: time, end: time, language: str) -> str:
    """22:00〜7:00 / 22:00–07:00 (may run past midnight)."""
    separator = _RANGE_SEPARATOR.get(language, "〜")
    return clock(start, language) + separator + clock(end, language)


def zone_name(name: str, language: str) -> str:
    """A time zone in words: 日本時間 / Japan Time; a zone with no place (UTC, Etc/…) by its
    offset from GMT (GMT+09:00), never the raw identifier."""
    zone = ZoneInfo(name)
    if name.upper() in ("UTC", "GMT", "ZULU", "UCT") or name.startswith("Etc/"):
        return get_timezone_gmt(datetime(2000, 1, 1, tzinfo=zone), locale=_locale(language))
    return get_timezone_location(zone, locale=_locale(language))
