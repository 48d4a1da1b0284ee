"""Changing a person's schedule and cadence bounds: the rules the chat's /schedule and the
web view's person page both use. A wrong value raises `ScheduleProblem` naming the part
and the form expected; nothing is left half-changed; every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain import schedule as sched
from domain.cadence import CadenceBounds, CadenceLevel
from domain.durations import format_duration, parse_duration
from domain.people import PersonStatus
from storage.audit import AuditRepository
from storage.people import Person
from storage.staff import Staff
from usecases.planning import next_checkin_for, person_schedule
from usecases.services import Services
from usecases.words import shown, wrong_value_text

__all__ = [
    "FIELD_PROBLEMS",
    "MAX_DELAY_S",
    "NOT_ALLOWED",
    "SCHEDULE_FIELDS",
    "Problem",
    "ScheduleProblem",
    "apply_schedule_change",
    "change_schedule",
    "problem_text",
]

T = TypeVar("T")

MAX_DELAY_S = 366 * 86_400
# The schedule's text columns and their lengths (storage/people.py).
STORED_LENGTHS = {"checkin_times": 100, "checkin_days": 40, "timezone": 64, "quiet_hours": 20}


class Problem(StrEnum):
    """What a part of the schedule should have been; the values are the chat's argument
    kinds (`args.form.<value>` names the form expected)."""

    FIELD = "field"
    TIMES = "times"
    DAY_RULE = "day_rule"
    TIMEZONE = "timezone"
    QUIET = "quiet"
    QUIET_CONFLICT = "quiet_conflict"
    DURATION = "duration"
    DELAYS = "delays"
    CADENCE = "cadence"
    CADENCE_ORDER = "cadence_order"
    TEMPLATE = "template"
    NO_TEMPLATE = "no_template"
    TOO_LONG = "too_long"


# Values that read well but do not fit (an order, a conflict): "can't be used", not
# "couldn't read".
NOT_ALLOWED = frozenset(
    {Problem.QUIET_CONFLICT, Problem.DELAYS, Problem.CADENCE_ORDER, Problem.TOO_LONG}
)

# What each part expects when its value is missing.
FIELD_PROBLEMS = {
    "times": Problem.TIMES,
    "days": Problem.DAY_RULE,
    "tz": Problem.TIMEZONE,
    "timezone": Problem.TIMEZONE,
    "quiet": Problem.QUIET,
    "nudge": Problem.DURATION,
    "escalate": Problem.DURATION,
    "cadence": Problem.CADENCE,
    "template": Problem.TEMPLATE,
}

SCHEDULE_FIELDS = (
    "checkin_times",
    "checkin_days",
    "timezone",
    "quiet_hours",
    "nudge_after_s",
    "escalate_after_s",
    "cadence_tightest",
    "cadence_loosest",
    "cadence_level",
)


class ScheduleProblem(ValueError):
    """A part of the schedule that is not of the expected form; `value` is what was typed."""

    def __init__(self, problem: Problem, value: str, **params: object) -> None:
        self.problem = problem
        self.value = value
        self.params = params
        super().__init__(f"bad {problem.value} value")


def problem_text(svc: Services, language: str, exc: ScheduleProblem) -> str:
    """The kind words naming the one wrong value and the form it should take."""
    return wrong_value_text(
        svc.catalog,
        language,
        exc.problem.value,
        exc.value,
        exc.params,
        not_allowed=exc.problem in NOT_ALLOWED,
    )


def _times(value: str) -> str:
    try:
        return sched.format_times(sched.parse_times(value))
    except ValueError:
        # Name the one time that is wrong, not the whole list.
        for part in value.split(","):
            try:
                sched.parse_hhmm(part.strip())
            except ValueError:
                raise ScheduleProblem(Problem.TIMES, part.strip()) from None
        raise ScheduleProblem(Problem.TIMES, value) from None


def _parsed(problem: Problem, value: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(value)
    except ValueError:
        raise ScheduleProblem(problem, value) from None


def _delays(person: Person, field: str, value: str) -> None:
    seconds = int(_parsed(Problem.DURATION, value, parse_duration).total_seconds())
    nudge = seconds if field == "nudge" else person.nudge_after_s
    escalate = seconds if field == "escalate" else person.escalate_after_s
    if not 0 < nudge < escalate <= MAX_DELAY_S:
        raise ScheduleProblem(
            Problem.DELAYS,
            value,
            nudge=format_duration(timedelta(seconds=person.nudge_after_s)),
            escalate=format_duration(timedelta(seconds=person.escalate_after_s)),
        )
    person.nudge_after_s, person.escalate_after_s = nudge, escalate


def _cadence(person: Person, values: list[str]) -> None:
    if len(values) != 2:
        raise ScheduleProblem(Problem.CADENCE, " ".join(values))
    tightest, loosest = (_parsed(Problem.CADENCE, v, CadenceLevel) for v in values)
    try:
        bounds = CadenceBounds(tightest=tightest, loosest=loosest)
    except ValueError:
        raise ScheduleProblem(Problem.CADENCE_ORDER, " ".join(values)) from None
    person.cadence_tightest, person.cadence_loosest = bounds.tightest, bounds.loosest
    person.cadence_level = bounds.clamp(CadenceLevel(person.cadence_level))


def _template(svc: Services, person: Person, value: str) -> None:
    templates = svc.settings.checkin.templates
    if not templates:
        raise ScheduleProblem(Problem.NO_TEMPLATE, value)
    template = next((t for t in templates if t.name == value), None)
    if template is None:
        raise ScheduleProblem(Problem.TEMPLATE, value, names=", ".join(t.name for t in templates))
    person.checkin_times = sched.format_times(template.times)
    person.checkin_days = template.days


def _set_field(svc: Services, person: Person, field: str, values: list[str]) -> None:
    value = " ".join(values)
    if field == "times":
        person.checkin_times = _times(value)
    elif field == "days":
        person.checkin_days = sched.format_days(_parsed(Problem.DAY_RULE, value, sched.parse_days))
    elif field in ("tz", "timezone"):
        person.timezone = _parsed(Problem.TIMEZONE, value, sched.load_zone).key
    elif field == "quiet":
        quiet = _parsed(Problem.QUIET, value, sched.parse_quiet_hours)
        person.quiet_hours = sched.format_quiet_hours(*quiet) if quiet else None
    elif field in ("nudge", "escalate"):
        _delays(person, field, value)
    elif field == "cadence":
        _cadence(person, values)
    elif field == "template":
        _template(svc, person, value)
    else:
        raise ScheduleProblem(Problem.FIELD, field)


def apply_schedule_change(svc: Services, person: Person, field: str, values: list[str]) -> None:
    """Change one part of a person's schedule; a wrong value raises `ScheduleProblem`."""
    if field not in FIELD_PROBLEMS:
        raise ScheduleProblem(Problem.FIELD, field)
    if not values:
        if field == "template":
            _template(svc, person, "")  # names the templates there are
        raise ScheduleProblem(FIELD_PROBLEMS[field], "")
    _set_field(svc, person, field, values)
    for name, limit in STORED_LENGTHS.items():
        # What is written must fit its column (PostgreSQL refuses longer text).
        if len(getattr(person, name) or "") > limit:
            raise ScheduleProblem(Problem.TOO_LONG, shown(" ".join(values), 20))
    try:
        person_schedule(person, svc.settings)  # the whole schedule (e.g. quiet hours)
    except ValueError:
        raise ScheduleProblem(Problem.QUIET_CONFLICT, " ".join(values)) from None


def change_schedule(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    person: Person,
    changes: list[tuple[str, list[str]]],
    now: datetime,
    *,
    via: str | None = None,
) -> None:
    """Apply each (part, values) in turn, then plan the next check-in; each change is
    audited as `schedule.changed`. On a `ScheduleProblem` nothing has changed."""
    before = {name: getattr(person, name) for name in SCHEDULE_FIELDS}
    audit: list[tuple[str, dict[str, str]]] = []
    try:
        for field, values in changes:
            previous = {k: str(getattr(person, k)) for k in SCHEDULE_FIELDS}
            apply_schedule_change(svc, person, field, values)
            audit.append((field, previous))
    except ScheduleProblem:
        for name, value in before.items():
            setattr(person, name, value)
        raise
    if person.status is PersonStatus.ACTIVE:
        person.next_checkin_at = next_checkin_for(person, svc.settings, now)
    for field, previous in audit:
        detail: dict[str, object] = {"field": field, "before": previous}
        if via is not None:
            detail["via"] = via
        AuditRepository(session).record(
            action="schedule.changed",
            staff_id=staff.id,
            person_id=person.id,
            now=now,
            detail=detail,
        )
