"""Fall-through: a staff notification that fails for good never ends the line.

The delivery failure hook runs in the transaction that records the failure, so what it
decides survives a crash and is not done twice: the staff member is marked unreachable
(for a failure that says so), the escalation moves at once to the next responder tier
that has anyone left to tell, and coordinators learn that their colleague could not be
reached. With nobody reachable the escalation waits (`usecases.reachability`); the next
responder who opens the bot gets it, and a periodic step retries responders who were
added or became reachable meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.constants import ChatMemberStatus

from domain.errors import DeliveryError
from domain.escalation import EscalationState
from domain.reachability import screen_tiers, unreachable_cause
from storage.escalations import (
    Escalation,
    EscalationNotification,
    EscalationRepository,
    subject_ref,
)
from storage.outbox import (
    LEASE,
    ClaimedMessage,
    OutboxKind,
    Purpose,
)
from storage.people import Person
from storage.reachability import EscalationWait, WaitRepository
from storage.staff import Staff, StaffRepository
from usecases.escalations import notify, subject_of
from usecases.people import on_delivery_failed as person_delivery_failed
from usecases.reachability import (
    TIER_LEVELS,
    mark_unreachable,
    nobody_reachable,
    record_skipped,
    responder_tiers,
    staff_wrote,
    tell_coordinators,
    waiting_for,
)
from usecases.services import Services
from usecases.words import subject_label

__all__ = [
    "delivery_failed",
    "greeting",
    "release_if_usable",
    "release_waiting",
    "staff_opened",
    "staff_update",
]

log = logging.getLogger(__name__)


async def delivery_failed(
    svc: Services,
    session: AsyncSession,
    row: ClaimedMessage,
    error: DeliveryError,
    now: datetime,
) -> None:
    """Delivery hook for a message that failed for good: the person's side (blocked →
    unreachable), then the staff side (fall-through)."""
    await person_delivery_failed(svc, session, row, error, now)
    staff = await StaffRepository(session).by_telegram_id(row.chat_id)
    if staff is None:
        return
    cause = unreachable_cause(error.reason)
    if cause is not None and not _seen_since_claim(staff, row):
        mark_unreachable(staff, cause, now)
    if row.purpose is not Purpose.NOTIFY or row.kind is not OutboxKind.SEND_MESSAGE:
        return
    notification = await session.get(EscalationNotification, row.ref_id) if row.ref_id else None
    if notification is None:
        return
    escalation = await session.get(Escalation, notification.escalation_id)
    if escalation is None or escalation.state is not EscalationState.OPEN:
        return
    person = await subject_of(session, escalation)
    await _fall_through(svc, session, escalation, person, staff, row.id, now)
    await tell_coordinators(svc, session, escalation, person, staff, cause, now)


def _seen_since_claim(staff: Staff, row: ClaimedMessage) -> bool:
    """They wrote after the send was claimed: the failure may predate their opening the
    bot, so it says nothing about them now."""
    if staff.last_seen_at is None or row.lease_until is None:
        return False
    return staff.last_seen_at > row.lease_until - LEASE


def _has(tier: list[Staff], staff: Staff) -> bool:
    return any(member.id == staff.id for member in tier)


async def _fall_through(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person | None,
    failed: Staff,
    failed_outbox_id: int,
    now: datetime,
) -> None:
    """Notify the next tier after the failed staff member's own that has anyone usable,
    unless they were already told; with nobody usable anywhere, the escalation waits."""
    own = await responder_tiers(session, escalation, person)
    tiers = [[s for s in tier if s.id != failed.id] for tier in own]
    start = next((i for i, tier in enumerate(own) if _has(tier, failed)), -1) + 1
    screened = screen_tiers([[(s, s.reachability) for s in tier] for tier in tiers[start:]])
    if screened.chosen:
        first = screened.chosen[0]
        tier = start + next(i for i, t in enumerate(tiers[start:]) if _has(t, first))
        level = max(escalation.level, TIER_LEVELS[tier])
        record_skipped(session, escalation, screened.skipped, level, now)
        told = await EscalationRepository(session).told_staff(
            escalation.id, except_outbox_id=failed_outbox_id
        )
        fresh = [s for s in screened.chosen if s.id not in told]
        if fresh:
            await notify(svc, session, escalation, person, now, level=level, only=fresh)
            log.info(
                "escalation %s fell through from staff %s to level %s",
                escalation.id,
                failed.id,
                level,
            )
    if not any(s.reachability.usable for tier in tiers for s in tier):
        skipped = [failed.id] + [s.id for tier in tiers for s in tier]
        await nobody_reachable(svc, session, escalation, skipped, escalation.level, now)


async def release_waiting(svc: Services, session: AsyncSession, staff: Staff, now: datetime) -> int:
    """A responder became reachable: what waited for a responder goes to them now."""
    released = 0
    waits = WaitRepository(session)
    for wait, escalation in await waits.open_waits():
        person = await subject_of(session, escalation)
        tiers = await responder_tiers(session, escalation, person)
        if not any(_has(tier, staff) for tier in tiers):
            continue
        level = max(escalation.level, wait.level)
        await notify(svc, session, escalation, person, now, level=level, only=[staff])
        await waits.end(escalation.id)
        released += 1
        log.info("escalation %s released to staff %s", escalation.id, staff.id)
    return released


async def release_if_usable(
    svc: Services,
    session: AsyncSession,
    wait: EscalationWait,
    escalation: Escalation,
    now: datetime,
) -> bool:
    """A waiting escalation goes to the responders now usable, if any; True if it went."""
    person = await subject_of(session, escalation)
    tiers = await responder_tiers(session, escalation, person)
    screened = screen_tiers([[(s, s.reachability) for s in tier] for tier in tiers])
    if not screened.chosen:
        return False
    await WaitRepository(session).end(escalation.id)
    level = max(escalation.level, wait.level)
    await notify(svc, session, escalation, person, now, level=level, only=screened.chosen)
    log.info("escalation %s released to a responder now usable", escalation.id)
    return True


async def greeting(svc: Services, session: AsyncSession, staff: Staff) -> str:
    """What waits for a staff member: how many, the most urgent, and the queue command."""
    waiting = await waiting_for(session, staff)
    lang = staff.language
    if not waiting:
        return svc.text(lang, "reachability.nothing_waiting")
    escalation, person = waiting[0]
    return svc.text(
        lang,
        "reachability.waiting",
        count=len(waiting),
        id=escalation.id,
        priority=escalation.priority.value,
        reason=svc.text(lang, f"reason.{escalation.reason.value}"),
        person=subject_label(svc.catalog, lang, escalation, person),
        person_id=subject_ref(escalation),
    )


async def staff_opened(svc: Services, session: AsyncSession, staff: Staff, now: datetime) -> str:
    """A staff member opened the bot: release what waited for them and greet them with
    what is waiting."""
    await release_waiting(svc, session, staff, now)
    return (
        svc.text(staff.language, "reachability.opened") + "\n" + await greeting(svc, session, staff)
    )


def staff_update(staff: Staff, now: datetime, chat_member_status: str | None) -> bool:
    """Any update from a staff member; True when it is them opening the bot."""
    blocked = chat_member_status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
    return staff_wrote(staff, now, blocked=blocked)
