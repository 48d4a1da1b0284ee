"""Coordinators' tools: assignments, schedules, statistics, staff invites and deactivation."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain import schedule as sched
from domain.cadence import CadenceBounds, CadenceLevel
from domain.durations import format_duration, parse_duration
from domain.errors import NotFoundError
from domain.people import PersonStatus, StaffRole
from handlers.access import staff_command
from handlers.args import person_ref, shown, staff_ref
from handlers.turn import Actor, Turn
from storage.audit import AuditRepository
from storage.escalations import EscalationRepository
from storage.invites import InviteRepository, deep_link
from storage.people import Person
from storage.staff import StaffRepository
from usecases.planning import next_checkin_for, person_schedule
from usecases.services import Services
from usecases.staffing import responsibilities
from usecases.stats import stats_text
from usecases.visibility import visible_person
from usecases.web_access import end_web_sessions

log = logging.getLogger(__name__)

MAX_DELAY_S = 366 * 86_400
# The schedule's text columns and their lengths (storage/people.py).
STORED_LENGTHS = {"checkin_times": 100, "checkin_days": 40, "timezone": 64, "quiet_hours": 20}

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
    previous = person.worker_id
    person.worker_id = worker.id
    person.backup_worker_id = backup.id if backup else None
    # Active escalations the previous worker held go with the person.
    await EscalationRepository(session).hand_over_active(
        person.id, from_staff=previous, to_staff=worker.id
    )
    AuditRepository(session).record(
        action="person.assigned",
        staff_id=actor.staff.id,
        person_id=person.id,
        now=turn.now,
        detail={"worker_id": worker.id, "backup_worker_id": backup.id if backup else None},
    )
    turn.reply(
        session,
        turn.text(
            "assign.done",
            person_id=person.id,
            worker=worker.name,
            backup=backup.name if backup else "-",
        ),
    )
    turn.send(
        session,
        worker.telegram_id,
        turn.svc.text(
            worker.language,
            "assign.worker_told",
            person=person.display_name or "-",
            person_id=person.id,
        ),
        person_id=person.id,
    )


def _schedule_text(turn: Turn, person: Person) -> str:
    return turn.text(
        "schedule.show",
        person_id=person.id,
        times=person.checkin_times,
        days=person.checkin_days,
        timezone=person.timezone,
        quiet=person.quiet_hours or "-",
        nudge=format_duration(timedelta(seconds=person.nudge_after_s)),
        escalate=format_duration(timedelta(seconds=person.escalate_after_s)),
        level=turn.text(f"cadence.level.{person.cadence_level}"),
        tightest=person.cadence_tightest,
        loosest=person.cadence_loosest,
        templates=", ".join(t.name for t in turn.svc.settings.checkin.templates) or "-",
    )


def apply_schedule_change(svc: Services, person: Person, field: str, values: list[str]) -> None:
    """Change one part of a person's schedule; raises ValueError with a usage-worthy message."""
    value = " ".join(values)
    if field == "times":
        person.checkin_times = sched.format_times(sched.parse_times(value))
    elif field == "days":
        person.checkin_days = sched.format_days(sched.parse_days(value))
    elif field in ("tz", "timezone"):
        sched.load_zone(value)
        person.timezone = value
    elif field == "quiet":
        quiet = sched.parse_quiet_hours(value)
        person.quiet_hours = sched.format_quiet_hours(*quiet) if quiet else None
    elif field in ("nudge", "escalate"):
        seconds = int(parse_duration(value).total_seconds())
        nudge = seconds if field == "nudge" else person.nudge_after_s
        escalate = seconds if field == "escalate" else person.escalate_after_s
        if not 0 < nudge < escalate <= MAX_DELAY_S:
            raise ValueError("nudge must be shorter than escalate, and both within a year")
        person.nudge_after_s, person.escalate_after_s = nudge, escalate
    elif field == "cadence":
        if len(values) != 2:
            raise ValueError("cadence TIGHTEST LOOSEST")
        bounds = CadenceBounds(tightest=CadenceLevel(values[0]), loosest=CadenceLevel(values[1]))
        person.cadence_tightest, person.cadence_loosest = bounds.tightest, bounds.loosest
        person.cadence_level = bounds.clamp(CadenceLevel(person.cadence_level))
    elif field == "template":
        template = next((t for t in svc.settings.checkin.templates if t.name == value), None)
        if template is None:
            raise ValueError("unknown template")
        person.checkin_times = sched.format_times(template.times)
        person.checkin_days = template.days
    else:
        raise ValueError("unknown field")
    for name, limit in STORED_LENGTHS.items():
        # What is written must fit its column (PostgreSQL refuses longer text).
        if len(getattr(person, name) or "") > limit:
            raise ValueError(f"{name} too long")
    person_schedule(person, svc.settings)  # validates the whole schedule (e.g. quiet hours)


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
        if not values:
            raise ValueError("no value")
        apply_schedule_change(turn.svc, person, field, values)
    except ValueError:
        # Leave nothing half-changed.
        for name, value in before.items():
            setattr(person, name, value)
        turn.reply(session, turn.text("schedule.usage"))
        return
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
    if len(args) != 1 or args[0] not in (StaffRole.WORKER.value, StaffRole.COORDINATOR.value):
        turn.reply(session, turn.text("staff_invite.usage"))
        return
    invite, token = await InviteRepository(session).create(
        worker_id=actor.staff.id,
        created_by=actor.staff.id,
        now=turn.now,
        ttl=turn.svc.settings.invites.expire_after,
        staff_role=StaffRole(args[0]),
    )
    AuditRepository(session).record(
        action="staff_invite.created",
        staff_id=actor.staff.id,
        now=turn.now,
        detail={"invite_id": invite.id, "role": args[0]},
    )
    turn.reply(
        session,
        turn.text(
            "staff_invite.created", role=args[0], link=deep_link(turn.bot_username, token)
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
    caseload = await responsibilities(session, member)
    if caseload:
        turn.reply(session, turn.text("deactivate.has_people", count=caseload))
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
