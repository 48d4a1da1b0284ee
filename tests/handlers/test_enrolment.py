"""Enrolment end to end: the real runtime, the stand-in, SQLite and PostgreSQL.

PRODUCT.md, main flow 1: a one-time invite yields a deep link; the person opens it, reads
what the bot does, and only the consent button creates a record, linked to the worker.
Anyone else gets a kind explanation and nothing else.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.intake import store_updates
from domain.people import PersonStatus, StaffRole
from infra.clock import ControllableClock
from standin import SentMessage, SimulatedUser
from standin.sandbox import Sandbox
from storage.audit import AuditEntry
from storage.inbound import InboundUpdate, PersonMessage
from storage.invites import Invite, InviteRepository
from storage.people import Person, PersonRepository
from storage.staff import StaffRepository

WORKER = 500
COORDINATOR = 600
PERSON = 1001
OTHER = 1002
LINK = re.compile(r"https://t\.me/tsunagari_demo_bot\?start=([A-Za-z0-9_-]+)")


def text(sb: Sandbox, language: str, key: str, **params: Any) -> str:
    return sb.runtime.svc.text(language, key, **params)


async def people(sb: Sandbox) -> list[Person]:
    async with sb.runtime.db.transaction() as session:
        return await PersonRepository(session).all()


async def count(sb: Sandbox, model: Any) -> int:
    async with sb.runtime.db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def reply(sb: Sandbox, chat_id: int, **kwargs: Any) -> SentMessage:
    return await sb.standin.wait_for_message(chat_id, **kwargs)


async def settle(sb: Sandbox) -> None:
    """Every stored update processed and every due message sent."""
    sb.runtime.processor.wakeup.set()
    await sb.settle()


async def help_text(sb: Sandbox, user: SimulatedUser) -> str:
    await user.send_command("help")
    # A coordinator's Monday digest may go out on any tick meanwhile; it is not the answer.
    digest = text(sb, "ja", "digest.header")
    answer = await reply(sb, user.id, predicate=lambda m: not (m.text or "").startswith(digest))
    return answer.text or ""


async def open_invite(sb: Sandbox, user: SimulatedUser, token: str) -> SentMessage:
    await user.send_command("start", token)
    return await reply(sb, user.id)


async def enrol(sb: Sandbox, user: SimulatedUser, token: str) -> SentMessage:
    consent = await open_invite(sb, user, token)
    await user.press(consent, 0)
    return await reply(sb, user.id)


async def worker_and_invite(sb: Sandbox) -> str:
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    return await sb.create_invite(WORKER)


def finish(sb: Sandbox) -> None:
    assert sb.standin.violations == []


# --- the "done when" -----------------------------------------------------------------------


async def test_consent_enrols_the_person_and_tells_the_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko", language_code="ja")

    consent = await open_invite(sb, user, token)
    assert consent.text == text(sb, "ja", "consent.text", org="tsunagari", worker="Sato")
    first_button = consent.buttons[0]
    assert first_button[0] == text(sb, "ja", "consent.agree")
    assert first_button[1] is not None and first_button[1].startswith("consent:yes:")
    assert len(consent.buttons) == 2
    assert await people(sb) == [], "opening the link alone must not create a record"

    query = await user.press(consent, 0)
    done = await reply(sb, PERSON)
    assert done.text == text(sb, "ja", "consent.done", worker="Sato")
    await sb.standin.wait_for_callback_answer(query)
    await sb.standin.wait_for_edit(PERSON, lambda m: m.message_id == consent.message_id)
    assert sb.standin.messages_to(PERSON)[0].buttons == [], "consent buttons stay pressable"

    [person] = await people(sb)
    async with sb.runtime.db.transaction() as session:
        worker = await StaffRepository(session).by_telegram_id(WORKER)
        invite = await InviteRepository(session).by_token(token)
    assert worker is not None and invite is not None
    assert (person.telegram_id, person.chat_id, person.display_name) == (PERSON, PERSON, "Aiko")
    assert person.worker_id == worker.id
    assert person.invite_id == invite.id
    assert person.status is PersonStatus.ACTIVE
    assert person.language == "ja"
    assert person.consented_at == sb.clock.now()  # type: ignore[union-attr]
    assert person.next_checkin_at is not None and person.next_checkin_at > sb.clock.now()  # type: ignore[union-attr]
    assert invite.used_at is not None

    told = await reply(sb, WORKER)
    assert told.text == text(
        sb, "ja", "consent.worker_told", person=f"Aikoさん（ID {person.id}）", person_id=person.id
    )
    async with sb.runtime.db.transaction() as session:
        actions = list(
            (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        )
    assert "person.enrolled" in actions
    finish(sb)


async def test_an_english_speaker_is_enrolled_in_english(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Amy", language_code="en-GB")
    consent = await open_invite(sb, user, token)
    assert consent.text == text(sb, "en", "consent.text", org="tsunagari", worker="Sato")
    assert consent.buttons[0][0] == "Start"
    await user.press(consent, 0)
    assert (await reply(sb, PERSON)).text == text(sb, "en", "consent.done", worker="Sato")
    [person] = await people(sb)
    assert person.language == "en"
    finish(sb)


async def test_a_stranger_gets_the_kind_explanation_and_nothing_is_kept(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    stranger = sb.user(OTHER, "Ken", language_code="ja")
    await stranger.send_text("こんにちは、だれですか")
    assert (await reply(sb, OTHER)).text == text(sb, "ja", "stranger.intro")
    await stranger.send_command("start")
    assert (await reply(sb, OTHER)).text == text(sb, "ja", "stranger.intro")
    await stranger.send_sticker()
    assert (await reply(sb, OTHER)).text == text(sb, "ja", "stranger.intro")

    assert await people(sb) == []
    assert await count(sb, PersonMessage) == 0
    async with sb.runtime.db.transaction() as session:
        rows = list((await session.execute(select(InboundUpdate))).scalars())
    assert len(rows) == 3
    assert all(r.processed_at is not None and r.payload is None for r in rows), (
        "a stranger's words must not be kept"
    )
    assert len(sb.standin.messages_to(WORKER)) == 0
    finish(sb)


async def test_unknown_and_reused_tokens_get_kind_refusals(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko")
    refusal = await open_invite(sb, user, "x" * 32)
    assert refusal.text == text(sb, "ja", "invite.unknown")
    assert refusal.buttons == []
    assert await people(sb) == []

    await enrol(sb, user, token)
    other = sb.user(OTHER, "Ken", language_code="en")
    refusal = await open_invite(sb, other, token)
    assert refusal.text == text(sb, "en", "invite.used")
    assert refusal.buttons == []
    # The person who used it is simply told they are signed up already.
    again = await open_invite(sb, user, token)
    assert again.text == text(sb, "ja", "consent.already")
    assert [p.telegram_id for p in await people(sb)] == [PERSON]
    finish(sb)


async def test_an_expired_token_gets_a_refusal(sandbox: Sandbox, clock: ControllableClock) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    clock.advance(sb.runtime.settings.invites.expire_after + timedelta(seconds=1))
    refusal = await open_invite(sb, sb.user(PERSON, "Aiko"), token)
    assert refusal.text == text(sb, "ja", "invite.expired")
    assert refusal.buttons == []
    assert await people(sb) == []
    finish(sb)


async def test_an_invite_that_expires_while_the_person_reads_is_refused(
    sandbox: Sandbox, clock: ControllableClock
) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko")
    consent = await open_invite(sb, user, token)
    clock.advance(sb.runtime.settings.invites.expire_after)
    await user.press(consent, 0)
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "invite.expired")
    assert await people(sb) == []
    finish(sb)


async def test_declining_creates_nothing_and_the_link_still_works(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko")
    consent = await open_invite(sb, user, token)
    assert consent.buttons[1][1] is not None and consent.buttons[1][1].startswith("consent:no:")
    await user.press(consent, 1)
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "consent.declined")
    assert await people(sb) == []
    async with sb.runtime.db.transaction() as session:
        invite = await InviteRepository(session).by_token(token)
    assert invite is not None and invite.used_at is None
    assert len(sb.standin.messages_to(WORKER)) == 0

    # "If you change your mind, just open the link again."
    done = await enrol(sb, user, token)
    assert done.text == text(sb, "ja", "consent.done", worker="Sato")
    assert [p.telegram_id for p in await people(sb)] == [PERSON]
    finish(sb)


# --- /invite -------------------------------------------------------------------------------


async def test_a_non_staff_invite_is_refused_and_creates_nothing(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    stranger = sb.user(OTHER, "Ken")
    await stranger.send_command("invite")
    assert (await reply(sb, OTHER)).text == text(sb, "ja", "stranger.intro")
    person = sb.user(PERSON, "Aiko")
    await enrol(sb, person, token)
    await person.send_command("invite")
    refusal = await reply(sb, PERSON)
    assert refusal.text == text(sb, "ja", "common.staff_only")
    assert LINK.search(refusal.text or "") is None
    assert await count(sb, Invite) == 1  # only the sandbox's own
    finish(sb)


async def test_a_workers_invite_yields_a_working_deep_link(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    worker = sb.user(WORKER, "Sato")
    await worker.send_command("invite")
    message = await reply(sb, WORKER)
    match = LINK.search(message.text or "")
    assert match, message.text
    token = match.group(1)
    assert len(token) * 6 >= 128
    async with sb.runtime.db.transaction() as session:
        invite = await InviteRepository(session).by_token(token)
        staff = await StaffRepository(session).by_telegram_id(WORKER)
    assert invite is not None and staff is not None
    assert (invite.worker_id, invite.created_by_staff_id) == (staff.id, staff.id)

    done = await enrol(sb, sb.user(PERSON, "Aiko"), token)
    assert done.text == text(sb, "ja", "consent.done", worker="Sato")
    [person] = await people(sb)
    assert person.worker_id == staff.id
    finish(sb)


async def test_a_coordinator_invites_for_a_named_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Mori")
    coordinator = sb.user(COORDINATOR, "Mori")
    await coordinator.send_command("invite", str(WORKER))
    match = LINK.search((await reply(sb, COORDINATOR)).text or "")
    assert match
    await coordinator.send_command("invite", "424242")
    assert (await reply(sb, COORDINATOR)).text == text(
        sb, "ja", "invite.unknown_worker", ref="424242"
    )
    await enrol(sb, sb.user(PERSON, "Aiko"), match.group(1))
    [person] = await people(sb)
    assert person.worker_id == worker.id
    # A worker may not invite on someone else's behalf.
    await sb.user(WORKER, "Sato").send_command("invite", str(COORDINATOR))
    assert (await reply(sb, WORKER, predicate=lambda m: "/invite" in (m.text or ""))).text == (
        text(sb, "ja", "invite.usage")
    )
    finish(sb)


# --- /help and /language --------------------------------------------------------------------


async def test_help_differs_by_role(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    await sb.add_staff(COORDINATOR, StaffRole.COORDINATOR, "Mori")
    person = sb.user(PERSON, "Aiko")
    await enrol(sb, person, token)
    await reply(sb, WORKER)  # "Aiko has agreed to join"
    texts = {
        "stranger": await help_text(sb, sb.user(OTHER, "Ken")),
        "person": await help_text(sb, person),
        "worker": await help_text(sb, sb.user(WORKER, "Sato")),
        "coordinator": await help_text(sb, sb.user(COORDINATOR, "Mori")),
    }
    for role, shown in texts.items():
        assert shown == text(sb, "ja", f"help.{role}"), role
    assert len(set(texts.values())) == 4
    assert "/invite" not in texts["person"] and "/invite" in texts["worker"]
    finish(sb)


async def test_language_switches_the_language_of_people_and_staff(sandbox: Sandbox) -> None:
    sb = sandbox
    token = await worker_and_invite(sb)
    person = sb.user(PERSON, "Aiko", language_code="ja")
    await enrol(sb, person, token)
    await person.send_command("language")
    prompt = await reply(sb, PERSON)
    assert prompt.text == text(sb, "ja", "language.prompt")
    assert [b[1] for b in prompt.buttons] == ["lang:ja", "lang:en"]
    await person.press(prompt, data="lang:en")
    assert (await reply(sb, PERSON)).text == text(sb, "en", "language.set")
    assert (await help_text(sb, person)) == text(sb, "en", "help.person")
    [stored] = await people(sb)
    assert stored.language == "en"
    await person.press(prompt, data="lang:ja")
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "language.set")

    # Staff members switch too.
    worker = sb.user(WORKER, "Sato")
    await reply(sb, WORKER)  # "Aiko has agreed to join"
    await worker.send_command("language")
    prompt = await reply(sb, WORKER)
    await worker.press(prompt, data="lang:en")
    assert (await reply(sb, WORKER)).text == text(sb, "en", "language.set")
    assert await help_text(sb, worker) == text(sb, "en", "help.worker")
    async with sb.runtime.db.transaction() as session:
        staff = await StaffRepository(session).by_telegram_id(WORKER)
    assert staff is not None and staff.language == "en"
    finish(sb)


# --- at-least-once delivery, exactly-once effects -------------------------------------------


def start_update(update_id: int, user: SimulatedUser, token: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 77_000 + update_id % 1000,
            "date": 1_800_000_000,
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_dict(),
            "text": f"/start {token}",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def press_update(
    sb: Sandbox, update_id: int, user: SimulatedUser, message: SentMessage, index: int
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": sb.standin.open_callback_query(user.id),
            "from": user.as_dict(),
            "message": sb.standin.message_dict(message),
            "chat_instance": "1",
            "data": message.buttons[index][1],
        },
    }


async def test_a_redelivered_update_has_one_effect(sandbox: Sandbox) -> None:
    sb = sandbox
    svc = sb.runtime.svc
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko")

    start = start_update(9_000_001, user, token)
    stored = await asyncio.gather(store_updates(svc, [start]), store_updates(svc, [start]))
    assert sorted(stored) == [0, 1]
    sb.runtime.processor.wakeup.set()
    consent = await reply(sb, PERSON)
    assert consent.buttons[0][1] is not None and consent.buttons[0][1].startswith("consent:yes")

    press = press_update(sb, 9_000_002, user, consent, 0)
    assert await store_updates(svc, [press]) == 1
    assert await store_updates(svc, [press]) == 0
    sb.runtime.processor.wakeup.set()
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "consent.done", worker="Sato")

    # Telegram redelivers both after they were handled (e.g. the offset was not confirmed).
    assert await store_updates(svc, [start, press]) == 0
    sb.runtime.processor.wakeup.set()
    await settle(sb)
    texts = [m.text for m in sb.standin.messages_to(PERSON)]
    assert texts.count(text(sb, "ja", "consent.done", worker="Sato")) == 1
    assert texts.count(consent.text) == 1
    assert len(await people(sb)) == 1
    assert len(sb.standin.messages_to(WORKER)) == 1
    finish(sb)


async def test_the_same_update_processed_twice_has_one_effect(sandbox: Sandbox) -> None:
    """Even if the processor is handed an update a second time (a crash between the
    handler's commit and the processor's bookkeeping), the handler's claim stops it."""
    from telegram import Update

    sb = sandbox
    svc = sb.runtime.svc
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko")
    consent = await open_invite(sb, user, token)
    press = press_update(sb, 9_100_001, user, consent, 0)
    await store_updates(svc, [press])
    update = Update.de_json(press, sb.runtime.app.bot)
    await asyncio.gather(
        sb.runtime.app.process_update(update), sb.runtime.app.process_update(update)
    )
    await reply(
        sb, PERSON, predicate=lambda m: m.text == text(sb, "ja", "consent.done", worker="Sato")
    )
    await settle(sb)
    assert len(await people(sb)) == 1
    assert len(sb.standin.messages_to(WORKER)) == 1
    finish(sb)


async def test_a_double_press_enrols_once(sandbox: Sandbox) -> None:
    sb = sandbox
    svc = sb.runtime.svc
    token = await worker_and_invite(sb)
    user = sb.user(PERSON, "Aiko")
    consent = await open_invite(sb, user, token)
    # Two distinct presses of the same button, both sent before the buttons disappear.
    first = press_update(sb, 9_200_001, user, consent, 0)
    second = press_update(sb, 9_200_002, user, consent, 0)
    assert await store_updates(svc, [first, second]) == 2
    sb.runtime.processor.wakeup.set()
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "consent.done", worker="Sato")
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "consent.already")
    assert len(await people(sb)) == 1
    await settle(sb)
    assert len(sb.standin.messages_to(WORKER)) == 1
    finish(sb)


async def test_a_pressed_link_cannot_be_taken_over_by_someone_else(sandbox: Sandbox) -> None:
    """Only the account that opened the link can consent with its buttons."""
    sb = sandbox
    svc = sb.runtime.svc
    token = await worker_and_invite(sb)
    owner = sb.user(PERSON, "Aiko")
    consent = await open_invite(sb, owner, token)
    intruder = sb.user(OTHER, "Ken")
    forged = press_update(sb, 9_300_001, intruder, consent, 0)
    forged["callback_query"]["message"]["chat"] = {"id": OTHER, "type": "private"}
    await store_updates(svc, [forged])
    sb.runtime.processor.wakeup.set()
    refusal = await reply(sb, OTHER)
    assert refusal.text == text(sb, "ja", "invite.unknown")
    assert await people(sb) == []
    await owner.press(consent, 0)
    assert (await reply(sb, PERSON)).text == text(sb, "ja", "consent.done", worker="Sato")
    assert [p.telegram_id for p in await people(sb)] == [PERSON]
    finish(sb)
