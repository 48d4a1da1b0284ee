"""Enrolment with consent: /start <token> explains, and only the consent button enrols."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InviteError
from handlers.args import invite_token, pressed, stale_button
from handlers.turn import Actor, Turn, inline_keyboard, turn_handler
from storage.audit import AuditRepository
from storage.invites import Invite, InviteRepository
from storage.outbox import OutboxRepository, new_edit
from storage.people import PersonRepository
from storage.staff import Staff, StaffRepository
from usecases.buttons import ButtonKind, button_data
from usecases.fallthrough import greeting, staff_opened
from usecases.planning import new_person, plan_after_contact
from usecases.reachability import staff_wrote
from usecases.words import person_label

log = logging.getLogger(__name__)


@turn_handler()
async def start_command(turn: Turn, session: AsyncSession, actor: Actor, args: list[str]) -> None:
    """`/start <token>` from an invitation link: explain, and ask for consent."""
    token = (invite_token(args[0]) or "-") if args else ""
    if actor.person is not None:
        turn.reply(session, turn.text("consent.already"))
        return
    if actor.staff is not None:
        await _greet_staff(turn, session, actor.staff, turn.text(f"help.{actor.role.value}"))
        return
    if not token:
        turn.reply(session, turn.text("stranger.intro"))
        return
    try:
        invite = await InviteRepository(session).open(token, telegram_id=turn.user_id, now=turn.now)
    except InviteError as exc:
        log.info("invite refused for user %s: %s", turn.user_id, exc.reason)
        turn.reply(session, turn.text(f"invite.{exc.reason}"))
        return
    if invite.staff_role is not None:
        await _join_staff(turn, session, invite)
        return
    worker = await StaffRepository(session).get(invite.worker_id)
    turn.reply(
        session,
        turn.text(
            "consent.text",
            org=turn.svc.settings.organisation_name,
            worker=worker.name if worker else "",
        ),
        markup=inline_keyboard(
            [
                [(turn.text("consent.agree"), button_data(ButtonKind.CONSENT, "yes", invite.id))],
                [(turn.text("consent.decline"), button_data(ButtonKind.CONSENT, "no", invite.id))],
            ]
        ),
    )
    log.info("consent asked: invite %s user %s", invite.id, turn.user_id)


async def _join_staff(turn: Turn, session: AsyncSession, invite: Invite) -> None:
    """A one-time staff link: the opener becomes a worker or coordinator."""
    assert invite.staff_role is not None
    await InviteRepository(session).consume(
        invite.id, telegram_id=turn.user_id, now=turn.now, for_staff=True
    )
    user = turn.update.effective_user
    name = (user.full_name if user else "") or str(turn.user_id)
    staff = await StaffRepository(session).add(
        telegram_id=turn.user_id,
        name=name[:200],
        role=invite.staff_role,
        now=turn.now,
        language=turn.telegram_language,
    )
    AuditRepository(session).record(
        action="staff.added",
        actor="staff",
        staff_id=invite.created_by_staff_id,
        now=turn.now,
        detail={"staff_id": staff.id, "role": staff.role.value, "invite_id": invite.id},
    )
    turn.language = staff.language
    staff_wrote(staff, turn.now)
    turn.staff_opened = True
    await _greet_staff(
        turn,
        session,
        staff,
        turn.text(f"help.{staff.role.value}"),
        before=turn.text("staff_invite.welcome", role=turn.text(f"role.{staff.role.value}")),
    )
    log.info("staff %s joined through invite %s", staff.id, invite.id)


async def _greet_staff(
    turn: Turn, session: AsyncSession, staff: Staff, after: str, *, before: str | None = None
) -> None:
    """/start from staff: what waits for them first (and, when this is them opening the
    bot, release what waited for a reachable responder), then `after`."""
    if turn.staff_opened:
        waiting = await staff_opened(turn.svc, session, staff, turn.now)
    else:
        waiting = await greeting(turn.svc, session, staff)
    turn.greeted = True
    parts = [before, waiting, after] if before else [waiting, after]
    turn.reply(session, "\n\n".join(parts))


@turn_handler()
async def consent_callback(turn: Turn, session: AsyncSession, actor: Actor, _: list[str]) -> None:
    """Only the consent button creates a person record, linked to the inviting worker."""
    query = turn.update.callback_query
    assert query is not None
    button = pressed(turn, ButtonKind.CONSENT)
    if button is None or button.number is None or button.choice not in ("yes", "no"):
        stale_button(turn)
        return
    agreed = button.choice == "yes"
    invite_id = button.number
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
    if actor.person is not None or actor.staff is not None:
        turn.reply(session, turn.text("consent.already"))
        return
    if not agreed:
        turn.reply(session, turn.text("consent.declined"))
        log.info("consent declined: invite %s user %s", invite_id, turn.user_id)
        return
    try:
        invite = await InviteRepository(session).consume(
            invite_id, telegram_id=turn.user_id, now=turn.now
        )
    except InviteError as exc:
        turn.reply(session, turn.text(f"invite.{exc.reason}"))
        return
    user = turn.update.effective_user
    person = await PersonRepository(session).add(
        new_person(
            turn.svc.settings,
            telegram_id=turn.user_id,
            chat_id=turn.chat_id,
            display_name=user.first_name if user else None,
            language=turn.telegram_language,
            worker_id=invite.worker_id,
            invite_id=invite.id,
            now=turn.now,
        )
    )
    plan_after_contact(person, turn.svc.settings, turn.now)
    AuditRepository(session).record(
        action="person.enrolled",
        actor="person",
        person_id=person.id,
        now=turn.now,
        detail={"invite_id": invite.id, "worker_id": invite.worker_id},
    )
    worker = await StaffRepository(session).get(invite.worker_id)
    turn.language = person.language
    turn.reply(session, turn.text("consent.done", worker=worker.name if worker else ""))
    if worker is not None and worker.active:
        turn.send(
            session,
            worker.telegram_id,
            turn.svc.text(
                worker.language,
                "consent.worker_told",
                person=person_label(
                    turn.svc.catalog, worker.language, person.display_name, person.id
                ),
                person_id=person.id,
            ),
            person_id=person.id,
        )
    log.info("person %s enrolled via invite %s", person.id, invite.id)
