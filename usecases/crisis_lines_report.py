"""`tsunagari crisis-lines`: which lines the crisis reply would show at a given time.

Works from the configuration alone (no database): the organisation's crisis-line file if
it names one, its time zone (`checkin.timezone`) for `--at` and for "now".
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import ConfigError, TsunagariError
from infra.settings import Settings
from signals.crisis import CrisisLine, Situation, load_crisis_lines
from signals.crisis_choice import ShownLine, choose_lines

__all__ = ["COLUMNS", "crisis_lines_report", "organisation_crisis_lines", "parse_at"]

COLUMNS = ("number", "name", "open_now", "closes_at", "why", "hours")
_AT_FORMAT = "YYYY-MM-DD HH:MM"


def organisation_crisis_lines(settings: Settings) -> list[CrisisLine]:
    """The packaged lines, or the organisation's file; a bad file names the key."""
    path = settings.signals.crisis_lines
    try:
        return load_crisis_lines(path)
    except ValueError as exc:  # SignalsConfigError: it names the file, line and key
        raise ConfigError("signals.crisis_lines", "a valid crisis lines file", str(exc)) from None


def parse_at(text: str | None, zone: ZoneInfo, now: datetime) -> datetime:
    """`--at` in the organisation's time zone (an explicit offset is honoured); default now."""
    if text is None:
        return now.astimezone(zone)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TsunagariError(
            f"--at: expected a time written {_AT_FORMAT} (in {zone.key}), got {text!r}"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def _row(shown: ShownLine, language: str) -> dict[str, Any]:
    line = shown.line
    group = shown.language_group
    return {
        "key": line.key,
        "name": line.name(language),
        "number": line.number,
        "open_now": shown.open_now,
        "hours": line.hours(language),
        "why": shown.why.value,
        "situation": shown.situation.value if shown.situation is not None else None,
        "open_24h": line.always_open,
        "closes_at": shown.closes_at.isoformat() if shown.closes_at is not None else None,
        "answers_in_language_now": shown.in_language,
        "language_hours": (group.hours(language) or None) if group is not None else None,
        "last_verified": line.last_verified.isoformat(),
        "source": line.source,
    }


def crisis_lines_report(
    settings: Settings,
    *,
    at: str | None,
    now: datetime,
    language: str,
    situations: Collection[Situation],
) -> tuple[datetime, list[dict[str, Any]]]:
    """The moment looked at and one row per line the reply would show, in its order."""
    zone = ZoneInfo(settings.checkin.timezone)
    moment = parse_at(at, zone, now)
    lines = organisation_crisis_lines(settings)
    shown = choose_lines(lines, moment, zone, language, situations)
    return moment, [_row(s, language) for s in shown]
