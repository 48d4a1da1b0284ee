"""Escalation use cases: open or join, notify, acknowledge, auto-resolve.

The pure rules (one active escalation per person and reason, priorities only rise, the
step-up ladder) live in `domain.escalation`; this module applies them to stored rows and
queues the notifications in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reachability import screen_recipients
from bot.services import Services
from bot.staffing import notify_staff
from domain.escalation import (
    EscalationEvent,
    EscalationReason,
    EscalationSnapshot,
    EscalationState,
    MergeAction,
    Outcome,
    Priority,
    WorkingHours,
    auto_resolves_on_reply,
    default_priority,
    merge_signal,
    next_step,
    next_step_at,
    next_working_instant,
    transition,
)
from storage.escalations import Escalation, EscalationNote, EscalationNotification
from storage.outbox import (
    PRIORITY_URGENT,
    OutboxRepository,
    Purpose,
    new_edit,
    new_message,
)
from storage.people import Person
from storage.staff import Staff

log = logging.getLogger(__name__)

ACK_PREFIX = "ack:"
_EVENT_FOR = {
    EscalationState.RESOLVED: EscalationEvent.RESOLVE,
    EscalationState.AUTO_RESOLVED: EscalationEvent.AUTO_RESOLVE,
}


def open_key(person_id: int, reason: EscalationReason) -> str:
    return f"{person_id}:{reason.value}"


def working_hours(svc: Services) -> WorkingHours:
    e = svc.settings.escalation
    return WorkingHours(
        start=e.working_hours[0],
        end=e.working_hours[1],
        timezone=e.timezone,
        weekdays=frozenset(e.working_days),
    )


def ack_deadlines(svc: Services) -> dict[Priority, timedelta]:
    e = svc.settings.escalation
    return {Priority.P1: e.ack_p1, Priority.P2: e.ack_p2, Priority.P3: e.ack_p3}


def snapshot(escalation: Escalation, last_notified_at: datetime | None) -> EscalationSnapshot:
    return EscalationSnapshot(
        reason=escalation.reason,
        priority=escalation.priority,
        state=escalation.state,
        level=escalation.level,
        last_notified_at=last_notified_at,
    )


@dataclass
class Opened:
    escalation: Escalation
    action: MergeAction


async def active_for(
    session: AsyncSession, person_id: int, reason: EscalationReason
) -> Escalation | None:
    query = select(Escalation).where(Escalation.open_key == open_key(person_id, reason))
    return (await session.execute(query)).scalar_one_or_none()


async def open_or_join(
    svc: Services,
    session: AsyncSession,
    person: Person,
    reason: EscalationReason,
    now: datetime,
    *,
    priority: Priority | None = None,
    update_id: int | None = None,
) -> Opened:
    """Open an escalation, or join the active one for the same reason (raising priority).

    The unique `open_key` makes "one active escalation per person and reason" hold even
    when two instances race: the loser's insert fails and it joins the winner's row.
    """
    wanted = priority or default_priority(reason)
    existing = await active_for(session, person.id, reason)
    decision = merge_signal(
        snapshot(existing, None) if existing is not None else None, reason, wanted
    )
    if existing is not None:
        if decision.action is MergeAction.JOIN_RAISE:
            existing.priority = decision.priority
            existing.updated_at = now
            await notify(svc, session, existing, person, now, level=existing.level, raised=True)
        return Opened(existing, decision.action)
    escalation = Escalation(
        person_id=person.id,
        reason=reason,
        priority=decision.priority,
        state=EscalationState.OPEN,
        open_key=open_key(person.id, reason),
        created_at=now,
        updated_at=now,
        level=0,
        assignee_id=person.worker_id,
        trigger_update_id=update_id,
    )
    try:
        async with session.begin_nested():
            session.add(escalation)
            await session.flush()
    except IntegrityError:
        existing = await active_for(session, person.id, reason)
        assert existing is not None
        return Opened(existing, MergeAction.JOIN)
    # Distress reaches the worker, the backup and the coordinators at once; the ladder
    # still re-notifies until someone acknowledges.
    await notify(
        svc, session, escalation, person, now, level=0, everyone=reason is EscalationReason.DISTRESS
    )
    log.info(
        "escalation %s opened: person %s reason %s priority %s",
        escalation.id,
        person.id,
        reason.value,
        escalation.priority.value,
    )
    return Opened(escalation, MergeAction.OPEN_NEW)


async def recipients(
    session: AsyncSession, escalation: Escalation, person: Person, level: int
) -> list[Staff]:
    """Level 0/1: the assigned worker; 2: the backup; 3: every coordinator."""
    if level >= 3 or (level == 2 and person.backup_worker_id is None):
        query = select(Staff).where(Staff.active.is_(True), Staff.role == "coordinator")
        return list((await session.execute(query.order_by(Staff.id))).scalars())
    staff_id = (
        person.backup_worker_id if level == 2 else (escalation.assignee_id or person.worker_id)
    )
    staff = await session.get(Staff, staff_id) if staff_id is not None else None
    if staff is None or not staff.active:
        query = select(Staff).where(Staff.active.is_(True), Staff.role == "coordinator")
        return list((await session.execute(query.order_by(Staff.id))).scalars())
    return [staff]


def notification_text(
    svc: Services, staff: Staff, escalation: Escalation, person: Person, *, raised: bool = False
) -> str:
    lang = staff.language
    return svc.text(
        lang,
        "escalation.notify_raised" if raised else "escalation.notify",
        priority=escalation.priority.value,
        reason=svc.text(lang, f"reason.{escalation.reason.value}"),
        person=person.display_name or "-",
        person_id=person.id,
        escalation_id=escalation.id,
    )


async def notify(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person,
    now: datetime,
    *,
    level: int,
    raised: bool = False,
    everyone: bool = False,
    only: Sequence[Staff] | None = None,
) -> None:
    """Queue a notification with an acknowledge button (first) to the level's recipients.

    `everyone`: the worker, the backup and every coordinator at once (distress).
    `only`: these recipients, already chosen (the fall-through, a responder who opened
    the bot); otherwise staff known unreachable are passed over (bot.reachability).
    """
    outbox = OutboxRepository(session)
    urgent = escalation.priority is Priority.P1
    if only is None:
        targets = await recipients(session, escalation, person, level)
        if everyone:
            for extra_level in (2, 3):
                targets += await recipients(session, escalation, person, extra_level)
        targets = await screen_recipients(svc, session, escalation, person, targets, level, now)
    else:
        targets = list(only)
    seen: set[int] = set()
    for staff in targets:
        if staff.id in seen:
            continue
        seen.add(staff.id)
        message = new_message(
            chat_id=staff.telegram_id,
            text=notification_text(svc, staff, escalation, person, raised=raised),
            now=now,
            purpose=Purpose.NOTIFY,
            reply_markup={
                "inline_keyboard": [
                    [
                        {
                            "text": svc.text(staff.language, "escalation.ack_button"),
                            "callback_data": f"{ACK_PREFIX}{escalation.id}",
                        }
                    ],
                    [
                        {
                            "text": svc.text(staff.language, "escalation.details_button"),
                            "callback_data": f"esc:{escalation.id}",
                        }
                    ],
                ]
            },
            person_id=person.id,
            priority=PRIORITY_URGENT if urgent else 10,
        )
        outbox.add(message)
        await session.flush()
        notification = EscalationNotification(
            escalation_id=escalation.id,
            staff_id=staff.id,
            level=level,
            outbox_id=message.id,
            at=now,
        )
        session.add(notification)
        await session.flush()
        message.ref_id = notification.id
    escalation.level = level
    escalation.next_step_at = next_step_at(
        snapshot(escalation, now), ack_deadlines(svc), working_hours(svc)
    )


async def notifications_sent(session: AsyncSession, sent: list[tuple[int, int | None]]) -> None:
    """Delivery hook: remember each notification's message id, so it can be edited later."""
    await session.execute(
        update(EscalationNotification),
        [{"id": notification_id, "message_id": message_id} for notification_id, message_id in sent],
    )


async def acknowledge(
    svc: Services, session: AsyncSession, escalation: Escalation, staff: Staff, now: datetime
) -> bool:
    """Claim an open escalation atomically; False if someone else already did."""
    result = await session.execute(
        update(Escalation)
        .where(Escalation.id == escalation.id, Escalation.state == EscalationState.OPEN)
        .values(
            state=EscalationState.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=staff.id,
            assignee_id=staff.id,
            next_step_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(escalation)
    await _edit_notifications(
        svc, session, escalation, now, "escalation.acknowledged_by", by=staff.name
    )
    log.info("escalation %s acknowledged by staff %s", escalation.id, staff.id)
    return True


async def _edit_notifications(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    now: datetime,
    key: str,
    **params: object,
) -> None:
    """Show every notified staff member what happened, and take the buttons away."""
    rows = await session.execute(
        select(EscalationNotification, Staff)
        .join(Staff, Staff.id == EscalationNotification.staff_id)
        .where(
            EscalationNotification.escalation_id == escalation.id,
            EscalationNotification.message_id.is_not(None),
        )
    )
    person = await session.get(Person, escalation.person_id)
    assert person is not None
    outbox = OutboxRepository(session)
    for notification, staff in rows:
        assert notification.message_id is not None
        text = (
            notification_text(svc, staff, escalation, person)
            + "\n\n"
            + svc.text(staff.language, key, **params)
        )
        outbox.add(
            new_edit(
                chat_id=staff.telegram_id,
                message_id=notification.message_id,
                now=now,
                text=text,
                purpose=Purpose.NOTIFY,
                person_id=person.id,
            )
        )


async def auto_resolve_on_reply(
    svc: Services, session: AsyncSession, person: Person, now: datetime
) -> list[Escalation]:
    """A sign of life closes silence/unreachable escalations and tells the worker "all clear"."""
    reasons = [r for r in EscalationReason if auto_resolves_on_reply(r)]
    rows = await session.execute(
        select(Escalation).where(
            Escalation.person_id == person.id,
            Escalation.open_key.is_not(None),
            Escalation.reason.in_(reasons),
        )
    )
    closed: list[Escalation] = []
    for escalation in rows.scalars():
        close_active(escalation, EscalationState.AUTO_RESOLVED, now)
        closed.append(escalation)
        await _edit_notifications(svc, session, escalation, now, "escalation.all_clear_edit")
        for staff in await recipients(session, escalation, person, 0):
            notify_staff(
                svc,
                session,
                staff,
                person,
                "escalation.all_clear",
                now,
                escalation_id=escalation.id,
            )
        log.info("escalation %s auto-resolved: person %s replied", escalation.id, person.id)
    return closed


async def step_up_due(svc: Services, now: datetime, *, batch: int = 100) -> bool:
    """The ladder: nobody acknowledged in time → worker again, then backup, then coordinators."""
    async with svc.db.transaction() as session:
        query = (
            select(Escalation)
            .where(Escalation.state == EscalationState.OPEN, Escalation.next_step_at <= now)
            .order_by(Escalation.next_step_at)
            .limit(batch)
        )
        if svc.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        due = list((await session.execute(query)).scalars())
        for escalation in due:
            person = await session.get(Person, escalation.person_id)
            assert person is not None
            last = escalation.next_step_at
            assert last is not None
            # The stored due time already folds in the deadline and working hours; ask the
            # pure ladder with the notification time that produced it.
            notified_at = await last_notified_at(session, escalation.id) or escalation.created_at
            step = next_step(
                snapshot(escalation, notified_at),
                now,
                ack_deadlines(svc),
                working_hours(svc),
                has_backup=person.backup_worker_id is not None,
            )
            if step is None:
                escalation.next_step_at = next_step_at(
                    snapshot(escalation, notified_at), ack_deadlines(svc), working_hours(svc)
                )
                if escalation.next_step_at is not None and escalation.next_step_at <= now:
                    # Outside working hours for P2/P3: wait for the next working instant.
                    escalation.next_step_at = next_working_instant(now, working_hours(svc))
                continue
            await notify(svc, session, escalation, person, now, level=int(step.level))
            escalation.updated_at = now
            log.info(
                "escalation %s stepped up to level %s (%s)",
                escalation.id,
                int(step.level),
                step.target.value,
            )
    return bool(due)


async def last_notified_at(session: AsyncSession, escalation_id: int) -> datetime | None:
    from sqlalchemy import func

    return (
        await session.execute(
            select(func.max(EscalationNotification.at)).where(
                EscalationNotification.escalation_id == escalation_id
            )
        )
    ).scalar()


def close_active(escalation: Escalation, state: EscalationState, now: datetime) -> None:
    escalation.state = transition(escalation.state, _EVENT_FOR[state])
    escalation.open_key = None
    escalation.resolved_at = now
    escalation.updated_at = now
    escalation.next_step_at = None


async def resolve(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    staff: Staff,
    outcome: Outcome,
    note: str | None,
    now: datetime,
) -> None:
    close_active(escalation, EscalationState.RESOLVED, now)
    escalation.outcome = outcome
    if escalation.acknowledged_by is None:
        escalation.acknowledged_by = staff.id
        escalation.acknowledged_at = now
    if note:
        session.add(
            EscalationNote(escalation_id=escalation.id, staff_id=staff.id, at=now, text=note)
        )
    await _edit_notifications(
        svc,
        session,
        escalation,
        now,
        "escalation.resolved_by",
        by=staff.name,
        outcome=svc.text(staff.language, f"outcome.{outcome.value}"),
    )
    log.info("escalation %s resolved by staff %s: %s", escalation.id, staff.id, outcome.value)


async def add_note(
    session: AsyncSession, escalation: Escalation, staff: Staff, text: str, now: datetime
) -> None:
    session.add(EscalationNote(escalation_id=escalation.id, staff_id=staff.id, at=now, text=text))
    escalation.updated_at = now


async def reassign(
    svc: Services, session: AsyncSession, escalation: Escalation, to: Staff, now: datetime
) -> None:
    """Hand an escalation to another worker: it is theirs to acknowledge, and they are told."""
    if escalation.state is EscalationState.ACKNOWLEDGED:
        escalation.state = transition(escalation.state, EscalationEvent.RELEASE)
        escalation.acknowledged_by = None
        escalation.acknowledged_at = None
    escalation.assignee_id = to.id
    escalation.updated_at = now
    person = await session.get(Person, escalation.person_id)
    assert person is not None
    await notify(svc, session, escalation, person, now, level=0)


async def relay(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    staff: Staff,
    text: str,
    now: datetime,
) -> Person:
    """Send the worker's words to the person, signed; their answers come back to the worker."""
    person = await session.get(Person, escalation.person_id)
    assert person is not None
    escalation.relay_staff_id = staff.id
    escalation.updated_at = now
    OutboxRepository(session).add(
        new_message(
            chat_id=person.chat_id,
            text=svc.text(person.language, "relay.to_person", worker=staff.name, text=text),
            now=now,
            purpose=Purpose.RELAY,
            person_id=person.id,
        )
    )
    return person


async def relay_back(
    svc: Services, session: AsyncSession, person: Person, text: str, now: datetime
) -> bool:
    """Pass a person's message to the worker(s) relaying on their active escalations."""
    rows = await session.execute(
        select(Staff)
        .join(Escalation, Escalation.relay_staff_id == Staff.id)
        .where(
            Escalation.person_id == person.id,
            Escalation.open_key.is_not(None),
            Staff.active.is_(True),
        )
        .distinct()
    )
    found = False
    for staff in rows.scalars():
        found = True
        OutboxRepository(session).add(
            new_message(
                chat_id=staff.telegram_id,
                text=svc.text(
                    staff.language,
                    "relay.from_person",
                    person=person.display_name or "-",
                    person_id=person.id,
                    text=text,
                ),
                now=now,
                purpose=Purpose.RELAY,
                person_id=person.id,
            )
        )
    return found
