"""The person's own controls end to end (本人主体): /pause, /resume, /time, /stop, /mydata,
/forget. Bad arguments get a kind usage line, never a traceback; Japanese and English.

PRODUCT.md flow 7. The real runtime against the stand-in; SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.people import PauseReason, PersonStatus
from infra.dates import day_and_time
from standin import SentMessage
from standin.sandbox import Sandbox
from storage.checkins import CheckinKind
from storage.inbound import PersonMessage
from storage.outbox import OutboxMessage
from tests.conftest import START
from tests.handlers.checkin_helpers import (
    OTHER,
    PERSON,
    TUESDAY,
    WORKER,
    advance,
    checkin_rows,
    checkins_in,
    enrol,
    is_checkin,
    message_count,
    next_message,
    no_apology,
    person_row,
    staffed,
    text,
    variants,
    worker_hears,
)
from tests.scheduler import pg_shared

# One migrated database per module, copied or emptied for each test (see pg_shared).
database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite

TOKYO = ZoneInfo("Asia/Tokyo")


def current(sb: Sandbox, message_id: int) -> SentMessage:
    """The person's message as it stands now (edits included)."""
    return next(m for m in sb.standin.messages_to(PERSON) if m.message_id == message_id)


async def test_pause_with_days_then_a_welcome_back(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    person = await person_row(sb)

    await user.send_command("pause", "2")
    answer = await next_message(sb, PERSON)
    assert answer.text == (
        text(sb, "ja", "pause.until", date="11月25日(水)")
        + "\n\n"
        + text(sb, "ja", "pause_reason.ask")
    )
    assert [label for label, _ in answer.buttons] == [
        text(sb, "ja", f"pause_reason.{reason.value}") for reason in PauseReason
    ]
    assert START.astimezone(TOKYO).date().isoformat() == "2026-11-23"
    await worker_hears(
        sb,
        "pause.worker_told",
        person=f"Aikoさん（ID {person.id}）",
        period="2日間、11月25日(水)まで",
    )
    assert (await person_row(sb)).status is PersonStatus.PAUSED

    await advance(sb, TUESDAY)
    await advance(sb, TUESDAY + timedelta(hours=12))
    assert checkins_in(sb, PERSON) == [], "no check-ins while paused"

    # Wednesday 10:00 Tokyo: the pause ends, and the person is welcomed back.
    await advance(sb, START + timedelta(days=2))
    welcome = await next_message(sb, PERSON, is_checkin)
    assert welcome.text in variants(sb, "ja", "checkin.welcome_back")
    assert [c.kind for c in await checkin_rows(sb)] == [CheckinKind.WELCOME_BACK]
    person = await person_row(sb)
    assert person.status is PersonStatus.ACTIVE
    no_apology(sb, PERSON, WORKER)


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_a_reason_for_the_break_is_heard_and_the_welcome_back_fits_it(
    sandbox: Sandbox, language: str
) -> None:
    """Issue 13, item 7: /pause offers reasons as buttons; the worker hears the reason (in
    working hours: it is news, not a call) and the welcome back acknowledges it gently."""
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, language=language)
    person = await person_row(sb)
    await advance(sb, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # Monday 22:00 Tokyo
    await user.send_command("pause", "2")
    question = await next_message(sb, PERSON)
    hospital = PauseReason.HOSPITAL
    await user.press(question, list(PauseReason).index(hospital))
    await sb.settle()
    edited = current(sb, question.message_id)
    assert edited.buttons == []
    assert edited.text is not None
    assert edited.text.endswith(text(sb, language, f"pause_reason.{hospital.value}"))
    assert (await person_row(sb)).pause_reason is hospital
    told = dict(
        person=f"Aikoさん（ID {person.id}）",
        person_id=person.id,
        reason=text(sb, "ja", "pause_reason.hospital"),
    )
    told_text = text(sb, "ja", "pause_reason.worker_told", **told)
    assert told_text not in [m.text for m in sb.standin.messages_to(WORKER)], "not at night"
    await advance(sb, datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # Tuesday 09:00
    await worker_hears(sb, "pause_reason.worker_told", **told)

    await advance(sb, datetime(2026, 11, 25, 13, 0, tzinfo=UTC))  # the pause is over...
    await advance(sb, datetime(2026, 11, 25, 22, 0, tzinfo=UTC))  # ...welcome back at 07:00
    welcome = await next_message(sb, PERSON, is_checkin)
    assert welcome.text in variants(sb, language, "pause_reason.welcome_hospital")
    person = await person_row(sb)
    assert person.status is PersonStatus.ACTIVE and person.pause_reason is None
    no_apology(sb, PERSON, WORKER)


async def test_a_stale_reason_button_changes_nothing(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await user.send_command("pause")
    question = await next_message(sb, PERSON)
    await user.send_command("resume")
    await next_message(sb, PERSON)
    await user.press(question, 1)
    await sb.settle()
    person = await person_row(sb)
    assert person.status is PersonStatus.ACTIVE and person.pause_reason is None
    assert current(sb, question.message_id).buttons, "not edited"
    no_apology(sb, PERSON, WORKER)


async def test_a_pause_ending_at_night_welcomes_back_in_the_morning(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await advance(sb, datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # Monday 23:00 Tokyo
    await user.send_command("pause", "1")
    await next_message(sb, PERSON)
    await advance(sb, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # Tuesday 23:00: quiet
    await advance(sb, datetime(2026, 11, 24, 20, 0, tzinfo=UTC))  # 05:00
    assert checkins_in(sb, PERSON) == []
    await advance(sb, datetime(2026, 11, 24, 22, 0, tzinfo=UTC))  # 07:00
    welcome = await next_message(sb, PERSON, is_checkin)
    assert welcome.text in variants(sb, "ja", "checkin.welcome_back")


async def test_an_open_pause_lasts_until_resume(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    await user.send_command("pause")
    assert (await next_message(sb, PERSON)).text == (
        text(sb, "ja", "pause.open") + "\n\n" + text(sb, "ja", "pause_reason.ask")
    )
    person = await person_row(sb)
    await worker_hears(
        sb, "pause.worker_told", person=f"Aikoさん（ID {person.id}）", period="再開するまで"
    )
    for day in (1, 2, 3):
        await advance(sb, START + timedelta(days=day, minutes=15))
    assert checkins_in(sb, PERSON) == []

    await user.send_command("resume")
    assert (await next_message(sb, PERSON)).text == text(sb, "ja", "resume.done")
    person = await person_row(sb)
    assert person.status is PersonStatus.ACTIVE and person.next_checkin_at is not None
    await advance(sb, person.next_checkin_at + timedelta(minutes=1))
    await next_message(sb, PERSON, is_checkin)
    await user.send_command("resume")
    assert (await next_message(sb, PERSON)).text == text(sb, "ja", "resume.already")


async def test_time_within_the_window_moves_the_schedule(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)

    await user.send_command("time", "08:30")
    assert (await next_message(sb, PERSON)).text == text(sb, "ja", "time.set", time="8:30")
    person = await person_row(sb)
    assert person.checkin_times == "08:30"
    assert person.next_checkin_at is not None
    local = person.next_checkin_at.astimezone(TOKYO)
    assert (local.date().isoformat(), local.hour) == ("2026-11-24", 8)
    assert 30 <= local.minute < 40, "08:30 plus at most the jitter"
    await advance(sb, datetime(2026, 11, 23, 23, 45, tzinfo=UTC))  # Tuesday 08:45 Tokyo
    await next_message(sb, PERSON, is_checkin)

    window = {"start": "7:00", "end": "21:00"}
    for args, key in (("23:00", "time.outside"), ("", "time.usage"), ("08:30 09:00", "time.usage")):
        await user.send_command("time", args or None)
        assert (await next_message(sb, PERSON)).text == text(sb, "ja", key, **window), args
    # A time that cannot be read is named, with the form it should take.
    for bad in ("abc", "25:00", "²:00"):
        await user.send_command("time", bad)
        form = text(sb, "ja", "args.form.time")
        assert (await next_message(sb, PERSON)).text == text(
            sb, "ja", "args.bad", value=bad, form=form
        )
    assert (await person_row(sb)).checkin_times == "08:30", "refusals change nothing"
    no_apology(sb, PERSON)


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_bad_arguments_get_kind_usage_lines(sandbox: Sandbox, language: str) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, language=language)
    await user.send_command("pause", "1 2")
    assert (await next_message(sb, PERSON)).text == text(sb, language, "pause.usage", max=365)
    # The one wrong argument is named, with the form it should take.
    days_form = text(sb, language, "args.form.days", max=365)
    for args in ("abc", "0", "400", "-3", "--5", "²", "9" * 30):
        await user.send_command("pause", args)
        assert (await next_message(sb, PERSON)).text == text(
            sb, language, "args.bad", value=args, form=days_form
        ), args
    await user.send_command("time", "23:00")
    assert (await next_message(sb, PERSON)).text == text(
        sb, language, "time.outside", start={"ja": "7:00", "en": "07:00"}[language], end="21:00"
    )
    await user.send_command("time", "soon")
    assert (await next_message(sb, PERSON)).text == text(
        sb, language, "args.bad", value="soon", form=text(sb, language, "args.form.time")
    )
    assert (await person_row(sb)).status is PersonStatus.ACTIVE
    no_apology(sb, PERSON)


async def test_stop_ends_check_ins_and_tells_the_worker(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, language="en")
    person = await person_row(sb)

    await user.send_command("stop")
    assert (await next_message(sb, PERSON)).text == text(sb, "en", "stop.done")
    await worker_hears(sb, "stop.worker_told", person=f"Aikoさん（ID {person.id}）")
    person = await person_row(sb)
    assert person.status is PersonStatus.STOPPED and person.next_checkin_at is None
    for day in (1, 2, 3):
        await advance(sb, START + timedelta(days=day, minutes=15))
    assert checkins_in(sb, PERSON) == []
    assert await checkin_rows(sb) == []

    await user.send_text("hello?")
    assert (await next_message(sb, PERSON)).text == text(sb, "en", "person.stopped_hint")
    await sb.settle()
    assert await message_count(sb, person.id) == 0, "nothing is stored after /stop"
    await user.send_command("stop")
    assert (await next_message(sb, PERSON)).text == text(sb, "en", "stop.already")


async def test_mydata_shows_what_is_kept_and_nobody_elses(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    other = await enrol(sb, OTHER, "Kenji")
    await user.send_text("今日は散歩しました")  # no open check-in: stored, acknowledged
    assert (await next_message(sb, PERSON)).text in variants(sb, "ja", "ack.free")
    await other.send_text("こんにちは")
    await other.send_text("元気です")
    await sb.settle()

    await user.send_command("mydata")
    shown = (await next_message(sb, PERSON)).text or ""
    person = await person_row(sb)
    assert person.next_checkin_at is not None
    next_day = day_and_time(person.next_checkin_at, "ja", TOKYO)
    assert shown == text(
        sb,
        "ja",
        "mydata.text",
        name="Aiko",
        worker="Sato",
        status="声かけ中",
        language="日本語",
        times="10:00",
        days="毎日",
        timezone="日本時間",
        quiet="22:00〜7:00",
        since="2026年11月23日(月)",
        last_reply="11月23日(月) 10:00",
        next_checkin=next_day,
        messages=1,
        checkins=0,
    )
    for token in ("ja", "daily", "Asia/Tokyo", "22:00-07:00", "-"):
        assert token not in shown.replace("/mydata", "").replace("/forget", ""), token
    assert "Kenji" not in shown and "今日は散歩しました" not in shown


async def test_forget_asks_then_erases_messages_and_name(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb)
    other = await enrol(sb, OTHER, "Kenji")
    await user.send_text("秘密の話です")  # no open check-in: stored, acknowledged
    assert (await next_message(sb, PERSON)).text in variants(sb, "ja", "ack.free")
    await other.send_text("ひとりごと")
    await sb.settle()
    person = await person_row(sb)
    other_person = await person_row(sb, OTHER)
    assert await message_count(sb, person.id) == 1

    await user.send_command("forget")
    confirm = await next_message(sb, PERSON)
    assert confirm.text == text(sb, "ja", "forget.confirm")
    assert [label for label, _ in confirm.buttons] == [
        text(sb, "ja", "forget.yes"),
        text(sb, "ja", "forget.no"),
    ]
    assert await message_count(sb, person.id) == 1, "nothing before the answer"

    await user.press(confirm, 0)
    assert (await next_message(sb, PERSON)).text == text(sb, "ja", "forget.done")
    told = await worker_hears(sb, "forget.worker_told", person_id=person.id)
    assert told.text == f"ID {person.id}の方が記録の消去を行いました。"
    await sb.settle()
    assert sb.standin.messages_to(PERSON)[-2].buttons == [] or confirm.buttons == []
    erased = await person_row(sb)
    assert erased.display_name is None and erased.erased_at == sb.clock.now()  # type: ignore[union-attr]
    assert erased.status is PersonStatus.ACTIVE, "check-ins continue after /forget"
    assert await message_count(sb, person.id) == 0
    assert await message_count(sb, other_person.id) == 1, "nobody else's data"
    assert (await person_row(sb, OTHER)).display_name == "Kenji"


async def test_forget_can_be_declined(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, language="en")
    await user.send_text("a note")  # no open check-in: stored, acknowledged
    assert (await next_message(sb, PERSON)).text in variants(sb, "en", "ack.free")
    await user.send_command("forget")
    confirm = await next_message(sb, PERSON)
    await user.press(confirm, 1)
    assert (await next_message(sb, PERSON)).text == text(sb, "en", "forget.kept")
    await sb.settle()
    person = await person_row(sb)
    assert person.display_name == "Aiko" and await message_count(sb, person.id) == 1


async def test_forget_leaves_the_name_nowhere_in_the_database(sandbox: Sandbox) -> None:
    sb = sandbox
    await staffed(sb)
    user = await enrol(sb, PERSON, "Aikonamae")
    await user.send_command("forget")
    await user.press(await next_message(sb, PERSON), 0)
    await next_message(sb, PERSON)
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        payloads = list((await session.execute(select(OutboxMessage.payload))).scalars())
        texts = list((await session.execute(select(PersonMessage.text))).scalars())
    assert not [p for p in payloads if "Aikonamae" in p]
    assert not [t for t in texts if t and "Aikonamae" in t]
