"""つなげる: a worker proposes a tie to a community resource; only the person's agreement
makes it active; a decline is respected; the person can end a tie from /mydata.

Every message goes through the outbox in the caller's transaction. The person's answer
and the end of a tie are told to their worker (and to whoever proposed it, if another).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.people import PersonStatus
from domain.ties import TieState, answer_tie, end_tie, find_resource, may_propose
from storage.audit import AuditRepository
from storage.outbox import OutboxRepository, new_message
from storage.people import Person
from storage.resources import Resource, ResourceRepository
from storage.staff import Staff
from storage.ties import Tie, TieRepository
from usecases.buttons import ButtonKind, button_data
from usecases.resources import kind_word
from usecases.services import Services
from usecases.staffing import notify_staff

__all__ = [
    "AGREE_WORD",
    "DECLINE_WORD",
    "ProposeOutcome",
    "ProposeResult",
    "TieChange",
    "answer_proposal",
    "end_by_person",
    "propose_tie",
    "resource_details",
    "ties_for_person",
    "ties_for_staff",
]

AGREE_WORD = "yes"
DECLINE_WORD = "no"
ASKABLE = (PersonStatus.ACTIVE,)


class ProposeOutcome(StrEnum):
    ASKED = "asked"
    UNKNOWN_RESOURCE = "unknown_resource"
    AMBIGUOUS = "ambiguous"
    ALREADY = "already"  # a tie with it is waiting for an answer, or active
    NOT_ASKABLE = "not_askable"  # paused, stopped or unreachable: the bot does not ask


@dataclass(frozen=True, slots=True)
class ProposeResult:
    outcome: ProposeOutcome
    resource: Resource | None = None
    tie: Tie | None = None
    candidates: list[Resource] = field(default_factory=list)


def resource_details(svc: Services, language: str, resource: Resource) -> str:
    """The resource's area, hours, contact and address as lines, in the reader's language."""
    lines = [
        svc.text(language, f"resource_detail.{name}", value=value)
        for name, value in (
            ("area", resource.area),
            ("hours", resource.hours),
            ("contact", resource.contact),
            ("url", resource.url),
        )
        if value
    ]
    return "\n".join(lines)


def _on_lines_below(details: str) -> str:
    return "\n" + details if details else ""


def _ask_markup(svc: Services, language: str, tie_id: int) -> dict[str, Any]:
    """First button agrees, second declines (the chat convention scripts rely on)."""
    return {
        "inline_keyboard": [
            [
                {
                    "text": svc.text(language, "tie_ask.agree"),
                    "callback_data": button_data(ButtonKind.TIE, tie_id, AGREE_WORD),
                }
            ],
            [
                {
                    "text": svc.text(language, "tie_ask.decline"),
                    "callback_data": button_data(ButtonKind.TIE, tie_id, DECLINE_WORD),
                }
            ],
        ]
    }


async def propose_tie(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    person: Person,
    reference: str,
    now: datetime,
) -> ProposeResult:
    """Find the resource (by id or a unique part of its name) and ask the person."""
    resources = ResourceRepository(session)
    match = find_resource(reference, await resources.names(active_only=True))
    if match.found is None:
        if not match.candidates:
            return ProposeResult(ProposeOutcome.UNKNOWN_RESOURCE)
        found = [r for r in [await resources.get(i) for i in match.candidates] if r is not None]
        return ProposeResult(ProposeOutcome.AMBIGUOUS, candidates=found)
    resource = await resources.require(match.found)
    ties = TieRepository(session)
    if not may_propose(await ties.states_with(person.id, resource.id)):
        return ProposeResult(ProposeOutcome.ALREADY, resource)
    if person.status not in ASKABLE:
        return ProposeResult(ProposeOutcome.NOT_ASKABLE, resource)
    tie = await ties.propose(
        person_id=person.id, resource_id=resource.id, proposed_by=staff.id, now=now
    )
    language = person.language
    text = svc.text(
        language,
        "tie_ask.text",
        worker=staff.name,
        resource=resource.name,
        kind=kind_word(svc.catalog, language, resource.kind),
        details=_on_lines_below(resource_details(svc, language, resource)),
    )
    OutboxRepository(session).add(
        new_message(
            chat_id=person.chat_id,
            text=text,
            now=now,
            reply_markup=_ask_markup(svc, language, tie.id),
            person_id=person.id,
        )
    )
    AuditRepository(session).record(
        action="tie.proposed",
        staff_id=staff.id,
        person_id=person.id,
        now=now,
        detail={"tie_id": tie.id, "resource_id": resource.id},
    )
    return ProposeResult(ProposeOutcome.ASKED, resource, tie)


@dataclass(frozen=True, slots=True)
class TieChange:
    """A tie the person's press changed, with its resource; None when nothing changed."""

    tie: Tie
    resource: Resource
    state: TieState


async def _tell_staff(
    svc: Services,
    session: AsyncSession,
    person: Person,
    tie: Tie,
    key: str,
    now: datetime,
    **params: object,
) -> None:
    """The person's worker hears of it, and whoever proposed the tie if someone else."""
    told: set[int] = set()
    for staff_id in (person.worker_id, tie.proposed_by):
        if staff_id is None or staff_id in told:
            continue
        told.add(staff_id)
        member = await session.get(Staff, staff_id)
        if member is not None and member.active:
            notify_staff(svc, session, member, person, key, now, not_before=None, **params)


async def answer_proposal(
    svc: Services,
    session: AsyncSession,
    person: Person,
    tie_id: int,
    agreed: bool,
    now: datetime,
) -> TieChange | None:
    """The person's answer to a proposal: only agreement makes the tie active."""
    tie = await TieRepository(session).get(tie_id)
    if tie is None or tie.person_id != person.id:
        return None
    after = answer_tie(tie.state, agreed)
    if after is None or not await TieRepository(session).move(
        tie.id, person_id=person.id, from_state=TieState.PROPOSED, to_state=after, now=now
    ):
        return None
    await session.refresh(tie)
    if after is TieState.ACTIVE:
        tie.next_check_at = now + svc.settings.ties.check_every
    resource = await ResourceRepository(session).require(tie.resource_id)
    key = "tie_told.agreed" if after is TieState.ACTIVE else "tie_told.declined"
    await _tell_staff(svc, session, person, tie, key, now, resource=resource.name)
    return TieChange(tie, resource, after)


async def end_by_person(
    svc: Services, session: AsyncSession, person: Person, tie_id: int, now: datetime
) -> TieChange | None:
    """The person ends one of their active ties (from /mydata)."""
    tie = await TieRepository(session).get(tie_id)
    if tie is None or tie.person_id != person.id or end_tie(tie.state) is None:
        return None
    if not await TieRepository(session).move(
        tie.id, person_id=person.id, from_state=TieState.ACTIVE, to_state=TieState.ENDED, now=now
    ):
        return None
    await session.refresh(tie)
    resource = await ResourceRepository(session).require(tie.resource_id)
    await _tell_staff(svc, session, person, tie, "tie_told.ended", now, resource=resource.name)
    return TieChange(tie, resource, TieState.ENDED)


async def ties_for_staff(
    session: AsyncSession, staff: Staff, person: Person, now: datetime
) -> list[tuple[Tie, Resource]]:
    """A person's ties as staff read them (`/ties`): the read is audited."""
    found = await TieRepository(session).for_person(person.id)
    AuditRepository(session).record(
        action="ties.read",
        staff_id=staff.id,
        person_id=person.id,
        now=now,
        detail={"count": len(found)},
    )
    return found


async def ties_for_person(session: AsyncSession, person: Person) -> list[tuple[Tie, Resource]]:
    """What the person sees of their own ties in /mydata: active ones and those waiting
    for their answer (a decline or an end is not shown back to them)."""
    return await TieRepository(session).for_person(
        person.id, states=(TieState.ACTIVE, TieState.PROPOSED)
    )
