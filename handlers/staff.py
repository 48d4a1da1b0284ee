"""Staff commands available from the foundation: /invite."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.errors import NotFoundError
from domain.people import StaffRole
from handlers.access import is_coordinator, is_staff
from handlers.turn import AlreadyHandled, Turn
from storage.audit import AuditRepository
from storage.invites import InviteRepository, deep_link
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
