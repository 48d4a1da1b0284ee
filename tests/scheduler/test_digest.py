"""The weekly digest: once per ISO week, on Monday after working hours start (09:00 Tokyo),
one message per active coordinator registered before the week began, with the statistics.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from domain.people import StaffRole
from scheduler.digest import digest_marker, digest_step
from storage.outbox import OutboxState
from tests.conftest import START, make_settings
from tests.scheduler.engine import add_staff, outbox, texts
from usecases.services import Services

COORDINATOR = 600
COORDINATOR_2 = 601
WORKER = 500


async def team(svc: Services) -> None:
    """The team, registered the week before START (a Monday)."""
    now = svc.clock.now()
    svc.clock.set(START - timedelta(days=7))
    await add_staff(svc, WORKER, "Sato", StaffRole.WORKER)
    await add_staff(svc, COORDINATOR, "Ito", StaffRole.COORDINATOR)
    await add_staff(svc, COORDINATOR_2, "Kato", StaffRole.COORDINATOR, language="en")
    svc.clock.set(now)


async def test_once_per_week_one_message_per_coordinator(engine: Services) -> None:
    await team(engine)
    assert await digest_step(engine, START) is True
    assert await digest_step(engine, START) is False
    assert await digest_step(engine, START + timedelta(hours=5)) is False
    rows = await outbox(engine)
    assert sorted(r.chat_id for r in rows) == [COORDINATOR, COORDINATOR_2]
    assert all(r.state is OutboxState.PENDING for r in rows)
    by_chat = {r.chat_id: t for r, t in zip(rows, texts(rows), strict=True)}
    assert by_chat[COORDINATOR].startswith(engine.text("ja", "digest.header"))
    assert by_chat[COORDINATOR_2].startswith(engine.text("en", "digest.header"))
    assert "P1 0" in by_chat[COORDINATOR]
    # The title and the period agree; a missing figure is worded, never "-".
    ja, en = by_chat[COORDINATOR], by_chat[COORDINATOR_2]
    assert ja.startswith("📋 この1週間のまとめ\n統計（11月16日(月)〜11月23日(月)の7日間）\n")
    assert en.startswith("📋 The past week\nStatistics (7 days, Mon 16 Nov to Mon 23 Nov)\n")
    assert ja.endswith("対応までの時間（中央値）：まだありません")
    assert en.endswith("median time to acknowledge: none yet")
    assert "返信率" not in ja and "-" not in ja and " - " not in en

    # The next ISO week: again, once.
    next_monday = START + timedelta(days=7)
    assert await digest_step(engine, next_monday) is True
    assert await digest_step(engine, next_monday) is False
    assert len(await outbox(engine)) == 4


async def test_not_before_working_hours_and_only_once_a_week(engine: Services) -> None:
    await team(engine)
    monday_8_59 = START - timedelta(hours=1, minutes=1)
    assert await digest_step(engine, monday_8_59) is False
    assert await outbox(engine) == []
    monday_9 = START - timedelta(hours=1)
    assert await digest_step(engine, monday_9) is True
    for day in range(1, 7):  # Tuesday .. Sunday: this week's is done
        assert await digest_step(engine, START + timedelta(days=day)) is False
    assert len(await outbox(engine)) == 2


async def test_a_missed_monday_moves_to_the_next_working_day_not_the_weekend(
    engine: Services,
) -> None:
    await team(engine)
    saturday = START + timedelta(days=5)
    assert await digest_step(engine, saturday) is False
    tuesday = START + timedelta(days=1)
    assert await digest_step(engine, tuesday) is True
    assert len(await outbox(engine)) == 2


async def test_no_coordinators_no_messages(engine: Services) -> None:
    await add_staff(engine, WORKER, "Sato", StaffRole.WORKER)
    assert await digest_step(engine, START) is True
    assert await outbox(engine) == []
    assert await digest_step(engine, START) is False


async def test_a_coordinator_registered_this_week_starts_with_next_weeks(
    engine: Services,
) -> None:
    """A new organisation's first tick, or a coordinator added on Tuesday, gets no summary of
    days before they began (the demo used to open with an empty digest)."""
    await team(engine)
    tuesday = START + timedelta(days=1)
    engine.clock.set(tuesday)
    await add_staff(engine, 602, "Endo", StaffRole.COORDINATOR)
    assert await digest_step(engine, tuesday) is True
    assert sorted(r.chat_id for r in await outbox(engine)) == [COORDINATOR, COORDINATOR_2]
    assert await digest_step(engine, START + timedelta(days=7)) is True
    assert 602 in [r.chat_id for r in await outbox(engine)]


def test_a_monday_holiday_moves_the_digest_to_the_next_working_day() -> None:
    # START, Monday 23 November 2026, is 勤労感謝の日.
    settings = make_settings(escalation__national_holidays="jp")
    assert digest_marker(settings, START) is None
    assert digest_marker(settings, START + timedelta(days=1)) == "weekly_digest:2026-W48"
    closed = make_settings(
        escalation__national_holidays="jp", escalation__closed_days=["11-24..11-25"]
    )
    assert digest_marker(closed, START + timedelta(days=1)) is None
    assert digest_marker(closed, START + timedelta(days=3)) == "weekly_digest:2026-W48"
