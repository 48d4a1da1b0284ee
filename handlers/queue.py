"""The workers' queue: list, read, acknowledge, note, relay, reassign, resolve.

Workers see their own people and those they back up (and escalations they were notified
of); coordinators see everyone. Every read of a person's record is audited.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFoundError
from domain.escalation import EscalationReason, EscalationState, Outcome, StepLevel
from handlers.access import is_coordinator, staff_command
from handlers.args import (
    ArgKind,
    BadArgument,
    escalation_ref,
    pressed,
    shown,
    staff_ref,
    stale_button,
)
from handlers.turn import Actor, Turn, inline_keyboard
from storage.audit import AuditRepository
from storage.escalations import (
    Escalation,
    EscalationRepository,
    episode_reasons,
    subject_ref,
)
from storage.inbound import PersonMessageRepository
from storage.people import Person
from storage.staff import StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.escalations import (
    add_note,
    reason_words,
    reasons_of,
    reassign,
    relay,
    resolve,
)
from usecases.visibility import visible_escalation
from usecases.words import subject_label

log = logging.getLogger(__name__)

PAGE = 5
MAX_NOTE = 2000


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
        state = turn.text("queue.state_held", state=state, holder=holder)
    line = turn.text(
        "queue.line",
        id=escalation.id,
        priority=escalation.priority.value,
        reason=reason_words(turn.svc, turn.language, reasons or [escalation.reason]),
        person=subject_label(turn.svc.catalog, turn.language, escalation, person),
        person_id=subject_ref(escalation),
        created=turn.staff_time(escalation.created_at),
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
    assert actor.staff is not None
    button = pressed(turn, ButtonKind.ESCALATION)
    if button is None or button.number is None:
        return
    found = await visible_escalation(session, actor.staff, button.number)
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
        await StaffRepository(session).get(escalation.acknowledged_by)
        if escalation.acknowledged_by
        else None
    )
    text = turn.text(
        "queue.details",
        id=escalation.id,
        priority=escalation.priority.value,
        reason=reason_words(turn.svc, turn.language, await reasons_of(session, escalation.id)),
        person=subject_label(turn.svc.catalog, turn.language, escalation, person),
        person_id=subject_ref(escalation),
        state=turn.text(f"state.{escalation.state.value}"),
        holder=holder.name if holder else turn.text("escalation.told_nobody"),
        created=turn.staff_time(escalation.created_at),
        level=turn.text(f"queue.step_{StepLevel(escalation.level).name.lower()}"),
    )
    if notes:
        text += "\n" + "\n".join(
            turn.text(
                "queue.note_line",
                at=turn.staff_time(n.at),
                by=name or turn.text("queue.note_by_unknown"),
                text=n.text,
            )
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
    assert actor.staff is not None
    button = pressed(turn, ButtonKind.RESOLVE_MENU)
    if button is None or button.number is None:
        return
    found = await visible_escalation(session, actor.staff, button.number)
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
    try:
        outcome = Outcome(button.choice)
    except ValueError:
        stale_button(turn)
        return
    await _resolve(turn, session, actor, button.number, outcome, None)


def _outcome(turn: Turn, text: str) -> Outcome:
    """The outcome a worker typed; a wrong one is named with the outcomes there are."""
    try:
        return Outcome(text.strip().lower())
    except ValueError:
        choices = turn.text("args.separator").join(
            turn.text("args.choice", token=o.value, word=turn.text(f"outcome.{o.value}"))
            for o in Outcome
        )
        raise BadArgument(ArgKind.OUTCOME, text, choices=choices) from None


@staff_command()
async def resolve_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    if len(args) < 2:
        turn.reply(session, turn.text("resolve.usage"))
        return
    number = escalation_ref(args[0])
    outcome = _outcome(turn, args[1])
    await _resolve(turn, session, actor, number, outcome, " ".join(args[2:]) or None)


async def _resolve(
    turn: Turn,
    session: AsyncSession,
    actor: Actor,
    number: int,
    outcome: Outcome,
    note: str | None,
) -> None:
    assert actor.staff is not None
    found = await visible_escalation(session, actor.staff, number)
    if found is None:
        turn.reply(session, turn.text("queue.not_found"))
        return
    escalation, _person = found
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
    found = await visible_escalation(session, actor.staff, escalation_ref(args[0]))
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
    found = await visible_escalation(session, actor.staff, escalation_ref(args[0]))
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
    found = await visible_escalation(session, actor.staff, number)
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
