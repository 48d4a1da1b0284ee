"""Coordinators' tools: assignments, schedules, statistics, staff invites and deactivation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain import schedule as sched
from domain.cadence import CadenceBounds, CadenceLevel
from domain.durations import format_duration, parse_duration
from domain.errors import NotFoundError
from domain.people import PersonStatus, StaffRole
from handlers.access import staff_command
from handlers.args import ArgKind, BadArgument, person_ref, shown, staff_ref
from handlers.handover import offer_handover
from handlers.turn import Actor, Turn
from storage.audit import AuditRepository
from storage.invites import InviteRepository, deep_link
from storage.people import Person
from storage.staff import StaffRepository
from usecases.continuity import assign
from usecases.planning import next_checkin_for, person_schedule
from usecases.services import Services
from usecases.staffing import responsibilities
from usecases.stats import stats_text
from usecases.visibility import visible_person
from usecases.web_access import end_web_sessions
from usecases.words import duration, level_name, schedule_words

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_DELAY_S = 366 * 86_400
# The schedule's text columns and their lengths (storage/people.py).
STORED_LENGTHS = {"checkin_times": 100, "checkin_days": 40, "timezone": 64, "quiet_hours": 20}

# What each /schedule part expects when its value is missing.
FIELD_NAMES = {
    "times": ArgKind.TIMES,
    "days": ArgKind.DAY_RULE,
    "tz": ArgKind.TIMEZONE,
    "timezone": ArgKind.TIMEZONE,
    "quiet": ArgKind.QUIET,
    "nudge": ArgKind.DURATION,
    "escalate": ArgKind.DURATION,
    "cadence": ArgKind.CADENCE,
    "template": ArgKind.TEMPLATE,
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


@staff_command(coordinator=True)
async def assign_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) not in (2, 3):
        turn.reply(session, turn.text("assign.usage"))
        return
    person_number = person_ref(args[0])
    worker_number = staff_ref(args[1])
    backup_number = staff_ref(args[2]) if len(args) == 3 else None
    person = await visible_person(session, actor.staff, person_number)
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    staff = StaffRepository(session)
    try:
        worker = await staff.resolve(worker_number)
        backup = await staff.resolve(backup_number) if backup_number is not None else None
    except NotFoundError:
        turn.reply(session, turn.text("invite.unknown_worker", ref=shown(" ".join(args[1:]))))
        return
    if backup is not None and backup.id == worker.id:
        turn.reply(session, turn.text("assign.same"))
        return
    await assign(turn.svc, session, actor.staff, person, worker, backup, turn.now)
    turn.reply(
        session,
        turn.text(
            "assign.done",
            person_id=person.id,
            worker=worker.name,
            backup=backup.name if backup else turn.text("common.none"),
        ),
    )


def _schedule_text(turn: Turn, person: Person) -> str:
    catalog, language = turn.svc.catalog, turn.language
    schedule = schedule_words(
        catalog,
        language,
        times=person.checkin_times,
        days=person.checkin_days,
        timezone=person.timezone,
        quiet_hours=person.quiet_hours,
    )
    templates = turn.text("escalation.name_separator").join(
        t.name for t in turn.svc.settings.checkin.templates
    )
    return turn.text(
        "schedule.show",
        person_id=person.id,
        times=schedule.times,
        days=schedule.days,
        timezone=schedule.timezone,
        quiet=schedule.quiet,
        nudge=duration(catalog, language, timedelta(seconds=person.nudge_after_s)),
        escalate=duration(catalog, language, timedelta(seconds=person.escalate_after_s)),
        level=level_name(catalog, language, person.cadence_level),
        tightest=level_name(catalog, language, person.cadence_tightest),
        loosest=level_name(catalog, language, person.cadence_loosest),
        templates=templates or turn.text("common.none"),
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
                raise BadArgument(ArgKind.TIMES, part.strip()) from None
        raise BadArgument(ArgKind.TIMES, value) from None


def _parsed(kind: ArgKind, value: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(value)
    except ValueError:
        raise BadArgument(kind, value) from None


def _delays(person: Person, field: str, value: str) -> None:
    seconds = int(_parsed(ArgKind.DURATION, value, parse_duration).total_seconds())
    nudge = seconds if field == "nudge" else person.nudge_after_s
    escalate = seconds if field == "escalate" else person.escalate_after_s
    if not 0 < nudge < escalate <= MAX_DELAY_S:
        raise BadArgument(
            ArgKind.DELAYS,
            value,
            nudge=format_duration(timedelta(seconds=person.nudge_after_s)),
            escalate=format_duration(timedelta(seconds=person.escalate_after_s)),
        )
    person.nudge_after_s, person.escalate_after_s = nudge, escalate


def _cadence(person: Person, values: list[str]) -> None:
    if len(values) != 2:
        raise BadArgument(ArgKind.CADENCE, " ".join(values))
    tightest, loosest = (_parsed(ArgKind.CADENCE, v, CadenceLevel) for v in values)
    try:
        bounds = CadenceBounds(tightest=tightest, loosest=loosest)
    except ValueError:
        raise BadArgument(ArgKind.CADENCE_ORDER, " ".join(values)) from None
    person.cadence_tightest, person.cadence_loosest = bounds.tightest, bounds.loosest
    person.cadence_level = bounds.clamp(CadenceLevel(person.cadence_level))


def _template(svc: Services, person: Person, value: str) -> None:
    templates = svc.settings.checkin.templates
    if not templates:
        raise BadArgument(ArgKind.NO_TEMPLATE, value)
    template = next((t for t in templates if t.name == value), None)
    if template is None:
        raise BadArgument(ArgKind.TEMPLATE, value, names=", ".join(t.name for t in templates))
    person.checkin_times = sched.format_times(template.times)
    person.checkin_days = template.days


def _set_field(svc: Services, person: Person, field: str, values: list[str]) -> None:
    value = " ".join(values)
    if field == "times":
        person.checkin_times = _times(value)
    elif field == "days":
        person.checkin_days = sched.format_days(_parsed(ArgKind.DAY_RULE, value, sched.parse_days))
    elif field in ("tz", "timezone"):
        person.timezone = _parsed(ArgKind.TIMEZONE, value, sched.load_zone).key
    elif field == "quiet":
        quiet = _parsed(ArgKind.QUIET, value, sched.parse_quiet_hours)
        person.quiet_hours = sched.format_quiet_hours(*quiet) if quiet else None
    elif field in ("nudge", "escalate"):
        _delays(person, field, value)
    elif field == "cadence":
        _cadence(person, values)
    elif field == "template":
        _template(svc, person, value)
    else:
        raise BadArgument(ArgKind.FIELD, field)


def apply_schedule_change(svc: Services, person: Person, field: str, values: list[str]) -> None:
    """Change one part of a person's schedule; a wrong value raises `BadArgument` naming it
    and the form expected (the turn replies with that one line)."""
    if field not in FIELD_NAMES:
        raise BadArgument(ArgKind.FIELD, field)
    if not values:
        if field == "template":
            _template(svc, person, "")  # names the templates there are
        raise BadArgument(FIELD_NAMES[field], "")
    _set_field(svc, person, field, values)
    for name, limit in STORED_LENGTHS.items():
        # What is written must fit its column (PostgreSQL refuses longer text).
        if len(getattr(person, name) or "") > limit:
            raise BadArgument(ArgKind.TOO_LONG, shown(" ".join(values), 20))
    try:
        person_schedule(person, svc.settings)  # the whole schedule (e.g. quiet hours)
    except ValueError:
        raise BadArgument(ArgKind.QUIET_CONFLICT, " ".join(values)) from None


@staff_command(coordinator=True)
async def schedule_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    assert actor.staff is not None
    if not args:
        turn.reply(session, turn.text("schedule.usage"))
        return
    person = await visible_person(session, actor.staff, person_ref(args[0]))
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    if len(args) == 1:
        AuditRepository(session).record(
            action="schedule.read", staff_id=actor.staff.id, person_id=person.id, now=turn.now
        )
        turn.reply(session, _schedule_text(turn, person))
        return
    field, values = args[1].lower(), args[2:]
    before = {name: getattr(person, name) for name in SCHEDULE_FIELDS}
    try:
        apply_schedule_change(turn.svc, person, field, values)
    except BadArgument:
        # Leave nothing half-changed; the turn replies naming the wrong argument.
        for name, value in before.items():
            setattr(person, name, value)
        raise
    if person.status is PersonStatus.ACTIVE:
        person.next_checkin_at = next_checkin_for(person, turn.svc.settings, turn.now)
    AuditRepository(session).record(
        action="schedule.changed",
        staff_id=actor.staff.id,
        person_id=person.id,
        now=turn.now,
        detail={"field": field, "before": {k: str(v) for k, v in before.items()}},
    )
    turn.reply(session, turn.text("schedule.changed") + "\n" + _schedule_text(turn, person))


@staff_command(coordinator=True)
async def stats_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    turn.reply(session, await stats_text(turn.svc, session, turn.language, turn.now))


@staff_command(coordinator=True)
async def staff_invite_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    assert actor.staff is not None
    if len(args) != 1:
        turn.reply(session, turn.text("staff_invite.usage"))
        return
    if args[0].lower() not in (StaffRole.WORKER.value, StaffRole.COORDINATOR.value):
        raise BadArgument(ArgKind.ROLE, args[0])
    role = StaffRole(args[0].lower())
    invite, token = await InviteRepository(session).create(
        worker_id=actor.staff.id,
        created_by=actor.staff.id,
        now=turn.now,
        ttl=turn.svc.settings.invites.expire_after,
        staff_role=role,
    )
    AuditRepository(session).record(
        action="staff_invite.created",
        staff_id=actor.staff.id,
        now=turn.now,
        detail={"invite_id": invite.id, "role": role.value},
    )
    turn.reply(
        session,
        turn.text(
            "staff_invite.created",
            role=turn.text(f"role.{StaffRole(args[0]).value}"),
            link=deep_link(turn.bot_username, token),
        ),
    )


@staff_command(coordinator=True)
async def deactivate_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    assert actor.staff is not None
    if len(args) != 1:
        turn.reply(session, turn.text("deactivate.usage"))
        return
    try:
        member = await StaffRepository(session).resolve(staff_ref(args[0]))
    except NotFoundError:
        turn.reply(session, turn.text("invite.unknown_worker", ref=shown(args[0])))
        return
    if member.id == actor.staff.id:
        turn.reply(session, turn.text("deactivate.self"))
        return
    if await responsibilities(session, member):
        # Continuity first: the people go to whoever knows them, once a coordinator agrees.
        await offer_handover(turn, session, member)
        return
    member.active = False
    await end_web_sessions(session, member, turn.now)
    AuditRepository(session).record(
        action="staff.deactivated",
        staff_id=actor.staff.id,
        now=turn.now,
        detail={"staff_id": member.id},
    )
    turn.reply(session, turn.text("deactivate.done", name=member.name))
