"""Staff commands: /invite, /checkin_now, and acknowledging an escalation."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.checkins import checkin_now
from bot.errors import NotFoundError
from bot.escalations import ACK_PREFIX, acknowledge, was_notified
from domain.people import PersonStatus, StaffRole
from handlers.access import is_coordinator, is_staff, may_see_person
from handlers.turn import AlreadyHandled, Turn, answer_quietly
from storage.audit import AuditRepository
from storage.escalations import Escalation
from storage.invites import InviteRepository, deep_link
from storage.people import PersonRepository
from storage.staff import StaffRepository

log = logging.getLogger(__name__)


async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = Turn(update, context)
    args = context.args or []
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            if not is_staff(actor) or actor.staff is None:
                turn.reply(
                    session,
                    turn.text("stranger.intro" if actor.person is None else "common.staff_only"),
                )
                return
            worker = actor.staff
            if args:
                if not is_coordinator(actor) or len(args) > 1:
                    turn.reply(session, turn.text("invite.usage"))
                    return
                try:
                    worker = await StaffRepository(session).resolve(args[0])
                except NotFoundError:
                    turn.reply(session, turn.text("invite.unknown_worker", ref=args[0][:40]))
                    return
                if worker.role not in (StaffRole.WORKER, StaffRole.COORDINATOR):
                    turn.reply(session, turn.text("invite.usage"))
                    return
            invite, token = await InviteRepository(session).create(
                worker_id=worker.id,
                created_by=actor.staff.id,
                now=turn.now,
                ttl=turn.svc.settings.invites.expire_after,
            )
            AuditRepository(session).record(
                action="invite.created",
                staff_id=actor.staff.id,
                now=turn.now,
                detail={"invite_id": invite.id, "worker_id": worker.id},
            )
            zone = ZoneInfo(turn.svc.settings.checkin.timezone)
            expires = invite.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            turn.reply(
                session,
                turn.text(
                    "invite.created", expires=expires, link=deep_link(turn.svc.bot_username, token)
                ),
            )
            log.info("invite %s created by staff %s", invite.id, actor.staff.id)
    except AlreadyHandled:
        pass


async def checkin_now_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/checkin_now <person>`: a coordinator, or the person's own worker or backup."""
    turn = Turn(update, context)
    args = context.args or []
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            if not is_staff(actor) or actor.staff is None:
                turn.reply(
                    session,
                    turn.text("stranger.intro" if actor.person is None else "common.staff_only"),
                )
                return
            if len(args) != 1:
                turn.reply(session, turn.text("checkin_now.usage"))
                return
            try:
                person = await PersonRepository(session).resolve(args[0])
            except NotFoundError:
                turn.reply(session, turn.text("staff.unknown_person", ref=args[0][:40]))
                return
            if not may_see_person(actor, person.worker_id, person.backup_worker_id):
                # The same words as "unknown": a refusal must not confirm who is enrolled.
                turn.reply(session, turn.text("staff.unknown_person", ref=args[0][:40]))
                return
            if person.status is not PersonStatus.ACTIVE:
                turn.reply(
                    session,
                    turn.text(
                        "checkin_now.not_active", status=turn.text(f"status.{person.status.value}")
                    ),
                )
                return
            checkin = await checkin_now(turn.svc, session, person, turn.now)
            AuditRepository(session).record(
                action="checkin.manual",
                staff_id=actor.staff.id,
                person_id=person.id,
                now=turn.now,
                detail={"checkin_id": checkin.id},
            )
            turn.reply(session, turn.text("checkin_now.queued", person_id=person.id))
    except AlreadyHandled:
        pass


async def ack_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The first button of an escalation notification: claim it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = Turn(update, context)
    answer: str | None = None
    try:
        async with turn.transaction() as session:
            actor = await turn.actor(session)
            escalation_id = query.data.removeprefix(ACK_PREFIX)
            escalation = (
                await session.get(Escalation, int(escalation_id))
                if escalation_id.isdigit()
                else None
            )
            if actor.staff is None or escalation is None:
                answer = turn.text("common.staff_only")
                return
            person = await PersonRepository(session).get(escalation.person_id)
            assert person is not None
            if not may_see_person(actor, person.worker_id, person.backup_worker_id) and not (
                await was_notified(session, escalation.id, actor.staff.id)
            ):
                answer = turn.text("common.staff_only")
                return
            if await acknowledge(turn.svc, session, escalation, actor.staff, turn.now):
                answer = turn.text("escalation.you_acknowledged")
                turn.sent = True
                AuditRepository(session).record(
                    action="escalation.acknowledged",
                    staff_id=actor.staff.id,
                    person_id=person.id,
                    now=turn.now,
                    detail={"escalation_id": escalation.id},
                )
            else:
                answer = turn.text("escalation.already_taken")
    except AlreadyHandled:
        pass
    finally:
        await answer_quietly(update, answer)
