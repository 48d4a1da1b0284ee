"""What a person does in their chat: reply, press a mood, ask to talk, and their controls.

Every message is recorded (text in the database only) and counts as a sign of life. Text
is classified for distress before anything else is decided.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatMemberStatus

from domain.escalation import EscalationReason
from domain.people import PauseReason, PersonStatus
from domain.schedule import format_hhmm, validate_own_time
from domain.ties import TieState
from domain.timeline import TimelineKind
from handlers.access import person_command
from handlers.args import days as parse_days
from handlers.args import hhmm, pressed, stale_button
from handlers.turn import Actor, Turn, inline_keyboard, turn_handler
from infra import dates
from storage.checkins import CheckinRepository
from storage.inbound import MessageKind, PersonMessage, PersonMessageRepository
from storage.outbox import OutboxRepository, new_edit
from storage.people import Person
from storage.staff import StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.checkins import adapt_cadence, mood_from_key, sign_of_life
from usecases.continuity import tell_coordinators_of_return
from usecases.escalations import open_or_join
from usecases.messages import Stranger, person_wrote, stranger_wrote
from usecases.pauses import pause, pause_reason_given, tell_worker_paused
from usecases.people import (
    forget,
    mark_unreachable,
    tell_worker,
)
from usecases.planning import next_checkin_for, plan_after_contact
from usecases.resources import kind_word
from usecases.tie_checks import reconnect_if_moods_turned_low
from usecases.ties import ties_for_person
from usecases.timeline import record_life_event
from usecases.words import language_name, moment, person_schedule_words
from usecases.working_hours import talk_acknowledgement

log = logging.getLogger(__name__)

FORGET_YES_WORD = "yes"
FORGET_NO_WORD = "no"
MAX_PAUSE_DAYS = 365


def _message_kind(update: Update) -> MessageKind:
    message = update.effective_message
    if message is None:
        return MessageKind.OTHER
    if message.text:
        return MessageKind.TEXT
    if message.sticker:
        return MessageKind.STICKER
    if message.photo:
        return MessageKind.PHOTO
    if message.voice:
        return MessageKind.VOICE
    return MessageKind.OTHER


def _button_press(turn: Turn, session: AsyncSession, person: Person) -> None:
    """A button press is a sign of life too; it is recorded without any text."""
    session.add(
        PersonMessage(
            person_id=person.id,
            update_id=turn.update.update_id,
            kind=MessageKind.BUTTON,
            text=None,
            received_at=turn.now,
        )
    )
    if person.status is PersonStatus.UNREACHABLE:
        person.status = PersonStatus.ACTIVE


@turn_handler()
async def person_message(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """Any message from an enrolled person; strangers get the explanation, or the crisis
    lines when what they wrote sounds like a crisis."""
    message = turn.update.effective_message
    if message is None or (actor.person is None and actor.staff is not None):
        return
    text = message.text or message.caption
    update_id = turn.update.update_id
    if actor.person is not None:
        answer = await person_wrote(
            turn.svc,
            session,
            actor.person,
            update_id=update_id,
            kind=_message_kind(turn.update),
            text=text,
            now=turn.now,
        )
    else:
        user = turn.update.effective_user
        stranger = Stranger(
            turn.chat_id, turn.user_id, user.first_name if user else None, turn.language
        )
        answer = await stranger_wrote(
            turn.svc, session, stranger, update_id=update_id, text=text, now=turn.now
        )
    if answer.key is None:
        turn.sent = True
    elif answer.variant:
        turn.reply(session, turn.svc.catalog.variant(turn.language, answer.key, update_id))
    else:
        turn.reply(session, turn.text(answer.key))


@person_command
async def mood_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    query = turn.update.callback_query
    person = actor.person
    assert query is not None and person is not None
    button = pressed(turn, ButtonKind.MOOD)
    if button is None or button.number is None or button.choice is None:
        return
    mood = mood_from_key(button.choice)
    checkin = await CheckinRepository(session).get(button.number) if mood is not None else None
    if checkin is None or checkin.person_id != person.id or mood is None:
        # Someone else's check-in, or one that never existed: nothing changes.
        stale_button(turn)
        return
    _button_press(turn, session, person)
    fresh = checkin.mood is None
    await sign_of_life(turn.svc, session, person, turn.now, mood=mood if fresh else None)
    if not fresh:
        # A second press on the same check-in counts once: the first answer stands.
        turn.callback_answer = turn.text("checkin.already_answered")
        return
    checkin.mood = mood.score
    checkin.replied_at = checkin.replied_at or turn.now
    message = query.message
    if message is not None and checkin.message_id == message.message_id:
        original = getattr(message, "text", None) or ""
        label = turn.text(f"mood.{mood.value}")
        OutboxRepository(session).add(
            new_edit(
                chat_id=turn.chat_id,
                message_id=message.message_id,
                now=turn.now,
                text=turn.text("checkin.answered", original=original, mood=label),
                person_id=person.id,
            )
        )
    turn.reply(
        session,
        turn.svc.catalog.variant(person.language, f"ack.{mood.value}", checkin.id),
        person_id=person.id,
    )
    previous = person.cadence_level
    reason = await adapt_cadence(turn.svc, session, person, turn.now)
    await reconnect_if_moods_turned_low(turn.svc, session, person, previous, reason, turn.now)


@person_command
async def talk(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """/talk and the "I'd like to talk" button: a `wants_contact` escalation."""
    person = actor.person
    assert person is not None
    if turn.update.callback_query is not None:
        if pressed(turn, ButtonKind.TALK) is None:
            return
        _button_press(turn, session, person)
    await sign_of_life(turn.svc, session, person, turn.now)
    await open_or_join(
        turn.svc,
        session,
        person,
        EscalationReason.WANTS_CONTACT,
        turn.now,
        update_id=turn.update.update_id,
    )
    worker = await StaffRepository(session).get(person.worker_id)
    svc = turn.svc
    ack = talk_acknowledgement(
        svc.catalog, turn.language, svc.settings.escalation, worker.name if worker else None
    )
    turn.reply(session, ack)


@person_command
async def pause_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    person = actor.person
    assert person is not None
    days: int | None = None
    if len(args) > 1:
        turn.reply(session, turn.text("pause.usage", max=MAX_PAUSE_DAYS))
        return
    if args:
        days = parse_days(args[0], maximum=MAX_PAUSE_DAYS)
    if person.status is PersonStatus.STOPPED:
        turn.reply(session, turn.text("person.stopped_hint"))
        return
    pause(person, days, turn.now)
    record_life_event(session, person, TimelineKind.PAUSED, turn.now, days=days)
    if person.paused_until is not None:
        until = dates.day(person.paused_until, turn.language, person.timezone)
        done = turn.text("pause.until", date=until)
    else:
        done = turn.text("pause.open")
    # Saying why is offered, never asked for: the break is already taken.
    turn.reply(
        session,
        done + "\n\n" + turn.text("pause_reason.ask"),
        markup=pause_reason_keyboard(turn),
        person_id=person.id,
    )
    await tell_worker_paused(turn.svc, session, person, turn.now, days)


def pause_reason_keyboard(turn: Turn) -> dict[str, Any]:
    """The reasons, two to a row, in the order of PauseReason; built beside its parser
    (`pause_reason_callback`)."""
    buttons = [
        (turn.text(f"pause_reason.{reason.value}"), button_data(ButtonKind.PAUSE_REASON, reason))
        for reason in PauseReason
    ]
    return inline_keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


@person_command
async def pause_reason_callback(
    turn: Turn, session: AsyncSession, actor: Actor, _: list[str]
) -> None:
    person = actor.person
    assert person is not None
    button = pressed(turn, ButtonKind.PAUSE_REASON)
    try:
        reason = PauseReason(button.choice if button is not None and button.choice else "")
    except ValueError:
        stale_button(turn)
        return
    if not await pause_reason_given(turn.svc, session, person, reason, turn.now):
        turn.callback_answer = turn.text("pause_reason.not_paused")
        return
    turn.callback_answer = turn.text("pause_reason.thanks")
    message = turn.update.callback_query.message if turn.update.callback_query else None
    if message is not None:
        # The question becomes the answer: the buttons go, the choice stays in view.
        original = getattr(message, "text", None) or ""
        chosen = turn.text(f"pause_reason.{reason.value}")
        OutboxRepository(session).add(
            new_edit(
                chat_id=turn.chat_id,
                message_id=message.message_id,
                now=turn.now,
                text=turn.text("pause_reason.answered", original=original, reason=chosen),
                person_id=person.id,
            )
        )


@person_command
async def resume_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    person = actor.person
    assert person is not None
    if person.status is PersonStatus.ACTIVE:
        turn.reply(session, turn.text("resume.already"))
        return
    was_stopped = person.status is PersonStatus.STOPPED
    person.status = PersonStatus.ACTIVE
    person.paused_until = None
    person.pause_reason = None
    person.stopped_at = None
    plan_after_contact(person, turn.svc.settings, turn.now)
    record_life_event(session, person, TimelineKind.RESUMED, turn.now)
    await sign_of_life(turn.svc, session, person, turn.now)
    turn.reply(session, turn.text("resume.done"))
    if was_stopped:
        await tell_worker(turn.svc, session, person, "resume.worker_told", turn.now)
        # Back to a worker who has left: the coordinators hear who knows them.
        await tell_coordinators_of_return(turn.svc, session, person, turn.now)


@person_command
async def time_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    person = actor.person
    assert person is not None
    window = turn.svc.settings.checkin.own_time_window
    start, end = dates.clock(window[0], turn.language), dates.clock(window[1], turn.language)
    if len(args) != 1:
        turn.reply(session, turn.text("time.usage", start=start, end=end))
        return
    requested = hhmm(args[0])
    if not validate_own_time(requested, window):
        turn.reply(session, turn.text("time.outside", start=start, end=end))
        return
    person.checkin_times = format_hhmm(requested)
    if person.status is PersonStatus.ACTIVE:
        person.next_checkin_at = next_checkin_for(person, turn.svc.settings, turn.now)
    turn.reply(session, turn.text("time.set", time=dates.clock(requested, turn.language)))
    log.info("person %s changed their check-in time", person.id)


@person_command
async def stop_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    person = actor.person
    assert person is not None
    if person.status is PersonStatus.STOPPED:
        turn.reply(session, turn.text("stop.already"))
        return
    person.status = PersonStatus.STOPPED
    person.stopped_at = turn.now
    record_life_event(session, person, TimelineKind.STOPPED, turn.now)
    person.next_checkin_at = None
    person.silence_due_at = None
    person.silent_since = None
    turn.reply(session, turn.text("stop.done"))
    await tell_worker(turn.svc, session, person, "stop.worker_told", turn.now)
    log.info("person %s withdrew consent (/stop)", person.id)


@person_command
async def mydata_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    person = actor.person
    assert person is not None
    worker = await StaffRepository(session).get(person.worker_id)
    messages = await PersonMessageRepository(session).count_for(person.id)
    checkins = await CheckinRepository(session).count_for(person.id)
    catalog, language = turn.svc.catalog, turn.language
    schedule = person_schedule_words(catalog, language, person)
    text = turn.text(
        "mydata.text",
        name=person.display_name or turn.text("common.none"),
        worker=worker.name if worker else turn.text("common.none"),
        status=turn.text(f"status.{person.status.value}"),
        language=language_name(catalog, language, person.language),
        times=schedule.times,
        days=schedule.days,
        timezone=schedule.timezone,
        quiet=schedule.quiet,
        since=dates.day_with_year(person.consented_at, language, person.timezone),
        last_reply=moment(
            catalog, language, person.last_reply_at, person.timezone, missing="common.not_yet"
        ),
        next_checkin=moment(
            catalog, language, person.next_checkin_at, person.timezone, missing="common.none"
        ),
        messages=messages or 0,
        checkins=checkins or 0,
    )
    ties_text, markup = await _my_ties(turn, session, person)
    turn.reply(session, text + ties_text, markup=markup)


async def _my_ties(
    turn: Turn, session: AsyncSession, person: Person
) -> tuple[str, dict[str, Any] | None]:
    """The person's ties for /mydata, and a button to end each active one."""
    found = await ties_for_person(session, person)
    if not found:
        return "", None
    lines = [turn.text("my_ties.header")]
    buttons: list[list[tuple[str, str]]] = []
    for tie, resource in found:
        lines.append(
            turn.text(
                "my_ties.line",
                resource=resource.name,
                kind=kind_word(turn.svc.catalog, turn.language, resource.kind),
                state=turn.text(f"tie_state.{tie.state.value}"),
            )
        )
        if tie.state is TieState.ACTIVE:
            label = turn.text("my_ties.end", resource=resource.name)
            buttons.append([(label, button_data(ButtonKind.TIE_END, tie.id))])
    return "\n\n" + "\n".join(lines), inline_keyboard(buttons) if buttons else None


@person_command
async def forget_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    turn.reply(
        session,
        turn.text("forget.confirm"),
        markup=inline_keyboard(
            [
                [(turn.text("forget.yes"), button_data(ButtonKind.FORGET, FORGET_YES_WORD))],
                [(turn.text("forget.no"), button_data(ButtonKind.FORGET, FORGET_NO_WORD))],
            ]
        ),
    )


@person_command
async def forget_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    query = turn.update.callback_query
    person = actor.person
    assert query is not None and person is not None
    button = pressed(turn, ButtonKind.FORGET)
    if button is None or button.choice not in (FORGET_YES_WORD, FORGET_NO_WORD):
        stale_button(turn)
        return
    if query.message is not None:
        # Take the buttons away so the choice cannot be pressed twice.
        OutboxRepository(session).add(
            new_edit(
                chat_id=turn.chat_id,
                message_id=query.message.message_id,
                now=turn.now,
                reply_markup={"inline_keyboard": []},
            )
        )
        turn.sent = True
    if button.choice != FORGET_YES_WORD:
        turn.reply(session, turn.text("forget.kept"))
        return
    erased = await forget(turn.svc, session, person, turn.now)
    turn.reply(session, turn.text("forget.done"))
    await tell_worker(turn.svc, session, person, "forget.worker_told", turn.now)
    log.info("person %s erased %s messages (/forget)", person.id, erased)


@turn_handler()
async def chat_member_update(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """The person blocked (kicked) or unblocked the bot in their private chat."""
    change = turn.update.my_chat_member
    person = actor.person
    if change is None or person is None:
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await mark_unreachable(turn.svc, session, person, turn.now)
    elif status == ChatMemberStatus.MEMBER and person.status is PersonStatus.UNREACHABLE:
        person.status = PersonStatus.ACTIVE
        await sign_of_life(turn.svc, session, person, turn.now)
        if person.next_checkin_at is None or person.next_checkin_at < turn.now:
            person.next_checkin_at = next_checkin_for(person, turn.svc.settings, turn.now)
