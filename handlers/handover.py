"""Handing a departing worker's people over (usecases/continuity.py): `/deactivate` shows
the plan with its reasons; the coordinator confirms it with a button, built here beside its
parser (`handover_callback`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import staff_command
from handlers.args import pressed, stale_button
from handlers.turn import Actor, Turn, inline_keyboard
from storage.staff import Staff, StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.continuity import Handover, hand_over, handover_plan, suggestion_words
from usecases.words import person_label

__all__ = ["handover_callback", "offer_handover"]

CONFIRM = "yes"
CANCEL = "no"


def _line(turn: Turn, item: Handover) -> str:
    person = item.person
    name = person_label(turn.svc.catalog, turn.language, person.display_name, person.id)
    if item.backup_only:
        return turn.text("continuity.backup_line", person=name, person_id=person.id)
    words = suggestion_words(turn.svc, turn.language, item.suggestion, item.to)
    return turn.text("continuity.plan_line", person=name, person_id=person.id, suggestion=words)


async def offer_handover(turn: Turn, session: AsyncSession, member: Staff) -> None:
    """The plan for `member`'s people, with its reasons, and the buttons to confirm it."""
    plan = await handover_plan(session, member)
    lines = [turn.text("continuity.plan_header", name=member.name, count=len(plan))]
    lines += [_line(turn, item) for item in plan]
    keyboard = inline_keyboard(
        [
            [
                (
                    turn.text("continuity.confirm_button"),
                    button_data(ButtonKind.HANDOVER, member.id, CONFIRM),
                ),
                (
                    turn.text("continuity.cancel_button"),
                    button_data(ButtonKind.HANDOVER, member.id, CANCEL),
                ),
            ]
        ]
    )
    turn.reply(session, "\n".join(lines), markup=keyboard)


@staff_command(coordinator=True)
async def handover_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    assert actor.staff is not None
    button = pressed(turn, ButtonKind.HANDOVER)
    member = (
        await StaffRepository(session).get(button.number)
        if button is not None and button.number is not None
        else None
    )
    if (
        button is None
        or member is None
        or not member.active
        or button.choice
        not in (
            CONFIRM,
            CANCEL,
        )
    ):
        stale_button(turn)
        return
    if button.choice == CANCEL:
        turn.reply(session, turn.text("continuity.cancelled"))
        return
    result = await hand_over(turn.svc, session, actor.staff, member, turn.now)
    if result.deactivated:
        turn.reply(session, turn.text("continuity.done", name=member.name, count=len(result.moved)))
        return
    lines = [turn.text("continuity.partly", name=member.name, count=len(result.moved))]
    lines += [_line(turn, item) for item in result.left]
    turn.reply(session, "\n".join(lines))
