"""A worker's caseload: `/people` lists it, `/person <id>` reads one record (audited)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.mood import Mood
from handlers.access import staff_command
from handlers.args import person_ref, shown
from handlers.turn import Actor, Turn
from usecases.caseload import CASELOAD_SHOWN, PersonRecord, caseload, read_person_record
from usecases.person_page import person_picture
from usecases.visibility import visible_person
from usecases.words import level_name, person_label, person_schedule_words

__all__ = ["people_command", "person_command"]

MESSAGE_PREVIEW = 300
REPLY_LIMIT = 4000
CAPTION_LIMIT = 1024  # the Bot API's limit for a photo's caption


@staff_command()
async def people_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    found = await caseload(session, actor.staff, turn.now)
    if not found.total:
        turn.reply(session, turn.text("people.empty"))
        return
    lines = [
        turn.text(
            "people.line",
            person=person_label(
                turn.svc.catalog, turn.language, line.person.display_name, line.person.id
            ),
            person_id=line.person.id,
            status=turn.text(f"status.{line.person.status.value}"),
            last_reply=turn.staff_time(line.person.last_reply_at),
            next_checkin=turn.staff_time(line.person.next_checkin_at),
            trend=turn.text(f"trend.{line.trend.value if line.trend is not None else 'unknown'}"),
        )
        + (turn.text("queue.unread", count=line.unread) if line.unread else "")
        for line in found.lines
    ]
    more = (
        turn.text("people.more", count=found.total - CASELOAD_SHOWN)
        if found.total > CASELOAD_SHOWN
        else ""
    )
    turn.reply(
        session, turn.text("people.header", count=found.total) + "\n" + "\n".join(lines) + more
    )


@staff_command()
async def person_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    assert actor.staff is not None
    if len(args) != 1:
        turn.reply(session, turn.text("person_cmd.usage"))
        return
    person = await visible_person(session, actor.staff, person_ref(args[0]))
    if person is None:
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    record = await read_person_record(session, actor.staff, person, turn.now)
    turn.reply(session, "\n".join(_record_lines(turn, record))[:REPLY_LIMIT])
    # The timeline as a picture (figure 3-1), so it can be seen on the move; its words
    # are in the caption.
    png, caption = await person_picture(turn.svc, session, person, turn.language, turn.now)
    turn.reply_photo(session, png, caption[:CAPTION_LIMIT])


def _record_lines(turn: Turn, record: PersonRecord) -> list[str]:
    person = record.person
    catalog, language = turn.svc.catalog, turn.language
    schedule = person_schedule_words(catalog, language, person)
    none = turn.text("common.none")
    lines = [
        turn.text(
            "person_cmd.header",
            person=person_label(catalog, language, person.display_name, person.id),
            person_id=person.id,
            telegram_id=person.telegram_id,
            status=turn.text(f"status.{person.status.value}"),
            worker=record.worker.name if record.worker else none,
            backup=record.backup.name if record.backup else none,
            times=schedule.times,
            days=schedule.days,
            timezone=schedule.timezone,
            cadence=level_name(catalog, language, person.cadence_level),
            last_reply=turn.staff_time(person.last_reply_at),
            next_checkin=turn.staff_time(person.next_checkin_at),
            open=1 if record.active_episode else 0,
        )
    ]
    separator = turn.text("escalation.name_separator")
    if record.moods:
        moods = separator.join(
            f"{turn.staff_time(at)} {turn.text('mood.' + Mood.from_score(score).value)}"
            for at, score in record.moods
        )
        lines.append(turn.text("person_cmd.moods") + moods)
    if record.changes:
        changes = separator.join(
            turn.text(
                "person_cmd.cadence_change",
                at=turn.staff_time(c.at),
                level=level_name(catalog, language, c.to_level),
                reason=turn.text(f"cadence.reason.{c.reason.value}"),
            )
            for c in record.changes
        )
        lines.append(turn.text("person_cmd.cadence_changes") + changes)
    if record.unread:
        lines.append(turn.text("person_cmd.unread", count=record.unread))
    if record.messages:
        lines.append(turn.text("person_cmd.messages"))
        for m in record.messages:
            body = m.text if m.text else turn.text(f"kind.{m.kind.value}")
            new = m.outside_checkin and m.read_at == turn.now
            mark = turn.text("person_cmd.new_mark") if new else ""
            lines.append(f"  {mark}{turn.staff_time(m.received_at)} {body[:MESSAGE_PREVIEW]}")
    return lines
