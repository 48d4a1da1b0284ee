"""つなげる in the chat: the resource directory (/resources, /resource), proposing a tie
(/connect), reading a person's ties (/ties), and the person's answers and ends."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.ties import RESOURCE_LIMITS, ResourceFields, ResourceKind, TieCheckAnswer, TieState
from handlers.access import person_command, staff_command
from handlers.args import person_ref, pressed, row_id, shown, stale_button
from handlers.turn import Actor, Turn
from storage.outbox import OutboxRepository, new_edit
from storage.resources import Resource, ResourceRepository
from usecases.buttons import ButtonKind
from usecases.resources import add_resource, edit_resource, kind_from_text, kind_word
from usecases.tie_checks import answer_tie_check
from usecases.ties import (
    AGREE_WORD,
    DECLINE_WORD,
    ProposeOutcome,
    answer_proposal,
    end_by_person,
    propose_tie,
    resource_details,
    ties_for_staff,
)
from usecases.visibility import visible_person
from usecases.words import person_label

__all__ = [
    "connect_command",
    "resource_command",
    "resources_command",
    "tie_callback",
    "tie_check_callback",
    "tie_end_callback",
    "ties_command",
]

REPLY_LIMIT = 4000


def _kinds(turn: Turn) -> str:
    return turn.text("resource.separator").join(
        kind_word(turn.svc.catalog, turn.language, k) for k in ResourceKind
    )


def _resource_line(turn: Turn, resource: Resource) -> str:
    line = turn.text(
        "resources.line",
        id=resource.id,
        name=resource.name,
        kind=kind_word(turn.svc.catalog, turn.language, resource.kind),
        area=resource.area or "-",
    )
    return line if resource.active else line + turn.text("resources.inactive")


@staff_command()
async def resources_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    """The directory, for every staff member (workers need it to /connect)."""
    resources = await ResourceRepository(session).all()
    if not resources:
        turn.reply(session, turn.text("resources.empty"))
        return
    lines = [turn.text("resources.header", count=len(resources))]
    lines += [_resource_line(turn, r) for r in resources]
    turn.reply(session, "\n".join(lines)[:REPLY_LIMIT])


@staff_command(coordinator=True)
async def resource_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    """`/resource add <kind> <name>` and `/resource edit <id> <field> <value>`."""
    assert actor.staff is not None
    action = args[0].lower() if args else ""
    if action == "add" and len(args) >= 3:
        kind = kind_from_text(turn.svc.catalog, args[1])
        name = " ".join(args[2:])
        if kind is None or len(name) > RESOURCE_LIMITS["name"]:
            turn.reply(session, turn.text("resource.usage", kinds=_kinds(turn)))
            return
        fields = ResourceFields(name=name, kind=kind)
        resource = await add_resource(session, fields, turn.now, staff_id=actor.staff.id)
        turn.reply(session, turn.text("resource.added") + "\n" + _resource_line(turn, resource))
        return
    if action == "edit" and len(args) >= 4:
        number = row_id(args[1].removeprefix("#"))
        found = await ResourceRepository(session).get(number) if number else None
        if found is None:
            turn.reply(session, turn.text("resource.unknown", ref=shown(args[1])))
            return
        try:
            await edit_resource(
                session,
                turn.svc.catalog,
                found,
                args[2].lower(),
                " ".join(args[3:]),
                turn.now,
                staff_id=actor.staff.id,
            )
        except ValueError:
            turn.reply(session, turn.text("resource.usage", kinds=_kinds(turn)))
            return
        turn.reply(session, turn.text("resource.changed") + "\n" + _resource_line(turn, found))
        return
    turn.reply(session, turn.text("resource.usage", kinds=_kinds(turn)))


@staff_command()
async def connect_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) < 2:
        turn.reply(session, turn.text("connect.usage"))
        return
    person = await visible_person(session, actor.staff, person_ref(args[0]))
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    reference = " ".join(args[1:])
    result = await propose_tie(turn.svc, session, actor.staff, person, reference, turn.now)
    name = person_label(turn.svc.catalog, turn.language, person.display_name, person.id)
    resource = result.resource.name if result.resource is not None else ""
    if result.outcome is ProposeOutcome.AMBIGUOUS:
        names = turn.text("resource.separator").join(
            turn.text("connect.candidate", id=r.id, name=r.name) for r in result.candidates[:5]
        )
        text = turn.text("connect.ambiguous", ref=shown(reference), names=names)
    elif result.outcome is ProposeOutcome.NOT_ASKABLE:
        status = turn.text(f"status.{person.status.value}")
        text = turn.text("connect.not_askable", person=name, status=status)
    else:
        text = turn.text(
            f"connect.{result.outcome.value}",
            person=name,
            person_id=person.id,
            resource=resource,
            ref=shown(reference),
        )
    turn.reply(session, text)


@staff_command()
async def ties_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) != 1:
        turn.reply(session, turn.text("ties.usage"))
        return
    person = await visible_person(session, actor.staff, person_ref(args[0]))
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    found = await ties_for_staff(session, actor.staff, person, turn.now)
    name = person_label(turn.svc.catalog, turn.language, person.display_name, person.id)
    if not found:
        turn.reply(session, turn.text("ties.none", person=name, person_id=person.id))
        return
    lines = [turn.text("ties.header", person=name, person_id=person.id)]
    for tie, resource in found:
        lines.append(
            turn.text(
                "ties.line",
                id=tie.id,
                resource=resource.name,
                kind=kind_word(turn.svc.catalog, turn.language, resource.kind),
                state=turn.text(f"tie_state.{tie.state.value}"),
                since=turn.staff_time(tie.since),
            )
        )
    turn.reply(session, "\n".join(lines)[:REPLY_LIMIT])


def _take_buttons_away(turn: Turn, session: AsyncSession) -> None:
    """The pressed message loses its buttons, so a choice cannot be pressed twice."""
    query = turn.update.callback_query
    if query is None or query.message is None:
        return
    OutboxRepository(session).add(
        new_edit(
            chat_id=turn.chat_id,
            message_id=query.message.message_id,
            now=turn.now,
            reply_markup={"inline_keyboard": []},
        )
    )
    turn.sent = True


@person_command
async def tie_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """The person's answer to a proposed tie: the first button agrees, the second declines."""
    person = actor.person
    assert person is not None
    button = pressed(turn, ButtonKind.TIE)
    if button is None or button.number is None or button.choice not in (AGREE_WORD, DECLINE_WORD):
        stale_button(turn)
        return
    agreed = button.choice == AGREE_WORD
    change = await answer_proposal(turn.svc, session, person, button.number, agreed, turn.now)
    if change is None:
        stale_button(turn)
        return
    _take_buttons_away(turn, session)
    resource = change.resource
    if change.state is TieState.ACTIVE:
        details = resource_details(turn.svc, turn.language, resource)
        text = turn.text("tie_ask.agreed", resource=resource.name)
        turn.reply(session, text + ("\n" + details if details else ""), person_id=person.id)
    else:
        turn.reply(session, turn.text("tie_ask.declined"), person_id=person.id)


@person_command
async def tie_end_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """The person ends one of their ties from /mydata."""
    person = actor.person
    assert person is not None
    button = pressed(turn, ButtonKind.TIE_END)
    if button is None or button.number is None:
        return
    change = await end_by_person(turn.svc, session, person, button.number, turn.now)
    if change is None:
        stale_button(turn)
        return
    _take_buttons_away(turn, session)
    turn.reply(session, turn.text("tie_end.done", resource=change.resource.name))


@person_command
async def tie_check_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """The person's answer to the periodic question about a tie."""
    person = actor.person
    assert person is not None
    button = pressed(turn, ButtonKind.TIE_CHECK)
    answers = {a.value: a for a in TieCheckAnswer}
    if button is None or button.number is None or button.choice not in answers:
        stale_button(turn)
        return
    answer = answers[button.choice]
    done = await answer_tie_check(
        turn.svc,
        session,
        person,
        button.number,
        answer,
        turn.now,
        update_id=turn.update.update_id,
    )
    if done is None:
        stale_button(turn)
        return
    _take_buttons_away(turn, session)
    reply = turn.text(f"tie_check.reply_{answer.value}", resource=done.resource.name)
    turn.reply(session, reply, person_id=person.id)
