"""`/focus <person> <days> [note]` and the review prompt's buttons (usecases/focus.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.focus import MAX_FOCUS_DAYS, ReviewChoice
from handlers.access import staff_command
from handlers.args import days as parse_days
from handlers.args import person_ref, pressed, shown, stale_button
from handlers.turn import Actor, Turn
from usecases.buttons import ButtonKind
from usecases.focus import ReviewAnswer, review_pressed, start_focus
from usecases.visibility import visible_person

__all__ = ["focus_command", "review_callback"]

NOTE_LIMIT = 500


@staff_command()
async def focus_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) < 2:
        turn.reply(session, turn.text("focus.usage", max=MAX_FOCUS_DAYS))
        return
    person = await visible_person(session, actor.staff, person_ref(args[0]))
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    days = parse_days(args[1], maximum=MAX_FOCUS_DAYS)
    note = " ".join(args[2:])[:NOTE_LIMIT] or None
    started = await start_focus(turn.svc, session, person, actor.staff, days, note, turn.now)
    turn.reply(
        session,
        turn.text(
            "focus.started",
            person_id=person.id,
            level=turn.text(f"cadence.level.{started.level.value}"),
            review=turn.staff_time(started.period.review_at),
        ),
    )


@staff_command()
async def review_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    assert actor.staff is not None
    button = pressed(turn, ButtonKind.REVIEW)
    try:
        choice = ReviewChoice(button.choice if button is not None and button.choice else "")
    except ValueError:
        stale_button(turn)
        return
    assert button is not None and button.number is not None
    found = await review_pressed(turn.svc, session, actor.staff, button.number, choice, turn.now)
    if found is None:
        stale_button(turn)
        return
    answer, person = found
    turn.callback_answer = turn.text(f"focus.answer_{answer.value}")
    if answer is not ReviewAnswer.ALREADY:
        turn.reply(
            session,
            turn.text(
                f"focus.done_{answer.value}",
                person_id=person.id,
                days=choice.days or 0,
                level=turn.text(f"cadence.level.{person.cadence_level.value}"),
            ),
        )
