"""Staff reachability: who the bot can write to, and what happens when nobody is reachable.

Telegram lets a bot write only to someone who wrote to it first. Staff registered from the
command line are *unknown* until a send succeeds or they write; a permanent send failure
makes them *unreachable* (see `domain.reachability`). Recipient choice prefers reachable or
unknown staff and records who was passed over; an escalation with no reachable responder
at all waits (`storage.reachability`), logged as an ERROR with ids, counted in the metrics
and reported by `/healthz`, until someone opens the bot.

This module knows nothing of notifications themselves; `usecases.fallthrough` sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.escalation import StepLevel
from domain.people import StaffRole
from domain.reachability import Reachability, Unreachable, screen_tiers
from storage.audit import AuditRepository
from storage.escalations import Escalation, EscalationRepository, subject_ref
from storage.outbox import OutboxRepository, Purpose, new_message
from storage.people import Person
from storage.reachability import WaitRepository, oldest_waiting
from storage.staff import Staff, StaffRepository
from usecases.services import Services
from usecases.words import subject_label

__all__ = [
    "TIER_LEVELS",
    "UNREACHABLE_TOTAL",
    "WAITING_GAUGE",
    "mark_unreachable",
    "nobody_reachable",
    "record_skipped",
    "responder_tiers",
    "screen_recipients",
    "sends_succeeded",
    "staff_wrote",
    "tell_coordinators",
    "tier_of_level",
    "waiting_for",
    "waiting_reason",
]

log = logging.getLogger(__name__)

UNREACHABLE_TOTAL = "tsunagari_escalations_unreachable_total"
WAITING_GAUGE = "tsunagari_escalations_waiting_for_responder"
# The ladder level at which each responder tier is notified: worker, backup, coordinators.
TIER_OF_LEVEL = {
    StepLevel.WORKER: 0,
    StepLevel.WORKER_AGAIN: 0,
    StepLevel.BACKUP: 1,
    StepLevel.COORDINATORS: 2,
}
TIER_LEVELS = (StepLevel.WORKER, StepLevel.BACKUP, StepLevel.COORDINATORS)


def tier_of_level(level: StepLevel) -> int:
    """Levels 0 and 1 notify the worker (tier 0), 2 the backup, 3 the coordinators."""
    return TIER_OF_LEVEL[level]


def staff_wrote(staff: Staff, now: datetime, *, blocked: bool = False) -> bool:
    """Any update from a staff member. True when this is them opening the bot: they were
    not known reachable until now (the caller greets them and releases what waits).

    `blocked`: the update itself says they blocked the bot (a my_chat_member "kicked").
    """
    staff.last_seen_at = now
    if blocked:
        mark_unreachable(staff, Unreachable.BLOCKED, now)
        return False
    if staff.reachability is Reachability.REACHABLE:
        return False
    staff.reachability = Reachability.REACHABLE
    staff.reachability_at = now
    staff.unreachable_cause = None
    log.info("staff %s opened the bot", staff.id)
    return True


def mark_unreachable(staff: Staff, cause: Unreachable, now: datetime) -> bool:
    """A permanent failure says the bot cannot write to them; True if that is news."""
    if staff.reachability is Reachability.UNREACHABLE and staff.unreachable_cause is cause:
        return False
    staff.reachability = Reachability.UNREACHABLE
    staff.reachability_at = now
    staff.unreachable_cause = cause
    log.warning("staff %s is unreachable: %s", staff.id, cause.value)
    return True


async def sends_succeeded(session: AsyncSession, chat_ids: Sequence[int], now: datetime) -> None:
    """Delivery hook: Telegram accepted a message to these chats, so staff there are
    reachable. One set-based statement that changes nothing for staff already known so."""
    if not chat_ids:
        return
    await session.execute(
        update(Staff)
        .where(
            Staff.telegram_id.in_(set(chat_ids)),
            Staff.reachability != Reachability.REACHABLE,
        )
        .values(reachability=Reachability.REACHABLE, reachability_at=now, unreachable_cause=None)
        .execution_options(synchronize_session=False)
    )


async def responder_tiers(
    session: AsyncSession, escalation: Escalation, person: Person | None
) -> list[list[Staff]]:
    """Active responders in ladder order: the holder (or the person's worker), the backup,
    every coordinator. A staff member appears in their first tier only. A stranger's
    episode has no worker or backup: its holder, then the coordinators."""
    holder_id = escalation.assignee_id or (person.worker_id if person is not None else None)
    backup_id = person.backup_worker_id if person is not None else None
    ids = [i for i in (holder_id, backup_id) if i is not None]
    found = await StaffRepository(session).active_by_ids(ids)
    coordinators = await StaffRepository(session).coordinators()
    holder = [found[holder_id]] if holder_id in found else []
    backup = [found[backup_id]] if backup_id in found and backup_id != holder_id else []
    taken = {s.id for s in holder + backup}
    return [holder, backup, [c for c in coordinators if c.id not in taken]]


def record_skipped(
    session: AsyncSession,
    escalation: Escalation,
    skipped: Sequence[Staff],
    level: StepLevel,
    now: datetime,
) -> None:
    """Who was passed over as unreachable, in the audit log (ids only)."""
    for staff in skipped:
        AuditRepository(session).record(
            action="escalation.responder_skipped",
            actor="system",
            person_id=escalation.person_id,
            now=now,
            detail={
                "escalation_id": escalation.id,
                "staff_id": staff.id,
                "level": level,
                "cause": staff.unreachable_cause.value if staff.unreachable_cause else None,
            },
        )
        log.info(
            "escalation %s: skipped unreachable staff %s at level %s",
            escalation.id,
            staff.id,
            level,
        )


async def screen_recipients(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person | None,
    targets: Sequence[Staff],
    level: StepLevel,
    now: datetime,
) -> list[Staff]:
    """The level's recipients without those known unreachable; when none is left, the next
    tier that has someone (backup, then coordinators). Skips are recorded; with nobody at
    all, the escalation waits for a reachable responder."""
    usable = [s for s in targets if s.reachability.usable]
    skipped = [s for s in targets if not s.reachability.usable]
    if not usable:
        later = (await responder_tiers(session, escalation, person))[tier_of_level(level) + 1 :]
        screened = screen_tiers([[(s, s.reachability) for s in tier] for tier in later])
        usable = screened.chosen
        skipped += [s for s in screened.skipped if s not in skipped]
    record_skipped(session, escalation, skipped, level, now)
    if level is StepLevel.WORKER:
        # Told once per escalation, when it opens (step-ups only record the skip).
        for staff in skipped:
            await tell_coordinators(
                svc, session, escalation, person, staff, staff.unreachable_cause, now
            )
    if not usable:
        await nobody_reachable(svc, session, escalation, [s.id for s in skipped], level, now)
    return usable


async def tell_coordinators(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person | None,
    unreached: Staff,
    cause: Unreachable | None,
    now: datetime,
) -> None:
    """One short message to each coordinator who may be reachable: which colleague could
    not be reached, about which escalation, and why. Unknown coordinators are tried too:
    a send is the only way to learn whether they can be reached."""
    for coordinator in await StaffRepository(session).coordinators():
        if coordinator.id == unreached.id or not coordinator.reachability.usable:
            continue
        lang = coordinator.language
        OutboxRepository(session).add(
            new_message(
                chat_id=coordinator.telegram_id,
                text=svc.text(
                    lang,
                    "reachability.colleague_unreachable",
                    person=subject_label(svc.catalog, lang, escalation, person),
                    person_id=subject_ref(escalation),
                    name=unreached.name,
                    escalation_id=escalation.id,
                    cause=svc.text(
                        lang, f"reachability.cause.{cause.value if cause else 'failed'}"
                    ),
                ),
                now=now,
                purpose=Purpose.NOTIFY,
                # Tagged with the person's id, so their erasure removes it once sent.
                person_id=escalation.person_id,
            )
        )


async def nobody_reachable(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    staff_ids: Sequence[int],
    level: StepLevel,
    now: datetime,
) -> None:
    """No responder can be reached: keep the escalation waiting for one, and say so."""
    if await WaitRepository(session).start(escalation.id, level, now):
        svc.metrics.inc(UNREACHABLE_TOTAL)
        log.error(
            "escalation %s: no reachable responder (unreachable staff %s)",
            escalation.id,
            ",".join(str(i) for i in staff_ids) or "none registered",
        )


async def waiting_reason(conn: AsyncConnection | AsyncSession) -> str | None:
    """Why `/healthz` is degraded, naming the oldest waiting escalation; None if nothing
    waits."""
    ids = await oldest_waiting(conn, limit=2)
    if not ids:
        return None
    more = " (and more)" if len(ids) > 1 else ""
    return f"escalation {ids[0]}: no reachable responder{more}"


async def waiting_for(
    session: AsyncSession, staff: Staff
) -> list[tuple[Escalation, Person | None]]:
    """Active escalations a staff member holds or should see, most urgent first."""
    visible = await EscalationRepository(session).visible(
        staff.id, everyone=staff.role is StaffRole.COORDINATOR
    )
    return [(escalation, person) for escalation, person, _holder in visible]
