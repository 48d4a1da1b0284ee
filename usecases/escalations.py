"""Escalation use cases: open or join the person's episode, notify, acknowledge, auto-resolve.

An escalation is one *episode* per person: the first reason opens it, later reasons join it
(rows of `escalation_reasons`) and raise its priority when higher. The pure rules (merging,
priorities only rise, the step-up ladder) live in `domain.escalation`; this module applies
them to stored rows and queues the notifications in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import (
    EscalationEvent,
    EscalationReason,
    EscalationSnapshot,
    EscalationState,
    MergeAction,
    MergeDecision,
    Outcome,
    Priority,
    StepLevel,
    WorkingHours,
    auto_resolves_on_reply,
    default_priority,
    episode_auto_resolves,
    merge_signal,
    next_step,
    next_step_at,
    next_working_instant,
    transition,
)
from domain.mood import Mood
from infra import holidays
from storage.escalations import (
    Escalation,
    EscalationNote,
    EscalationNotification,
    EscalationReasonEntry,
    EscalationRepository,
    episode_key,
    episode_reasons,
    reasons_answered_by_reply,
    subject_name,
    subject_ref,
)
from storage.outbox import (
    PRIORITY_URGENT,
    OutboxRepository,
    Purpose,
    new_edit,
    new_message,
)
from storage.people import Person
from storage.staff import Staff, StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.reachability import screen_recipients
from usecases.services import Services
from usecases.staffing import notify_staff
from usecases.words import duration, person_label, subject_label

log = logging.getLogger(__name__)

_EVENT_FOR = {
    EscalationState.RESOLVED: EscalationEvent.RESOLVE,
    EscalationState.AUTO_RESOLVED: EscalationEvent.AUTO_RESOLVE,
}


class Notice(StrEnum):
    """What a notification about an episode is: the first, a raise, or a step-up reminder."""

    FIRST = "notify"
    RAISED = "notify_raised"
    REMINDER = "reminder"


def working_hours(svc: Services) -> WorkingHours:
    """Working hours and days, less national holidays and the organisation's closures."""
    return holidays.working_hours(svc.settings.escalation)


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


async def active_episode(session: AsyncSession, person_id: int) -> Escalation | None:
    """The person's active (open or acknowledged) episode, if any."""
    return await EscalationRepository(session).active_for_person(person_id)


async def reasons_of(session: AsyncSession, escalation_id: int) -> list[EscalationReason]:
    """Every reason of an episode in the order they came, repeats folded."""
    return (await episode_reasons(session, [escalation_id])).get(escalation_id, [])


def _add_reason(
    session: AsyncSession,
    escalation: Escalation,
    reason: EscalationReason,
    priority: Priority,
    now: datetime,
    update_id: int | None,
    *,
    by_silence: bool = False,
) -> None:
    session.add(
        EscalationReasonEntry(
            escalation_id=escalation.id,
            reason=reason,
            priority=priority,
            at=now,
            update_id=update_id,
            answered_by_reply=auto_resolves_on_reply(reason, by_silence=by_silence),
        )
    )


async def open_or_join(
    svc: Services,
    session: AsyncSession,
    person: Person,
    reason: EscalationReason,
    now: datetime,
    *,
    priority: Priority | None = None,
    update_id: int | None = None,
    by_silence: bool = False,
) -> Opened:
    """Open the person's episode, or join the active one (raising its priority when higher).

    `by_silence`: the person's silence raised it, so their reply answers it (a `reconnect`).

    The unique `open_key` makes "one active episode per person" hold even when two
    instances race: the loser's insert fails and it joins the winner's row.
    """
    wanted = priority or default_priority(reason)
    existing = await active_episode(session, person.id)
    if existing is None:
        escalation = Escalation(
            person_id=person.id,
            reason=reason,
            priority=wanted,
            state=EscalationState.OPEN,
            open_key=episode_key(person_id=person.id),
            created_at=now,
            updated_at=now,
            level=StepLevel.WORKER,
            assignee_id=person.worker_id,
            trigger_update_id=update_id,
        )
        if await _insert_episode(
            session, escalation, wanted, now, update_id, by_silence=by_silence
        ):
            await _announce(svc, session, escalation, person, reason, now)
            return Opened(escalation, MergeAction.OPEN_NEW)
        existing = await active_episode(session, person.id)
        assert existing is not None
    decision = merge_signal(snapshot(existing, None), reason, wanted)
    await join(
        svc, session, existing, person, reason, decision, now, update_id, by_silence=by_silence
    )
    return Opened(existing, decision.action)


async def open_for_stranger(
    svc: Services,
    session: AsyncSession,
    telegram_id: int,
    first_name: str | None,
    now: datetime,
    *,
    update_id: int | None = None,
) -> Opened:
    """Someone who is not enrolled wrote something that sounds like a crisis: a P1 episode to
    the coordinators, about the Telegram user (nobody is enrolled, nothing else is created)."""
    key = episode_key(stranger_telegram_id=telegram_id)
    existing = await EscalationRepository(session).active_by_key(key)
    if existing is None:
        escalation = Escalation(
            person_id=None,
            stranger_telegram_id=telegram_id,
            stranger_name=(first_name or "")[:200] or None,
            reason=EscalationReason.DISTRESS,
            priority=Priority.P1,
            state=EscalationState.OPEN,
            open_key=key,
            created_at=now,
            updated_at=now,
            level=StepLevel.WORKER,
            trigger_update_id=update_id,
        )
        if await _insert_episode(session, escalation, Priority.P1, now, update_id):
            await _announce(svc, session, escalation, None, EscalationReason.DISTRESS, now)
            return Opened(escalation, MergeAction.OPEN_NEW)
        existing = await EscalationRepository(session).active_by_key(key)
        assert existing is not None  # the insert lost to this very row
    decision = merge_signal(snapshot(existing, None), EscalationReason.DISTRESS, Priority.P1)
    await join(svc, session, existing, None, EscalationReason.DISTRESS, decision, now, update_id)
    return Opened(existing, decision.action)


async def _insert_episode(
    session: AsyncSession,
    escalation: Escalation,
    priority: Priority,
    now: datetime,
    update_id: int | None,
    *,
    by_silence: bool = False,
) -> bool:
    """Insert a new episode with its first reason; False when another one won the race."""
    try:
        async with session.begin_nested():
            session.add(escalation)
            await session.flush()
    except IntegrityError:
        return False
    _add_reason(
        session, escalation, escalation.reason, priority, now, update_id, by_silence=by_silence
    )
    return True


async def _announce(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person | None,
    reason: EscalationReason,
    now: datetime,
) -> None:
    # Distress reaches the worker, the backup and the coordinators at once; the ladder
    # still re-notifies until someone acknowledges.
    await notify(
        svc,
        session,
        escalation,
        person,
        now,
        level=StepLevel.WORKER,
        everyone=reason is EscalationReason.DISTRESS,
    )
    log.info(
        "escalation %s opened: person %s reason %s priority %s",
        escalation.id,
        escalation.person_id,
        reason.value,
        escalation.priority.value,
    )


async def join(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person | None,
    reason: EscalationReason,
    decision: MergeDecision,
    now: datetime,
    update_id: int | None,
    *,
    by_silence: bool = False,
) -> None:
    """A new reason joins the episode; whoever holds it hears of it, never silently.

    A raise to P1 pages everyone as a new distress does; any other new reason, and every
    new distress message, is one short message to the holder.
    """
    before = await reasons_of(session, escalation.id)
    _add_reason(
        session, escalation, reason, decision.priority, now, update_id, by_silence=by_silence
    )
    escalation.updated_at = now
    if decision.raised:
        escalation.priority = decision.priority
        await notify(
            svc,
            session,
            escalation,
            person,
            now,
            level=escalation.level,
            notice=Notice.RAISED,
            everyone=decision.priority is Priority.P1,
        )
    elif reason is EscalationReason.DISTRESS or reason not in before:
        for staff in await holders(session, escalation, person):
            _tell_joined(svc, session, staff, escalation, person, reason, now)
    log.info(
        "escalation %s joined by %s (priority %s)",
        escalation.id,
        reason.value,
        escalation.priority.value,
    )


async def holders(
    session: AsyncSession, escalation: Escalation, person: Person | None
) -> list[Staff]:
    """Who holds the episode now: the one who acknowledged it, else its first responders."""
    if escalation.acknowledged_by is not None:
        staff = await session.get(Staff, escalation.acknowledged_by)
        if staff is not None and staff.active:
            return [staff]
    return await recipients(session, escalation, person, StepLevel.WORKER)


def _tell_joined(
    svc: Services,
    session: AsyncSession,
    staff: Staff,
    escalation: Escalation,
    person: Person | None,
    reason: EscalationReason,
    now: datetime,
) -> None:
    lang = staff.language
    OutboxRepository(session).add(
        new_message(
            chat_id=staff.telegram_id,
            text=svc.text(
                lang,
                "escalation.joined",
                reason=svc.text(lang, f"reason.{reason.value}"),
                person=subject_label(svc.catalog, lang, escalation, person),
                person_id=subject_ref(escalation),
                escalation_id=escalation.id,
                priority=escalation.priority.value,
            ),
            now=now,
            purpose=Purpose.NOTIFY,
            reply_markup=_details_keyboard(svc, lang, escalation),
            person_id=escalation.person_id,
            priority=PRIORITY_URGENT if reason is EscalationReason.DISTRESS else 10,
        )
    )


async def recipients(
    session: AsyncSession, escalation: Escalation, person: Person | None, level: StepLevel
) -> list[Staff]:
    """Level 0/1: the assigned worker; 2: the backup; 3: every coordinator.

    An episode about a stranger has no worker: it goes to the coordinators.
    """
    if (
        person is None
        or level is StepLevel.COORDINATORS
        or (level is StepLevel.BACKUP and person.backup_worker_id is None)
    ):
        return await StaffRepository(session).coordinators()
    staff_id = (
        person.backup_worker_id
        if level is StepLevel.BACKUP
        else (escalation.assignee_id or person.worker_id)
    )
    staff = await session.get(Staff, staff_id) if staff_id is not None else None
    if staff is None or not staff.active:
        return await StaffRepository(session).coordinators()
    return [staff]


def reason_words(svc: Services, lang: str, reasons: Sequence[EscalationReason]) -> str:
    return svc.text(lang, "escalation.reason_separator").join(
        svc.text(lang, f"reason.{r.value}") for r in reasons
    )


def notification_text(
    svc: Services,
    staff: Staff,
    escalation: Escalation,
    person: Person | None,
    reasons: Sequence[EscalationReason],
    *,
    notice: Notice = Notice.FIRST,
    **params: object,
) -> str:
    lang = staff.language
    return svc.text(
        lang,
        f"escalation.{notice.value}",
        priority=escalation.priority.value,
        reason=reason_words(svc, lang, reasons or [escalation.reason]),
        person=subject_label(svc.catalog, lang, escalation, person),
        person_id=subject_ref(escalation),
        escalation_id=escalation.id,
        **params,
    )


def _details_keyboard(svc: Services, lang: str, escalation: Escalation) -> dict[str, object]:
    return {
        "inline_keyboard": [
            [
                {
                    "text": svc.text(lang, "escalation.details_button"),
                    "callback_data": button_data(ButtonKind.ESCALATION, escalation.id),
                }
            ]
        ]
    }


def _notify_keyboard(svc: Services, lang: str, escalation: Escalation) -> dict[str, object]:
    """Acknowledge first (scripts rely on it), then the details."""
    ack = {
        "text": svc.text(lang, "escalation.ack_button"),
        "callback_data": button_data(ButtonKind.ACK, escalation.id),
    }
    details = _details_keyboard(svc, lang, escalation)["inline_keyboard"]
    assert isinstance(details, list)
    return {"inline_keyboard": [[ack], *details]}


async def notify(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    person: Person | None,
    now: datetime,
    *,
    level: StepLevel,
    notice: Notice = Notice.FIRST,
    everyone: bool = False,
    only: Sequence[Staff] | None = None,
) -> None:
    """Queue a notification with an acknowledge button (first) to the level's recipients.

    `everyone`: the worker, the backup and every coordinator at once (distress). A step-up
    (level above 0) is a reminder: it says so, how long the episode has been open and who
    else has been told. `only`: these recipients, already chosen (the fall-through, a
    responder who opened the bot); otherwise staff known unreachable are passed over
    (usecases.reachability).
    """
    if only is None:
        targets = await recipients(session, escalation, person, level)
        if everyone:
            for extra_level in (StepLevel.BACKUP, StepLevel.COORDINATORS):
                targets += await recipients(session, escalation, person, extra_level)
        targets = await screen_recipients(svc, session, escalation, person, targets, level, now)
    else:
        targets = list(only)
    if level is not StepLevel.WORKER and notice is Notice.FIRST:
        notice = Notice.REMINDER
    reasons = await reasons_of(session, escalation.id)
    told = (
        await EscalationRepository(session).told_names(escalation.id)
        if notice is Notice.REMINDER
        else []
    )
    for staff in dict((t.id, t) for t in targets).values():
        params: dict[str, object] = {}
        if notice is Notice.REMINDER:
            others = [name for name in told if name != staff.name]
            params = {
                "age": format_age(svc, staff.language, now - escalation.created_at),
                "told": svc.text(staff.language, "escalation.name_separator").join(others)
                or svc.text(staff.language, "escalation.told_nobody"),
            }
        text = notification_text(svc, staff, escalation, person, reasons, notice=notice, **params)
        text += rhythm_line(svc, staff.language, person, reasons, now)
        await _queue_notification(svc, session, escalation, staff, text, level, now)
    escalation.level = level
    escalation.next_step_at = next_step_at(
        snapshot(escalation, now), ack_deadlines(svc), working_hours(svc)
    )


async def _queue_notification(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    staff: Staff,
    text: str,
    level: StepLevel,
    now: datetime,
) -> None:
    message = new_message(
        chat_id=staff.telegram_id,
        text=text,
        now=now,
        purpose=Purpose.NOTIFY,
        reply_markup=_notify_keyboard(svc, staff.language, escalation),
        person_id=escalation.person_id,
        priority=PRIORITY_URGENT if escalation.priority is Priority.P1 else 10,
    )
    OutboxRepository(session).add(message)
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


def rhythm_line(
    svc: Services,
    lang: str,
    person: Person | None,
    reasons: Sequence[EscalationReason],
    now: datetime,
) -> str:
    """For a silence, the person's usual reply delay beside this silence, so the worker can
    tell a slow week from a change ("usually within 3 h; 26 h now"); else nothing."""
    if (
        person is None
        or not {EscalationReason.SILENCE, EscalationReason.RECONNECT} & set(reasons)
        or person.usual_reply_s is None
        or person.silent_since is None
    ):
        return ""
    usual = format_age(svc, lang, timedelta(seconds=person.usual_reply_s))
    silent = format_age(svc, lang, now - person.silent_since)
    return "\n" + svc.text(lang, "rhythm.line", usual=usual, silent=silent)


def format_age(svc: Services, lang: str, age: timedelta) -> str:
    """How long an episode has been open, in words: 25分, 3時間, 3時間10分, 2日."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes >= 24 * 60:  # whole days: "open for 2 days", not to the minute
        return duration(svc.catalog, lang, timedelta(days=minutes // (24 * 60)))
    return duration(svc.catalog, lang, timedelta(minutes=minutes))


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


async def subject_of(session: AsyncSession, escalation: Escalation) -> Person | None:
    """The person an episode is about (None for a stranger's episode)."""
    if escalation.person_id is None:
        return None
    return await session.get(Person, escalation.person_id)


async def _edit_notifications(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    now: datetime,
    key: str,
    **params: object,
) -> None:
    """Show every notified staff member what happened. The acknowledge button goes; the
    details button stays while the episode is active, so the notice stays useful."""
    rows = await EscalationRepository(session).delivered_notifications(escalation.id)
    person = await subject_of(session, escalation)
    reasons = await reasons_of(session, escalation.id)
    outbox = OutboxRepository(session)
    active = escalation.open_key is not None
    for notification, staff in rows:
        assert notification.message_id is not None
        text = (
            notification_text(svc, staff, escalation, person, reasons)
            + "\n\n"
            + svc.text(staff.language, key, **params)
        )
        outbox.add(
            new_edit(
                chat_id=staff.telegram_id,
                message_id=notification.message_id,
                now=now,
                text=text,
                reply_markup=_details_keyboard(svc, staff.language, escalation) if active else None,
                purpose=Purpose.NOTIFY,
                person_id=escalation.person_id,
            )
        )


async def auto_resolve_on_reply(
    svc: Services,
    session: AsyncSession,
    person: Person,
    now: datetime,
    *,
    mood: Mood | None = None,
) -> list[Escalation]:
    """A sign of life closes an episode made only of silence-type reasons.

    The holder is told neutrally that the person replied (with the mood, if one was tapped):
    the bot does not judge how the person is.
    """
    escalation = await active_episode(session, person.id)
    if escalation is None or not episode_auto_resolves(
        await reasons_answered_by_reply(session, escalation.id)
    ):
        return []
    close_active(escalation, EscalationState.AUTO_RESOLVED, now)
    await _edit_notifications(svc, session, escalation, now, "escalation.replied_edit")
    for staff in await recipients(session, escalation, person, StepLevel.WORKER):
        mood_words = (
            svc.text(
                staff.language,
                "escalation.replied_mood",
                mood=svc.text(staff.language, f"mood.{mood.value}"),
            )
            if mood is not None
            else ""
        )
        notify_staff(
            svc,
            session,
            staff,
            person,
            "escalation.replied",
            now,
            escalation_id=escalation.id,
            mood=mood_words,
        )
    log.info("escalation %s auto-resolved: person %s replied", escalation.id, person.id)
    return [escalation]


async def step_up(
    svc: Services, session: AsyncSession, escalation: Escalation, now: datetime
) -> None:
    """One rung of the ladder for an open episode whose step is due."""
    person = await subject_of(session, escalation)
    # The stored due time already folds in the deadline and working hours; ask the pure
    # ladder with the notification time that produced it.
    notified_at = (
        await EscalationRepository(session).last_notified_at(escalation.id) or escalation.created_at
    )
    step = next_step(
        snapshot(escalation, notified_at),
        now,
        ack_deadlines(svc),
        working_hours(svc),
        has_backup=person is not None and person.backup_worker_id is not None,
    )
    if step is None:
        escalation.next_step_at = next_step_at(
            snapshot(escalation, notified_at), ack_deadlines(svc), working_hours(svc)
        )
        if escalation.next_step_at is not None and escalation.next_step_at <= now:
            # Outside working hours for P2/P3: wait for the next working instant.
            escalation.next_step_at = next_working_instant(now, working_hours(svc))
        return
    await notify(svc, session, escalation, person, now, level=step.level)
    escalation.updated_at = now
    log.info(
        "escalation %s stepped up to level %s (%s)",
        escalation.id,
        int(step.level),
        step.target.value,
    )


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
    """Resolve the episode, and with it every reason it holds."""
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
    await notify(
        svc, session, escalation, await subject_of(session, escalation), now, level=StepLevel.WORKER
    )


@dataclass(frozen=True, slots=True)
class Relayed:
    chat_id: int
    acknowledged: bool  # the relay claimed the episode for the worker


async def relay(
    svc: Services,
    session: AsyncSession,
    escalation: Escalation,
    staff: Staff,
    text: str,
    now: datetime,
) -> Relayed:
    """Send the worker's words to the person, signed; their answers come back to the worker.

    Talking to the person is acting on the episode: an open episode is acknowledged for the
    worker, which also holds the step-up while they talk.
    """
    person = await subject_of(session, escalation)
    acknowledged = escalation.state is EscalationState.OPEN and await acknowledge(
        svc, session, escalation, staff, now
    )
    escalation.relay_staff_id = staff.id
    escalation.updated_at = now
    chat_id = person.chat_id if person is not None else escalation.stranger_telegram_id
    assert chat_id is not None
    language = person.language if person is not None else staff.language
    OutboxRepository(session).add(
        new_message(
            chat_id=chat_id,
            text=svc.text(language, "relay.to_person", worker=staff.name, text=text),
            now=now,
            purpose=Purpose.RELAY,
            person_id=escalation.person_id,
        )
    )
    return Relayed(chat_id, acknowledged)


async def relay_back(
    svc: Services, session: AsyncSession, person: Person, text: str, now: datetime
) -> bool:
    """Pass a person's message to the worker relaying on their active episode."""
    return await _forward_to_relayer(
        svc,
        session,
        episode_key(person_id=person.id),
        name=person.display_name,
        ref=str(person.id),
        person_id=person.id,
        text=text,
        now=now,
    )


async def relay_back_from_stranger(
    svc: Services, session: AsyncSession, telegram_id: int, text: str, now: datetime
) -> bool:
    """A stranger answering the coordinator who wrote to them in their crisis."""
    episode = await EscalationRepository(session).active_for_stranger(telegram_id)
    if episode is None:
        return False
    return await _forward_to_relayer(
        svc,
        session,
        episode.open_key or "",
        name=subject_name(episode, None),
        ref=subject_ref(episode),
        person_id=None,
        text=text,
        now=now,
    )


async def _forward_to_relayer(
    svc: Services,
    session: AsyncSession,
    key: str,
    *,
    name: str | None,
    ref: str,
    person_id: int | None,
    text: str,
    now: datetime,
) -> bool:
    found = False
    for staff in await EscalationRepository(session).relayers(key):
        found = True
        OutboxRepository(session).add(
            new_message(
                chat_id=staff.telegram_id,
                text=svc.text(
                    staff.language,
                    "relay.from_person",
                    person=person_label(svc.catalog, staff.language, name, ref),
                    person_id=ref,
                    text=text,
                ),
                now=now,
                purpose=Purpose.RELAY,
                person_id=person_id,
            )
        )
    return found
