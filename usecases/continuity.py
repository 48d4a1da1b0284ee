"""Continuity first (issue 13, item 8; the rule in domain/continuity.py).

When a worker is deactivated, each of their people goes to whoever knows them: a plan the
coordinator reads with its reasons and confirms with one button. When a stopped person
comes back to a worker who is gone, the coordinators get the same suggestion.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.continuity import HandoverReason, Suggestion, suggest_worker
from storage.audit import AuditRepository
from storage.escalations import EscalationRepository
from storage.outbox import OutboxRepository, Purpose, new_message
from storage.people import Person, PersonRepository
from storage.staff import Staff, StaffRepository
from usecases.services import Services
from usecases.staffing import notify_staff, responsibilities
from usecases.words import person_label

__all__ = [
    "Handover",
    "HandoverResult",
    "assign",
    "hand_over",
    "handover_plan",
    "suggestion_for",
    "suggestion_words",
    "tell_coordinators_of_return",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handover:
    person: Person
    # The leaving member is only the person's backup: the backup is cleared.
    backup_only: bool
    suggestion: Suggestion
    to: Staff | None = None


@dataclass(slots=True)
class HandoverResult:
    moved: list[Handover] = field(default_factory=list)
    left: list[Handover] = field(default_factory=list)  # no suggestion: /assign by hand
    deactivated: bool = False


async def _team(session: AsyncSession) -> dict[int, Staff]:
    return {s.id: s for s in await StaffRepository(session).all()}


async def _suggestions(
    session: AsyncSession, people: list[Person], leaving: int | None
) -> list[tuple[Suggestion, Staff | None]]:
    """For each of `people`: who should look after them instead of `leaving`, and that
    staff member (one read of the team and of the episodes for all of them)."""
    team = await _team(session)
    handled = await EscalationRepository(session).handled_by([p.id for p in people])
    active = {i for i in team if i != leaving}
    out: list[tuple[Suggestion, Staff | None]] = []
    for person in people:
        found = suggest_worker(leaving, person.backup_worker_id, active, handled.get(person.id, {}))
        out.append((found, team.get(found.staff_id) if found.staff_id is not None else None))
    return out


async def suggestion_for(
    session: AsyncSession, person: Person, leaving: int | None
) -> tuple[Suggestion, Staff | None]:
    """Who should look after `person` instead of `leaving`, and that staff member."""
    [found] = await _suggestions(session, [person], leaving)
    return found


async def handover_plan(session: AsyncSession, member: Staff) -> list[Handover]:
    """For each person `member` supports or backs up: where they go, and why."""
    people = await PersonRepository(session).supported_by(member.id)
    plan: list[Handover] = []
    for person, (found, to) in zip(
        people, await _suggestions(session, people, member.id), strict=True
    ):
        if person.worker_id != member.id:
            plan.append(Handover(person, True, Suggestion(None, HandoverReason.NONE)))
        else:
            plan.append(Handover(person, False, found, to))
    return plan


async def assign(
    svc: Services,
    session: AsyncSession,
    actor: Staff,
    person: Person,
    worker: Staff,
    backup: Staff | None,
    now: datetime,
    *,
    why: str = "assign",
) -> None:
    """Give the person to `worker` (and `backup`): their active episodes follow, the new
    worker is told, the change is audited."""
    previous = person.worker_id
    person.worker_id = worker.id
    person.backup_worker_id = backup.id if backup is not None else None
    if previous != worker.id:
        await EscalationRepository(session).hand_over_active(
            person.id, from_staff=previous, to_staff=worker.id
        )
    detail: dict[str, object] = {
        "worker_id": worker.id,
        "backup_worker_id": backup.id if backup is not None else None,
    }
    if why != "assign":
        detail["why"] = why
    AuditRepository(session).record(
        action="person.assigned", staff_id=actor.id, person_id=person.id, now=now, detail=detail
    )
    notify_staff(svc, session, worker, person, "assign.worker_told", now)


async def hand_over(
    svc: Services, session: AsyncSession, actor: Staff, member: Staff, now: datetime
) -> HandoverResult:
    """Carry out the plan as it stands now; deactivate `member` once nothing is left."""
    result = HandoverResult()
    for item in await handover_plan(session, member):
        person = item.person
        if item.backup_only:
            person.backup_worker_id = None
            result.moved.append(item)
        elif item.to is None:
            result.left.append(item)
        else:
            # A backup who takes over leaves the backup place empty for the coordinator.
            backup_id = person.backup_worker_id
            keep = backup_id not in (None, item.to.id, member.id)
            backup = await StaffRepository(session).get(backup_id) if keep and backup_id else None
            await assign(svc, session, actor, person, item.to, backup, now, why="handover")
            result.moved.append(item)
    await _hand_over_other_episodes(session, member, actor)
    await session.flush()
    if not result.left and await responsibilities(session, member) == 0:
        member.active = False
        result.deactivated = True
        AuditRepository(session).record(
            action="staff.deactivated",
            staff_id=actor.id,
            now=now,
            detail={"staff_id": member.id, "handed_over": len(result.moved)},
        )
    log.info(
        "handover of staff %s: %s moved, %s left", member.id, len(result.moved), len(result.left)
    )
    return result


async def _hand_over_other_episodes(session: AsyncSession, member: Staff, actor: Staff) -> None:
    """Episodes `member` holds for people who are not theirs (a /reassign, a stranger) go
    to the person's worker, or to the coordinator acting."""
    people = PersonRepository(session)
    for escalation in await EscalationRepository(session).held_by(member.id):
        target = actor.id
        if escalation.person_id is not None:
            person = await people.get(escalation.person_id)
            if person is not None and person.worker_id not in (None, member.id):
                target = person.worker_id
        escalation.assignee_id = target


async def tell_coordinators_of_return(
    svc: Services, session: AsyncSession, person: Person, now: datetime
) -> bool:
    """A stopped person came back and their worker is gone: the coordinators get the
    suggestion (they confirm it with /assign). False if the worker is still there."""
    worker = await StaffRepository(session).get(person.worker_id)
    if worker is not None and worker.active:
        return False
    found, to = await suggestion_for(session, person, person.worker_id)
    for coordinator in await StaffRepository(session).coordinators():
        lang = coordinator.language
        OutboxRepository(session).add(
            new_message(
                chat_id=coordinator.telegram_id,
                text=svc.text(
                    lang,
                    "continuity.returned",
                    person=person_label(svc.catalog, lang, person.display_name, person.id),
                    person_id=person.id,
                    suggestion=suggestion_words(svc, lang, found, to),
                ),
                now=now,
                purpose=Purpose.NOTIFY,
                person_id=person.id,
            )
        )
    return True


def suggestion_words(svc: Services, lang: str, found: Suggestion, to: Staff | None) -> str:
    """ "Kato (their backup)", "Sato (handled 3 of their episodes)", or no suggestion."""
    if to is None:
        return svc.text(lang, "continuity.none")
    return svc.text(
        lang,
        f"continuity.because_{found.reason.value}",
        name=to.name,
        staff_id=to.id,
        count=found.episodes,
    )
