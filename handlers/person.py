"""What a person does in their chat: reply, press a mood, ask to talk, and their controls.

Every message is recorded (text in the database only) and counts as a sign of life. Text
is classified for distress before anything else is decided.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from bot.checkins import MOOD_PREFIX, adapt_cadence, mood_from_key, sign_of_life
from bot.escalations import open_or_join, relay_back
from bot.people import forget, mark_unreachable, respond_to_distress, tell_worker
from bot.services import Services
from domain.escalation import EscalationReason
from domain.people import PersonStatus
from domain.schedule import format_hhmm, parse_hhmm, validate_own_time
from handlers.turn import AlreadyHandled, Turn, answer_quietly, inline_keyboard
from scheduler.planning import next_checkin_for, plan_after_contact
from storage.checkins import Checkin
from storage.inbound import MessageKind, PersonMessage
from storage.outbox import OutboxRepository, new_edit
from storage.staff import Staff

log = logging.getLogger(__name__)

FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"
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


def _classify(svc: Services, text: str) -> tuple[str, str]:
    """Severity and fired rules; a classifier failure is treated as `concern`, never ignored."""
    try:
        result = svc.classifier.classify(text)
        return result.severity.value, ",".join(result.rules)
    except Exception:
        # Log the failure, never the text.
        log.exception("classification failed; treating the message as concern")
        return "concern", "classifier_error"


async def person_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any message from an enrolled person (others fall through to the next handler)."""
    turn = Turn(update, context)
    message = update.effective_message
    if message is None:
        return
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            person = actor.person
            if person is None:
                await _not_a_person(turn, session, actor.staff is not None)
                return
            kind = _message_kind(update)
            text = message.text or message.caption
            severity, rules = _classify(turn.svc, text) if text else ("none", "")
            if person.status is PersonStatus.STOPPED:
                # Consent was withdrawn: nothing is stored, but safety still comes first.
                if severity == "critical":
                    await respond_to_distress(
                        turn.svc, session, person, turn.now, update.update_id, severity
                    )
                else:
                    turn.reply(session, turn.text("person.stopped_hint"))
                return
            session.add(
                PersonMessage(
                    person_id=person.id,
                    update_id=update.update_id,
                    kind=kind,
                    text=text if kind is MessageKind.TEXT or text else None,
                    received_at=turn.now,
                    severity=severity,
                    rules=rules or None,
                )
            )
            if person.status is PersonStatus.UNREACHABLE:
                person.status = PersonStatus.ACTIVE
            answered = await sign_of_life(turn.svc, session, person, turn.now)
            if text:
                await relay_back(turn.svc, session, person, text, turn.now)
            if severity in ("critical", "concern"):
                await respond_to_distress(
                    turn.svc, session, person, turn.now, update.update_id, severity
                )
                if severity == "concern":
                    await adapt_cadence(turn.svc, session, person, turn.now)
                turn.sent = True
            elif answered is not None:
                turn.reply(
                    session, turn.svc.catalog.variant(person.language, "ack.text", update.update_id)
                )
            log.info("message from person %s: kind %s severity %s", person.id, kind.value, severity)
    except AlreadyHandled:
        pass


async def _not_a_person(turn: Turn, session: AsyncSession, is_staff: bool) -> None:
    message = turn.update.effective_message
    if is_staff:
        if message is not None and message.text and message.text.startswith("/"):
            turn.reply(session, turn.text("common.unknown_command"))
        return
    turn.reply(session, turn.text("stranger.intro"))


async def mood_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = Turn(update, context)
    checkin_part, _, key = query.data.removeprefix(MOOD_PREFIX).partition(":")
    mood = mood_from_key(key)
    answer_text: str | None = None
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            person = actor.person
            checkin = (
                await session.get(Checkin, int(checkin_part)) if checkin_part.isdigit() else None
            )
            if person is None or checkin is None or checkin.person_id != person.id or mood is None:
                return
            session.add(
                PersonMessage(
                    person_id=person.id,
                    update_id=update.update_id,
                    kind=MessageKind.BUTTON,
                    text=None,
                    received_at=turn.now,
                )
            )
            if person.status is PersonStatus.UNREACHABLE:
                person.status = PersonStatus.ACTIVE
            await sign_of_life(turn.svc, session, person, turn.now)
            label = turn.text(f"mood.{mood.value}")
            if checkin.mood is not None:
                # A second press on the same check-in counts once: the first answer stands.
                answer_text = turn.text("checkin.already_answered")
                return
            checkin.mood = mood.score
            checkin.replied_at = checkin.replied_at or turn.now
            message = query.message
            if message is not None and checkin.message_id == message.message_id:
                original = message.text if hasattr(message, "text") and message.text else ""
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
            await adapt_cadence(turn.svc, session, person, turn.now)
    except AlreadyHandled:
        pass
    finally:
        await answer_quietly(update, answer_text)


async def _ask_to_talk(turn: Turn, update: Update) -> None:
    async with turn.transaction() as session:
        actor = await turn.actor(session)
        person = actor.person
        if person is None:
            turn.reply(session, turn.text("stranger.intro"))
            return
        if update.callback_query is not None:
            session.add(
                PersonMessage(
                    person_id=person.id,
                    update_id=update.update_id,
                    kind=MessageKind.BUTTON,
                    text=None,
                    received_at=turn.now,
                )
            )
        await sign_of_life(turn.svc, session, person, turn.now)
        await open_or_join(
            turn.svc,
            session,
            person,
            EscalationReason.WANTS_CONTACT,
            turn.now,
            update_id=update.update_id,
        )
        worker = await session.get(Staff, person.worker_id)
        turn.reply(session, turn.text("talk.ok", worker=worker.name if worker else ""))


async def talk_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        await _ask_to_talk(turn, update)
    except AlreadyHandled:
        pass
    finally:
        await answer_quietly(update)


async def talk_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    with contextlib.suppress(AlreadyHandled):
        await _ask_to_talk(Turn(update, context), update)


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    args = context.args or []
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                turn.reply(session, turn.text("person.only"))
                return
            days: int | None = None
            if args:
                raw = args[0].strip()
                if len(args) > 1 or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAUSE_DAYS:
                    turn.reply(session, turn.text("pause.usage", max=MAX_PAUSE_DAYS))
                    return
                days = int(raw)
            if person.status is PersonStatus.STOPPED:
                turn.reply(session, turn.text("person.stopped_hint"))
                return
            person.status = PersonStatus.PAUSED
            person.silence_due_at = None
            person.silent_since = None
            person.paused_until = turn.now + timedelta(days=days) if days else None
            if days:
                until = person.paused_until.astimezone(ZoneInfo(person.timezone))  # type: ignore[union-attr]
                turn.reply(session, turn.text("pause.until", date=until.strftime("%m/%d")))
            else:
                turn.reply(session, turn.text("pause.open"))
            await tell_worker(
                turn.svc, session, person, "pause.worker_told", turn.now, days=days or "-"
            )
    except AlreadyHandled:
        pass


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                turn.reply(session, turn.text("person.only"))
                return
            if person.status is PersonStatus.ACTIVE:
                turn.reply(session, turn.text("resume.already"))
                return
            was_stopped = person.status is PersonStatus.STOPPED
            person.status = PersonStatus.ACTIVE
            person.paused_until = None
            person.stopped_at = None
            plan_after_contact(person, turn.svc.settings, turn.now)
            await sign_of_life(turn.svc, session, person, turn.now)
            turn.reply(session, turn.text("resume.done"))
            if was_stopped:
                await tell_worker(turn.svc, session, person, "resume.worker_told", turn.now)
    except AlreadyHandled:
        pass


async def time_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    args = context.args or []
    window = turn.svc.settings.checkin.own_time_window
    start, end = format_hhmm(window[0]), format_hhmm(window[1])
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                turn.reply(session, turn.text("person.only"))
                return
            try:
                if len(args) != 1:
                    raise ValueError("one argument")
                requested = parse_hhmm(args[0])
            except ValueError:
                turn.reply(session, turn.text("time.usage", start=start, end=end))
                return
            if not validate_own_time(requested, window):
                turn.reply(session, turn.text("time.outside", start=start, end=end))
                return
            person.checkin_times = format_hhmm(requested)
            if person.status is PersonStatus.ACTIVE:
                person.next_checkin_at = next_checkin_for(person, turn.svc.settings, turn.now)
            turn.reply(session, turn.text("time.set", time=format_hhmm(requested)))
            log.info("person %s changed their check-in time", person.id)
    except AlreadyHandled:
        pass


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                turn.reply(session, turn.text("person.only"))
                return
            if person.status is PersonStatus.STOPPED:
                turn.reply(session, turn.text("stop.already"))
                return
            person.status = PersonStatus.STOPPED
            person.stopped_at = turn.now
            person.next_checkin_at = None
            person.silence_due_at = None
            person.silent_since = None
            turn.reply(session, turn.text("stop.done"))
            await tell_worker(turn.svc, session, person, "stop.worker_told", turn.now)
            log.info("person %s withdrew consent (/stop)", person.id)
    except AlreadyHandled:
        pass


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                turn.reply(session, turn.text("person.only"))
                return
            worker = await session.get(Staff, person.worker_id)
            messages = await session.scalar(
                select(func.count())
                .select_from(PersonMessage)
                .where(PersonMessage.person_id == person.id)
            )
            checkins = await session.scalar(
                select(func.count()).select_from(Checkin).where(Checkin.person_id == person.id)
            )
            zone = ZoneInfo(person.timezone)

            def local(value: object) -> str:
                from datetime import datetime

                if isinstance(value, datetime):
                    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                return "-"

            turn.reply(
                session,
                turn.text(
                    "mydata.text",
                    name=person.display_name or "-",
                    worker=worker.name if worker else "-",
                    status=turn.text(f"status.{person.status.value}"),
                    language=person.language,
                    times=person.checkin_times,
                    days=person.checkin_days,
                    timezone=person.timezone,
                    quiet=person.quiet_hours or "-",
                    since=local(person.consented_at),
                    last_reply=local(person.last_reply_at),
                    next_checkin=local(person.next_checkin_at),
                    messages=messages or 0,
                    checkins=checkins or 0,
                ),
            )
    except AlreadyHandled:
        pass


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                turn.reply(session, turn.text("person.only"))
                return
            turn.reply(
                session,
                turn.text("forget.confirm"),
                markup=inline_keyboard(
                    [[(turn.text("forget.yes"), FORGET_YES)], [(turn.text("forget.no"), FORGET_NO)]]
                ),
            )
    except AlreadyHandled:
        pass


async def forget_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = Turn(update, context)
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if query.message is not None:
                OutboxRepository(session).add(
                    new_edit(
                        chat_id=turn.chat_id,
                        message_id=query.message.message_id,
                        now=turn.now,
                        reply_markup={"inline_keyboard": []},
                    )
                )
                turn.sent = True
            if person is None:
                return
            if query.data != FORGET_YES:
                turn.reply(session, turn.text("forget.kept"))
                return
            erased = await forget(turn.svc, session, person, turn.now)
            turn.reply(session, turn.text("forget.done"))
            await tell_worker(turn.svc, session, person, "forget.worker_told", turn.now)
            log.info("person %s erased %s messages (/forget)", person.id, erased)
    except AlreadyHandled:
        pass
    finally:
        await answer_quietly(update)


async def chat_member_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The person blocked (kicked) or unblocked the bot in their private chat."""
    change = update.my_chat_member
    if change is None:
        return
    turn = Turn(update, context)
    status = change.new_chat_member.status
    try:
        async with turn.transaction() as session:
            person = (await turn.actor(session)).person
            if person is None:
                return
            if status in ("kicked", "left"):
                await mark_unreachable(turn.svc, session, person, turn.now)
            elif status == "member" and person.status is PersonStatus.UNREACHABLE:
                person.status = PersonStatus.ACTIVE
                await sign_of_life(turn.svc, session, person, turn.now)
                if person.next_checkin_at is None or person.next_checkin_at < turn.now:
                    person.next_checkin_at = next_checkin_for(person, turn.svc.settings, turn.now)
    except AlreadyHandled:
        pass
