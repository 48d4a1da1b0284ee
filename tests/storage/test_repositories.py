"""Invites, inbound updates, the outbox and once-per-period markers on both databases: the
guarantees the bot's at-least-once world relies on (single use, exactly-once claims, leases)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from domain.errors import InviteError
from domain.people import StaffRole
from storage.audit import MarkerRepository
from storage.db import Database
from storage.inbound import InboundRepository, InboundUpdate
from storage.invites import Invite, InviteRepository, deep_link, hash_token
from storage.outbox import (
    PRIORITY_BULK,
    PRIORITY_REPLY,
    PRIORITY_URGENT,
    OutboxMessage,
    OutboxRepository,
    OutboxState,
    new_message,
)
from storage.staff import StaffRepository
from tests.conftest import START

TTL = timedelta(days=7)
LEASE = timedelta(minutes=2)


async def add_worker(db: Database, telegram_id: int = 500) -> int:
    async with db.transaction() as session:
        staff = await StaffRepository(session).add(
            telegram_id=telegram_id, name="Sato", role=StaffRole.WORKER, now=START
        )
        return staff.id


async def new_invite(db: Database, worker_id: int) -> tuple[int, str]:
    async with db.transaction() as session:
        invite, token = await InviteRepository(session).create(
            worker_id=worker_id, created_by=None, now=START, ttl=TTL
        )
        return invite.id, token


# --- invites ------------------------------------------------------------------------------


async def test_invite_tokens_carry_at_least_128_bits_and_only_a_hash_is_stored(
    db: Database,
) -> None:
    worker = await add_worker(db)
    tokens = [(await new_invite(db, worker))[1] for _ in range(5)]
    for token in tokens:
        # URL-safe base64: 6 bits a character; Telegram's deep-link alphabet and limit.
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token), token
        assert len(token) * 6 >= 128
    assert len(set(tokens)) == len(tokens)
    async with db.transaction() as session:
        rows = (await session.execute(text("SELECT * FROM invites"))).mappings().all()
    assert len(rows) == len(tokens)
    stored = " ".join(str(v) for row in rows for v in row.values())
    for token in tokens:
        assert token not in stored
    hashes = {row["token_hash"] for row in rows}
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert hashes == {hash_token(t) for t in tokens}


def test_deep_link_shape() -> None:
    assert deep_link("my_bot", "abc_-1") == "https://t.me/my_bot?start=abc_-1"


async def test_invite_open_checks_token_use_and_expiry(db: Database) -> None:
    worker = await add_worker(db)
    _, token = await new_invite(db, worker)
    async with db.transaction() as session:
        repo = InviteRepository(session)
        with pytest.raises(InviteError) as info:
            await repo.open("not-a-token", telegram_id=1, now=START)
        assert info.value.reason == "unknown"
        invite = await repo.open(token, telegram_id=1001, now=START + TTL - timedelta(seconds=1))
        assert invite.opened_by_telegram_id == 1001
        with pytest.raises(InviteError) as info:
            await repo.open(token, telegram_id=1001, now=START + TTL)
        assert info.value.reason == "expired"


async def test_invite_consume_is_single_use(db: Database) -> None:
    worker = await add_worker(db)
    invite_id, token = await new_invite(db, worker)
    async with db.transaction() as session:
        await InviteRepository(session).open(token, telegram_id=1001, now=START)
    async with db.transaction() as session:
        used = await InviteRepository(session).consume(invite_id, telegram_id=1001, now=START)
        assert used.used_at == START
    async with db.transaction() as session:
        repo = InviteRepository(session)
        with pytest.raises(InviteError) as info:
            await repo.consume(invite_id, telegram_id=1001, now=START)
        assert info.value.reason == "used"
        with pytest.raises(InviteError) as info:
            await repo.open(token, telegram_id=2002, now=START)
        assert info.value.reason == "used"


async def test_invite_consume_racing_twice_enrols_once(db: Database) -> None:
    worker = await add_worker(db)
    invite_id, token = await new_invite(db, worker)
    async with db.transaction() as session:
        await InviteRepository(session).open(token, telegram_id=1001, now=START)

    async def consume() -> str:
        try:
            async with db.transaction() as session:
                await InviteRepository(session).consume(invite_id, telegram_id=1001, now=START)
                await asyncio.sleep(0.05)  # hold the transaction open while the other races
            return "ok"
        except InviteError as exc:
            return exc.reason

    results = await asyncio.gather(consume(), consume())
    assert sorted(results) == ["ok", "used"]


async def test_invite_consume_refuses_another_account_and_expired_invites(db: Database) -> None:
    worker = await add_worker(db)
    invite_id, token = await new_invite(db, worker)
    async with db.transaction() as session:
        await InviteRepository(session).open(token, telegram_id=1001, now=START)
    async with db.transaction() as session:
        repo = InviteRepository(session)
        with pytest.raises(InviteError) as info:
            await repo.consume(invite_id, telegram_id=2002, now=START)
        assert info.value.reason == "unknown"
        with pytest.raises(InviteError) as info:
            await repo.consume(invite_id, telegram_id=1001, now=START + TTL)
        assert info.value.reason == "expired"
    async with db.transaction() as session:
        invite = await session.get(Invite, invite_id)
        assert invite is not None and invite.used_at is None


# --- inbound updates ------------------------------------------------------------------------


def update(update_id: int, text_: str = "hi") -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 1001, "type": "private"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Aiko"},
            "text": text_,
        },
    }


async def record(db: Database, updates: list[dict[str, object]]) -> int:
    async with db.transaction() as session:
        return await InboundRepository(session).record(updates, now=START, postgres=db.is_postgres)


async def test_inbound_record_deduplicates_update_ids(db: Database) -> None:
    assert await record(db, [update(1), update(2)]) == 2
    assert await record(db, [update(2), update(3)]) == 1
    assert await record(db, [update(1)]) == 0
    assert await record(db, []) == 0
    async with db.transaction() as session:
        rows = await InboundRepository(session).unprocessed(limit=10)
    assert [r.update_id for r in rows] == [1, 2, 3]


async def test_inbound_redelivery_after_processing_is_still_a_duplicate(db: Database) -> None:
    await record(db, [update(7)])
    async with db.transaction() as session:
        assert await InboundRepository(session).claim(7, now=START)
    assert await record(db, [update(7)]) == 0
    async with db.transaction() as session:
        assert await InboundRepository(session).unprocessed(limit=10) == []


async def test_inbound_claim_is_exactly_once(db: Database) -> None:
    await record(db, [update(10), update(11)])
    async with db.transaction() as session:
        repo = InboundRepository(session)
        assert await repo.claim(10, now=START) is True
        assert await repo.claim(10, now=START) is False
        assert await repo.claim(999, now=START) is False  # never stored: nothing to do
    async with db.transaction() as session:
        rows = await InboundRepository(session).unprocessed(limit=10)
        assert [r.update_id for r in rows] == [11]
        handled = await session.get(InboundUpdate, 10)
        # The text is dropped once handled: nothing a person wrote lingers in raw form.
        assert handled is not None and handled.payload is None
        assert handled.processed_at == START


async def test_inbound_claim_with_an_error_keeps_the_payload_for_replay(db: Database) -> None:
    await record(db, [update(20)])
    async with db.transaction() as session:
        assert await InboundRepository(session).claim(20, now=START, error="ValueError")
    async with db.transaction() as session:
        row = await session.get(InboundUpdate, 20)
        assert row is not None and row.payload is not None and row.error == "ValueError"


async def test_inbound_claim_racing_twice_claims_once(db: Database) -> None:
    await record(db, [update(30)])

    async def claim() -> bool:
        async with db.transaction() as session:
            won = await InboundRepository(session).claim(30, now=START)
            await asyncio.sleep(0.05)
            return won

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]


# --- outbox ------------------------------------------------------------------------------


async def add_messages(db: Database, count: int, **kwargs: object) -> list[int]:
    async with db.transaction() as session:
        repo = OutboxRepository(session)
        rows = [
            repo.add(new_message(chat_id=1000 + i, text=f"m{i}", now=START, **kwargs))  # type: ignore[arg-type]
            for i in range(count)
        ]
        await session.flush()
        return [r.id for r in rows]


async def claim(db: Database, owner: str, now: object, limit: int = 10) -> list[int]:
    async with db.transaction() as session:
        rows = await OutboxRepository(session).claim(
            owner=owner,
            now=now,
            lease=LEASE,
            limit=limit,
            postgres=db.is_postgres,  # type: ignore[arg-type]
        )
        return [r.id for r in rows]


async def test_outbox_claim_leases_rows(db: Database) -> None:
    ids = await add_messages(db, 3)
    assert await claim(db, "a", START, limit=2) == ids[:2]
    async with db.transaction() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        states = [(r.state, r.lease_owner, r.lease_until) for r in rows]
    assert states == [
        (OutboxState.SENDING, "a", START + LEASE),
        (OutboxState.SENDING, "a", START + LEASE),
        (OutboxState.PENDING, None, None),
    ]
    assert await claim(db, "b", START) == ids[2:]
    assert await claim(db, "c", START + LEASE - timedelta(seconds=1)) == []


async def test_outbox_claim_can_take_only_rows_more_urgent_than_a_priority(db: Database) -> None:
    bulk = await add_messages(db, 2, priority=PRIORITY_BULK)
    reply = await add_messages(db, 1, priority=PRIORITY_REPLY)
    urgent = await add_messages(db, 1, priority=PRIORITY_URGENT)
    async with db.transaction() as session:
        rows = await OutboxRepository(session).claim(
            owner="a",
            now=START,
            lease=LEASE,
            limit=10,
            postgres=db.is_postgres,
            below_priority=PRIORITY_BULK,
        )
    assert [r.id for r in rows] == urgent + reply
    assert await claim(db, "a", START) == bulk


async def test_outbox_claim_reoffers_rows_whose_lease_expired(db: Database) -> None:
    ids = await add_messages(db, 3)
    assert await claim(db, "a", START, limit=2) == ids[:2]
    later = START + timedelta(minutes=1)
    assert await claim(db, "b", later) == ids[2:]
    # a's lease has run out (a crashed); b's has not.
    after_a = START + LEASE + timedelta(seconds=1)
    assert await claim(db, "c", after_a) == ids[:2]
    async with db.transaction() as session:
        owners = (
            await session.execute(select(OutboxMessage.lease_owner).order_by(OutboxMessage.id))
        ).scalars()
        assert list(owners) == ["c", "c", "b"]


async def test_outbox_claim_skips_sent_failed_and_not_yet_due_rows(db: Database) -> None:
    ids = await add_messages(db, 4)
    async with db.transaction() as session:
        rows = {r.id: r for r in (await session.execute(select(OutboxMessage))).scalars()}
        rows[ids[0]].state = OutboxState.SENT
        rows[ids[1]].state = OutboxState.FAILED
        rows[ids[2]].not_before = START + timedelta(minutes=5)
    assert await claim(db, "a", START) == [ids[3]]
    # An hour on: the future row is due, and so is the one whose lease ran out; never
    # the sent or failed ones.
    assert await claim(db, "b", START + timedelta(hours=1)) == ids[2:]


async def test_outbox_claim_orders_by_priority(db: Database) -> None:
    bulk = await add_messages(db, 2, priority=50)
    urgent = await add_messages(db, 1, priority=0)
    assert await claim(db, "a", START, limit=1) == urgent
    assert await claim(db, "a", START) == bulk


async def test_outbox_concurrent_claims_never_share_a_row(db: Database) -> None:
    ids = await add_messages(db, 20)

    async def grab(owner: str) -> list[int]:
        async with db.transaction() as session:
            rows = await OutboxRepository(session).claim(
                owner=owner, now=START, lease=LEASE, limit=7, postgres=db.is_postgres
            )
            await asyncio.sleep(0.02)
            return [r.id for r in rows]

    results = await asyncio.gather(*(grab(f"owner-{i}") for i in range(4)))
    claimed = [row for rows in results for row in rows]
    assert len(claimed) == len(set(claimed)), "a row was handed to two owners"
    assert sorted(claimed) == ids  # 4 x 7 >= 20: everything was taken exactly once
    async with db.transaction() as session:
        assert await OutboxRepository(session).pending_count() == 20


async def test_a_marker_is_taken_by_one_of_two_racing_instances_and_neither_fails(
    db: Database,
) -> None:
    """Two instances' hourly housekeeping meet at the marker: one takes it, the other is
    told no (on PostgreSQL the second waits for the first's row, then finds it taken);
    an error there would fail the whole tick step with a traceback in the log."""
    every = timedelta(hours=1)

    async def take(now: timedelta) -> bool:
        async with db.transaction() as session:
            return await MarkerRepository(session).take("housekeeping", START + now, every=every)

    assert sorted(await asyncio.gather(take(timedelta(0)), take(timedelta(0)))) == [False, True]
    assert await take(timedelta(minutes=59)) is False  # within the hour
    later = every + timedelta(seconds=1)
    assert sorted(await asyncio.gather(take(later), take(later))) == [False, True]
    # Without a period (the weekly digest's key) a marker is taken once, ever.
    async with db.transaction() as session:
        assert await MarkerRepository(session).take("digest-2026-W48", START) is True
        assert await MarkerRepository(session).take("digest-2026-W48", START + every) is False
