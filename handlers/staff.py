"""Staff commands: /invite, /checkin_now, /web, and acknowledging an escalation."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFoundError
from domain.people import PersonStatus
from handlers.access import is_coordinator, staff_command
from handlers.args import person_ref, pressed, shown, staff_ref
from handlers.turn import Actor, Turn
from infra.dates import day_and_time
from storage.audit import AuditRepository
from storage.invites import InviteRepository, deep_link
from storage.staff import StaffRepository
from usecases.buttons import ButtonKind
from usecases.checkins import checkin_now
from usecases.escalations import acknowledge
from usecases.visibility import visible_escalation, visible_person
from usecases.web_access import web_link

log = logging.getLogger(__name__)


@staff_command()
async def invite_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    """A person's one-time enrolment link; coordinators may name the worker."""
    assert actor.staff is not None
    worker = actor.staff
    if args:
        if not is_coordinator(actor) or len(args) > 1:
            turn.reply(session, turn.text("invite.usage"))
            return
        try:
            worker = await StaffRepository(session).resolve(staff_ref(args[0]))
        except NotFoundError:
            turn.reply(session, turn.text("invite.unknown_worker", ref=shown(args[0])))
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
    expires = day_and_time(invite.expires_at, turn.language, turn.svc.settings.checkin.timezone)
    turn.reply(
        session,
        turn.text("invite.created", expires=expires, link=deep_link(turn.bot_username, token)),
    )
    log.info("invite %s created by staff %s", invite.id, actor.staff.id)


@staff_command()
async def checkin_now_command(
    turn: Turn, session: AsyncSession, actor: Actor, args: list[str]
) -> None:
    """`/checkin_now <person>`: a coordinator, or the person's own worker or backup."""
    assert actor.staff is not None
    if len(args) != 1:
        turn.reply(session, turn.text("checkin_now.usage"))
        return
    person = await visible_person(session, actor.staff, person_ref(args[0]))
    if person is None:
        # The same words as "unknown": a refusal must not confirm who is enrolled.
        turn.reply(session, turn.text("staff.unknown_person", ref=shown(args[0])))
        return
    if person.status is not PersonStatus.ACTIVE:
        turn.reply(
            session,
            turn.text("checkin_now.not_active", status=turn.text(f"status.{person.status.value}")),
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


@staff_command()
async def ack_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """The first button of an escalation notification: claim it."""
    assert actor.staff is not None
    button = pressed(turn, ButtonKind.ACK)
    if button is None or button.number is None:
        return
    found = await visible_escalation(session, actor.staff, button.number)
    if found is None:
        turn.callback_answer = turn.text("queue.not_found")
        return
    escalation, _person = found
    if await acknowledge(turn.svc, session, escalation, actor.staff, turn.now):
        turn.callback_answer = turn.text("escalation.you_acknowledged")
        turn.sent = True
        AuditRepository(session).record(
            action="escalation.acknowledged",
            staff_id=actor.staff.id,
            person_id=escalation.person_id,
            now=turn.now,
            detail={"escalation_id": escalation.id},
        )
    else:
        turn.callback_answer = turn.text("escalation.already_taken")


@staff_command()
async def web_command(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """`/web`: a one-time sign-in link to the web view (and, over https, a button that
    opens the same view as a Telegram Mini App)."""
    assert actor.staff is not None
    link = await web_link(turn.svc, session, actor.staff, turn.now)
    if link is None:
        turn.reply(session, turn.text("web.off"))
        return
    web = turn.svc.settings.web
    markup = None
    if web.secure:
        button = {"text": turn.text("web.open_button"), "web_app": {"url": f"{web.public_url}/app"}}
        markup = {"inline_keyboard": [[button]]}
    turn.reply(session, turn.text("web.link", link=link), markup=markup)
    log.info("web sign-in link sent to staff %s", actor.staff.id)
