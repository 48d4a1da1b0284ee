"""The workers' queue: list, read, acknowledge, note, relay, reassign, resolve.

Workers see their own people and those they back up (and escalations they were notified
of); coordinators see everyone. Every read of a person's record is audited.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFoundError
from domain.escalation import EscalationReason, EscalationState, Outcome
from domain.mood import trend
from handlers.access import is_coordinator, may_see_person, staff_command
from handlers.args import escalation_ref, person_ref, pressed, shown, staff_ref
from handlers.turn import Actor, Turn, inline_keyboard
from storage.audit import AuditRepository
from storage.checkins import Checkin
from storage.escalations import (
    Escalation,
    EscalationRepository,
    episode_reasons,
    subject_name,
    subject_ref,
)
from storage.inbound import PersonMessage, PersonMessageRepository
from storage.people import CadenceChange, Person, PersonRepository
from storage.staff import Staff, StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.escalations import (
    add_note,
    reason_words,
    reasons_of,
    reassign,
    relay,
    resolve,
    subject_of,
)

log = logging.getLogger(__name__)

PAGE = 5
MAX_NOTE = 2000


def _when(turn: Turn, value: datetime | None) -> str:
    if value is None:
        return "-"
    zone = ZoneInfo(turn.svc.settings.escalation.timezone)
    return value.astimezone(zone).strftime("%m/%d %H:%M")


async def visible_escalation(
    session: AsyncSession, actor: Actor, number: int
) -> tuple[Escalation, Person | None] | None:
    """Escalation `number` (parsed by handlers/args.py), if the actor may see it; None both
    when it does not exist and when they may not (a refusal must not confirm what exists).
    An episode about a stranger (no person) is the coordinators' and its current holder's."""
    if actor.staff is None:
        return None
    escalation = await session.get(Escalation, number)
    if escalation is None:
        return None
    person = await subject_of(session, escalation)
    # Its current holder too (after /reassign), but nobody who merely used to be involved.
    if escalation.assignee_id == actor.staff.id or (
        may_see_person(actor, person.worker_id, person.backup_worker_id)
        if person is not None
        else is_coordinator(actor)
    ):
        return escalation, person
    return None


async def visible_person(session: AsyncSession, actor: Actor, number: int) -> Person | None:
    try:
        person = await PersonRepository(session).resolve(number)
    except NotFoundError:
        return None
    if not may_see_person(actor, person.worker_id, person.backup_worker_id):
        return None
    return person


def _audit(
    turn: Turn,
    session: AsyncSession,
    actor: Actor,
    action: str,
    escalation: Escalation,
    **detail: object,
) -> None:
    """Who did what to which escalation (and so to whose record), and when."""
    assert actor.staff is not None
    AuditRepository(session).record(
        action=action,
        staff_id=actor.staff.id,
        person_id=escalation.person_id,
        now=turn.now,
        detail={"escalation_id": escalation.id, **detail},
    )


def _line(
    turn: Turn,
    escalation: Escalation,
    person: Person | None,
    holder: str | None,
    reasons: list[EscalationReason],
    unread: int,
) -> str:
    state = turn.text(f"state.{escalation.state.value}")
    if holder:
        state += f" ({holder})"
    line = turn.text(
        "queue.line",
        id=escalation.id,
        priority=escalation.priority.value,
        reason=reason_words(turn.svc, turn.language, reasons or [escalation.reason]),
        person=subject_name(escalation, person),
        person_id=subject_ref(escalation),
        created=_when(turn, escalation.created_at),
        state=state,
    )
    return line + (turn.text("queue.unread", count=unread) if unread else "")


@staff_command()
async def queue_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    await _show_queue(turn, session, actor, page=0)


async def _show_queue(turn: Turn, session: AsyncSession, actor: Actor, page: int) -> None:
    assert actor.staff is not None
    rows = await EscalationRepository(session).visible(
        actor.staff.id, everyone=is_coordinator(actor)
    )
    if not rows:
        turn.reply(session, turn.text("queue.empty"))
        return
    pages = (len(rows) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = rows[page * PAGE : (page + 1) * PAGE]
    unread = await PersonMessageRepository(session).unread_counts(
        [e.person_id for e, _, _ in shown if e.person_id is not None]
    )
    reasons = await episode_reasons(session, [e.id for e, _, _ in shown])
    lines = [
        _line(
            turn,
            e,
            p,
            holder,
            reasons.get(e.id, []),
            unread.get(e.person_id, 0) if e.person_id is not None else 0,
        )
        for e, p, holder in shown
    ]
    buttons = [[(f"#{e.id}", button_data(ButtonKind.ESCALATION, e.id)) for e, _, _ in shown]]
    nav = []
    if page > 0:
        nav.append(("◀", button_data(ButtonKind.QUEUE_PAGE, page - 1)))
    if page + 1 < pages:
        nav.append(("▶", button_data(ButtonKind.QUEUE_PAGE, page + 1)))
    if nav:
        buttons.append(nav)
    turn.reply(
        session,
        turn.text("queue.header", count=len(rows), page=page + 1, pages=pages)
        + "\n"
        + "\n".join(lines),
        markup=inline_keyboard(buttons),
    )


@staff_command()
async def queue_page_callback(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    button = pressed(turn, ButtonKind.QUEUE_PAGE)
    if button is not None and button.number is not None:
        await _show_queue(turn, session, actor, page=button.number)


@staff_command()
async def escalation_details_callback(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    button = pressed(turn, ButtonKind.ESCALATION)
    if button is None or button.number is None:
        return
    found = await visible_escalation(session, actor, button.number)
    if found is None:
        turn.callback_answer = turn.text("queue.not_found")
        return
    await _show_escalation(turn, session, actor, *found)


async def _show_escalation(
    turn: Turn,
    session: AsyncSession,
    actor: Actor,
    escalation: Escalation,
    person: Person | None,
) -> None:
    assert actor.staff is not None
    notes = await EscalationRepository(session).notes(escalation.id)
    holder = (
        await session.get(Staff, escalation.acknowledged_by) if escalation.acknowledged_by else None
    )
    text = turn.text(
        "queue.details",
        id=escalation.id,
        priority=escalation.priority.value,
        reason=reason_words(turn.svc, turn.language, await reasons_of(session, escalation.id)),
        person=subject_name(escalation, person),
        person_id=subject_ref(escalation),
        state=turn.text(f"state.{escalation.state.value}"),
        holder=holder.name if holder else "-",
        created=_when(turn, escalation.created_at),
        level=escalation.level,
    )
    if notes:
        text += "\n" + "\n".join(
            turn.text("queue.note_line", at=_when(turn, n.at), by=name or "-", text=n.text)
            for n, name in notes
        )
    text += "\n\n" + turn.text("queue.actions_hint", id=escalation.id)
    _audit(turn, session, actor, "escalation.read", escalation)
    buttons: list[list[tuple[str, str]]] = []
    if escalation.state is EscalationState.OPEN:
        buttons.append(
            [(turn.text("escalation.ack_button"), button_data(ButtonKind.ACK, escalation.id))]
        )
    if escalation.open_key is not None:
        buttons.append(
            [
                (
                    turn.text("queue.resolve_button"),
                    button_data(ButtonKind.RESOLVE_MENU, escalation.id),
                )
            ]
        )
    turn.reply(session, text, markup=inline_keyboard(buttons) if buttons else None)


@staff_command()
async def resolve_menu_callback(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    button = pressed(turn, ButtonKind.RESOLVE_MENU)
    if button is None or button.number is None:
        return
    found = await visible_escalation(session, actor, button.number)
    if found is None or found[0].open_key is None:
        turn.callback_answer = turn.text("queue.not_found")
        return
    escalation = found[0]
    turn.reply(
        session,
        turn.text("queue.pick_outcome", id=escalation.id),
        markup=inline_keyboard(
            [
                [
                    (
                        turn.text(f"outcome.{o.value}"),
                        button_data(ButtonKind.RESOLVE, escalation.id, o.value),
                    )
                ]
                for o in Outcome
            ]
        ),
    )


@staff_command()
async def resolve_callback(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    button = pressed(turn, ButtonKind.RESOLVE)
    if button is None or button.number is None or button.choice is None:
        return
    await _resolve(turn, session, actor, button.number, button.choice, None)


@staff_command()
async def resolve_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    if len(args) < 2:
        turn.reply(session, turn.text("resolve.usage"))
        return
    number = escalation_ref(args[0])
    await _resolve(turn, session, actor, number, args[1], " ".join(args[2:]) or None)


async def _resolve(
    turn: Turn,
    session: AsyncSession,
    actor: Actor,
    number: int,
    outcome_text: str,
    note: str | None,
) -> None:
    assert actor.staff is not None
    found = await visible_escalation(session, actor, number)
    if found is None:
        turn.reply(session, turn.text("queue.not_found"))
        return
    escalation, _person = found
    try:
        outcome = Outcome(outcome_text)
    except ValueError:
        turn.reply(session, turn.text("resolve.usage"))
        return
    if escalation.open_key is None:
        turn.reply(session, turn.text("resolve.already", id=escalation.id))
        return
    await resolve(
        turn.svc,
        session,
        escalation,
        actor.staff,
        outcome,
        note[:MAX_NOTE] if note else None,
        turn.now,
    )
    _audit(turn, session, actor, "escalation.resolved", escalation, outcome=outcome.value)
    turn.reply(
        session,
        turn.text("resolve.done", id=escalation.id, outcome=turn.text(f"outcome.{outcome.value}")),
    )


@staff_command()
async def note_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) < 2:
        turn.reply(session, turn.text("note.usage"))
        return
    found = await visible_escalation(session, actor, escalation_ref(args[0]))
    if found is None:
        turn.reply(session, turn.text("queue.not_found"))
        return
    escalation, _person = found
    await add_note(session, escalation, actor.staff, " ".join(args[1:])[:MAX_NOTE], turn.now)
    _audit(turn, session, actor, "escalation.note", escalation)
    turn.reply(session, turn.text("note.done", id=escalation.id))


@staff_command()
async def relay_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) < 2:
        turn.reply(session, turn.text("relay.usage"))
        return
    found = await visible_escalation(session, actor, escalation_ref(args[0]))
    if found is None or found[0].open_key is None:
        turn.reply(session, turn.text("queue.not_found"))
        return
    escalation, _person = found
    text = " ".join(args[1:])[:3500]
    relayed = await relay(turn.svc, session, escalation, actor.staff, text, turn.now)
    _audit(turn, session, actor, "escalation.relay", escalation)
    done = turn.text("relay.done", person_id=subject_ref(escalation))
    if relayed.acknowledged:
        done += "\n" + turn.text("relay.acknowledged", id=escalation.id)
    turn.reply(session, done)


@staff_command()
async def reassign_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    assert actor.staff is not None
    if len(args) != 2:
        turn.reply(session, turn.text("reassign.usage"))
        return
    number, to_ref = escalation_ref(args[0]), staff_ref(args[1])
    found = await visible_escalation(session, actor, number)
    if found is None or found[0].open_key is None:
        turn.reply(session, turn.text("queue.not_found"))
        return
    try:
        to = await StaffRepository(session).resolve(to_ref)
    except NotFoundError:
        turn.reply(session, turn.text("invite.unknown_worker", ref=shown(args[1])))
        return
    escalation, _person = found
    await reassign(turn.svc, session, escalation, to, turn.now)
    _audit(turn, session, actor, "escalation.reassigned", escalation, to_staff_id=to.id)
    turn.reply(session, turn.text("reassign.done", id=escalation.id, worker=to.name))


@staff_command()
async def people_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    people = await PersonRepository(session).all(
        worker_id=None if is_coordinator(actor) else actor.staff.id
    )
    if not people:
        turn.reply(session, turn.text("people.empty"))
        return
    lines = []
    unread = await PersonMessageRepository(session).unread_counts([p.id for p in people[:50]])
    for person in people[:50]:
        scores = list(
            (
                await session.execute(
                    select(Checkin.mood)
                    .where(Checkin.person_id == person.id, Checkin.mood.is_not(None))
                    .order_by(Checkin.id.desc())
                    .limit(6)
                )
            ).scalars()
        )
        mood_trend = trend([s for s in reversed(scores) if s is not None]).value if scores else "-"
        lines.append(
            turn.text(
                "people.line",
                person=person.display_name or "-",
                person_id=person.id,
                status=turn.text(f"status.{person.status.value}"),
                last_reply=_when(turn, person.last_reply_at),
                next_checkin=_when(turn, person.next_checkin_at),
                trend=turn.text(f"trend.{mood_trend}") if mood_trend != "-" else "-",
            )
            + (turn.text("queue.unread", count=unread[person.id]) if person.id in unread else "")
        )
    AuditRepository(session).record(
        action="people.list",
        staff_id=actor.staff.id,
        now=turn.now,
        detail={"count": len(people)},
    )
    more = turn.text("people.more", count=len(people) - 50) if len(people) > 50 else ""
    turn.reply(
        session, turn.text("people.header", count=len(people)) + "\n" + "\n".join(lines) + more
    )


@staff_command()
async def person_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) != 1:
        turn.reply(session, turn.text("person_cmd.usage"))
        return
    person = await visible_person(session, actor, person_ref(args[0]))
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    unread = await PersonMessageRepository(session).unread_counts([person.id])
    # Reading the record reads the person's messages: they are marked read, and the read
    # (with how many were unread) is audited.
    marked = await PersonMessageRepository(session).mark_read(person.id, now=turn.now)
    AuditRepository(session).record(
        action="person.read",
        staff_id=actor.staff.id,
        person_id=person.id,
        now=turn.now,
        detail={"marked_read": marked},
    )
    worker = await session.get(Staff, person.worker_id)
    backup = await session.get(Staff, person.backup_worker_id) if person.backup_worker_id else None
    messages = (
        (
            await session.execute(
                select(PersonMessage)
                .where(PersonMessage.person_id == person.id)
                .order_by(PersonMessage.id.desc())
                .limit(5)
            )
        )
        .scalars()
        .all()
    )
    moods = (
        await session.execute(
            select(Checkin.replied_at, Checkin.mood)
            .where(Checkin.person_id == person.id, Checkin.mood.is_not(None))
            .order_by(Checkin.id.desc())
            .limit(5)
        )
    ).all()
    changes = (
        (
            await session.execute(
                select(CadenceChange)
                .where(CadenceChange.person_id == person.id)
                .order_by(CadenceChange.id.desc())
                .limit(3)
            )
        )
        .scalars()
        .all()
    )
    open_count = await session.scalar(
        select(func.count())
        .select_from(Escalation)
        .where(Escalation.person_id == person.id, Escalation.open_key.is_not(None))
    )
    lines = [
        turn.text(
            "person_cmd.header",
            person=person.display_name or "-",
            person_id=person.id,
            telegram_id=person.telegram_id,
            status=turn.text(f"status.{person.status.value}"),
            worker=worker.name if worker else "-",
            backup=backup.name if backup else "-",
            times=person.checkin_times,
            days=person.checkin_days,
            timezone=person.timezone,
            cadence=turn.text(f"cadence.level.{person.cadence_level}"),
            last_reply=_when(turn, person.last_reply_at),
            next_checkin=_when(turn, person.next_checkin_at),
            open=open_count or 0,
        )
    ]
    if moods:
        lines.append(
            turn.text("person_cmd.moods")
            + " "
            + ", ".join(
                f"{_when(turn, at)} {turn.text('mood.' + _mood_key(score))}"
                for at, score in moods
                if score is not None
            )
        )
    if changes:
        lines.append(
            turn.text("person_cmd.cadence_changes")
            + " "
            + "; ".join(
                f"{_when(turn, c.at)} {turn.text('cadence.level.' + c.to_level)} "
                f"({turn.text('cadence.reason.' + c.reason)})"
                for c in changes
            )
        )
    if unread.get(person.id):
        lines.append(turn.text("person_cmd.unread", count=unread[person.id]))
    if messages:
        lines.append(turn.text("person_cmd.messages"))
        for m in messages:
            body = m.text if m.text else turn.text(f"kind.{m.kind.value}")
            mark = (
                turn.text("person_cmd.new_mark")
                if m.outside_checkin and m.read_at == turn.now
                else ""
            )
            lines.append(f"  {mark}{_when(turn, m.received_at)} {body[:300]}")
    turn.reply(session, "\n".join(lines)[:4000])


def _mood_key(score: int) -> str:
    from domain.mood import Mood

    return Mood.from_score(score).value
