"""Values as people and staff read them: words, never stored tokens.

A person is 「田中さん（ID 1）」, or 「ID 1の方」 once the name is erased; a schedule is
毎日・日本時間・22:00〜7:00, not "daily", "Asia/Tokyo", "22:00-07:00"; a missing value is
a word (なし, まだありません), never "-". Dates and times come from `infra.dates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import schedule as sched
from domain.cadence import CadenceLevel
from infra import dates
from infra.i18n import Catalog
from storage.escalations import Escalation, subject_name, subject_ref
from storage.people import Person
from usecases.working_hours import describe_days

__all__ = [
    "ScheduleWords",
    "duration",
    "language_name",
    "level_name",
    "moment",
    "person_label",
    "person_schedule_words",
    "schedule_words",
    "shown",
    "subject_label",
    "wrong_value_text",
]

_MINUTE, _HOUR, _DAY = 60, 60 * 60, 24 * 60 * 60


def shown(value: str, limit: int = 40) -> str:
    """A value as it may be quoted back: short, and only visible characters."""
    visible = "".join(ch if ch.isprintable() else "\ufffd" for ch in value[:limit])
    return visible + ("…" if len(value) > limit else "")


def wrong_value_text(
    catalog: Catalog,
    language: str,
    form: str,
    value: str,
    params: dict[str, object],
    *,
    not_allowed: bool,
) -> str:
    """The kind words naming one wrong value and the form it should take (`args.form.<form>`);
    a missing value gets the form alone. `not_allowed`: it read well but does not fit (an
    order, a conflict), so "can't be used" rather than "couldn't read"."""
    expected = catalog.text(language, f"args.form.{form}", **params)
    if not value.strip():
        return expected
    template = "args.not_allowed" if not_allowed else "args.bad"
    return catalog.text(language, template, value=shown(value), form=expected)


def person_label(catalog: Catalog, language: str, name: str | None, ref: object) -> str:
    """「田中さん（ID 1）」/ "Tanaka (ID 1)"; with no name (erased, or never given)
    「ID 1の方」/ "Person 1" — never 「-さん」."""
    if name and name.strip():
        return catalog.text(language, "staff.person_named", name=name.strip(), person_id=ref)
    return catalog.text(language, "staff.person_unnamed", person_id=ref)


def subject_label(
    catalog: Catalog, language: str, escalation: Escalation, person: Person | None
) -> str:
    """An episode's subject as staff read it: the person, or a stranger by Telegram id."""
    name = subject_name(escalation, person)
    return person_label(catalog, language, name, subject_ref(escalation))


def moment(
    catalog: Catalog, language: str, value: datetime | None, zone: str, *, missing: str
) -> str:
    """An instant in the reader's words (12月5日(土) 10:00), or the catalog's word for a
    missing one (`missing` is a catalog key such as common.none or common.not_yet)."""
    if value is None:
        return catalog.text(language, missing)
    return dates.day_and_time(value, language, zone)


def duration(catalog: Catalog, language: str, value: timedelta) -> str:
    """6時間, 1時間30分, 2日, 36時間 / "6 h", "1 h 30 min", "2 d"."""
    seconds = max(0, int(value.total_seconds()))
    if seconds and seconds % _DAY == 0:
        return catalog.text(language, "duration.days", days=seconds // _DAY)
    hours, minutes = divmod(seconds // _MINUTE, 60)
    if not hours:
        return catalog.text(language, "duration.minutes", minutes=minutes)
    if not minutes:
        return catalog.text(language, "duration.hours", hours=hours)
    return catalog.text(language, "duration.hours_minutes", hours=hours, minutes=minutes)


def level_name(catalog: Catalog, language: str, level: CadenceLevel | str) -> str:
    """A cadence level in words (とてもこまめに … ゆったり)."""
    return catalog.text(language, f"cadence.level.{CadenceLevel(level).value}")


def language_name(catalog: Catalog, language: str, code: str) -> str:
    """日本語 / English, in the reader's language; an unknown code reads as the default."""
    known = code if code in ("ja", "en") else catalog.default_language
    return catalog.text(language, f"language.{known}")


@dataclass(frozen=True, slots=True)
class ScheduleWords:
    times: str
    days: str
    timezone: str
    quiet: str


def schedule_words(
    catalog: Catalog,
    language: str,
    *,
    times: str,
    days: str,
    timezone: str,
    quiet_hours: str | None,
) -> ScheduleWords:
    """A stored schedule ("09:00,18:00", "mon,wed,fri", "Asia/Tokyo", "22:00-07:00") in
    words: 9:00、18:00, 月曜・水曜・金曜, 日本時間, 22:00〜7:00 (or なし)."""
    separator = catalog.text(language, "escalation.name_separator")
    clock_times = separator.join(dates.clock(t, language) for t in sched.parse_times(times))
    quiet = sched.parse_quiet_hours(quiet_hours or "")
    return ScheduleWords(
        times=clock_times,
        days=_days(catalog, language, sched.parse_days(days)),
        timezone=dates.zone_name(timezone, language),
        quiet=(
            dates.clock_range(quiet[0], quiet[1], language)
            if quiet is not None
            else catalog.text(language, "common.none")
        ),
    )


def person_schedule_words(catalog: Catalog, language: str, person: Person) -> ScheduleWords:
    """The person's stored schedule in words (`schedule_words` of their columns)."""
    return schedule_words(
        catalog,
        language,
        times=person.checkin_times,
        days=person.checkin_days,
        timezone=person.timezone,
        quiet_hours=person.quiet_hours,
    )


def _days(catalog: Catalog, language: str, rule: sched.DayRule) -> str:
    if rule.kind is sched.DayKind.EVERY_N:
        return catalog.text(language, "hours.every_n", n=rule.every)
    if rule.kind is sched.DayKind.WEEKDAYS:
        return describe_days(catalog, language, tuple(range(5)))
    if rule.kind is sched.DayKind.CHOSEN:
        return describe_days(catalog, language, tuple(sorted(rule.weekdays)))
    return describe_days(catalog, language, tuple(range(7)))
