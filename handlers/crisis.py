"""The crisis reply's "see all lines" button: every line with its hours, for anyone.

Strangers get the crisis reply too, so the button answers whoever presses it; nothing
about the presser is read or stored beyond their language and time zone.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.args import stale_button
from handlers.turn import Actor, Turn, turn_handler
from storage.outbox import PRIORITY_URGENT, Purpose
from usecases.crisis_reply import all_lines_text, parse_all_lines_callback, zone_or_default

__all__ = ["all_lines_callback"]


@turn_handler()
async def all_lines_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    query = turn.update.callback_query
    assert query is not None
    situations = parse_all_lines_callback(query.data or "")
    if situations is None:
        stale_button(turn)
        return
    person = actor.person
    tz = zone_or_default(turn.svc, person.timezone if person is not None else None)
    turn.reply(
        session,
        all_lines_text(turn.svc, turn.language, turn.now, tz, situations),
        purpose=Purpose.CRISIS,
        person_id=person.id if person is not None else None,
        priority=PRIORITY_URGENT,
    )
