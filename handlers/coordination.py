"""Coordinators' tools: assignments, schedules, statistics, staff invites and deactivation."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFoundError
from domain.people import StaffRole
from handlers.access import staff_command
from handlers.args import ArgKind, BadArgument, person_ref, shown, staff_ref
from handlers.handover import offer_handover
from handlers.turn import Actor, Turn
from storage.audit import AuditRepository
from storage.invites import InviteRepository, deep_link
from storage.people import Person
from storage.staff import StaffRepository
from usecases.continuity import assign
from usecases.schedule_change import ScheduleProblem, change_schedule
from usecases.staffing import responsibilities
from usecases.stats import stats_text
from usecases.visibility import visible_person
from usecases.web_access import end_web_sessions
from usecases.words import duration, level_name, person_schedule_words

log = logging.getLogger(__name__)

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
    schedule = person_schedule_words(catalog, language, person)
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
    try:
        change_schedule(turn.svc, session, actor.staff, person, [(field, values)], turn.now)
    except ScheduleProblem as exc:
        # The turn replies naming the wrong argument and the form expected.
        raise BadArgument(exc.problem, exc.value, **exc.params) from None
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
