"""Invite and staff-invite tokens are unguessable, single use and expiring (issue 12, item 7).

`test_repositories.py` covers a person's invite end to end on the repository; this adds
what a guess needs to beat (the bits are random, not just many) and the same three
guarantees for staff registration links. SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.errors import InviteError
from domain.people import StaffRole
from storage.db import Database
from storage.invites import InviteRepository
from storage.staff import Staff, StaffRepository
from tests.conftest import START

TTL = timedelta(days=3)
KINDS = [None, StaffRole.WORKER, StaffRole.COORDINATOR]


async def new_invites(db: Database, count: int, role: StaffRole | None) -> list[tuple[int, str]]:
    async with db.transaction() as session:
        staff = await StaffRepository(session).add(
            telegram_id=500, name="Sato", role=StaffRole.COORDINATOR, now=START
        )
        repo = InviteRepository(session)
        made = [
            await repo.create(
                worker_id=staff.id, created_by=staff.id, now=START, ttl=TTL, staff_role=role
            )
            for _ in range(count)
        ]
        return [(invite.id, token) for invite, token in made]


def bits(token: str) -> str:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return "".join(f"{byte:08b}" for byte in raw)


@pytest.mark.parametrize("role", KINDS, ids=["person", "worker", "coordinator"])
async def test_tokens_carry_at_least_128_random_bits(db: Database, role: StaffRole | None) -> None:
    tokens = [token for _, token in await new_invites(db, 256, role)]
    decoded = [bits(token) for token in tokens]
    assert min(len(b) for b in decoded) >= 128
    assert len(set(tokens)) == len(tokens)
    # Every bit position is set in about half the tokens: a counter, a timestamp or a fixed
    # part (fewer random bits than the length shows) would sit near 0 or 1 somewhere. For
    # random bits each share is 0.5 ± 0.03; 0.3 is more than six deviations away.
    width = min(len(b) for b in decoded)
    shares = [sum(b[i] == "1" for b in decoded) / len(decoded) for i in range(width)]
    assert min(shares) > 0.3 and max(shares) < 0.7, (min(shares), max(shares))


@pytest.mark.parametrize("role", KINDS, ids=["person", "worker", "coordinator"])
async def test_each_kind_is_single_use_and_expires(db: Database, role: StaffRole | None) -> None:
    for_staff = role is not None
    [(used_id, used), (late_id, late)] = await new_invites(db, 2, role)
    async with db.transaction() as session:
        repo = InviteRepository(session)
        await repo.open(used, telegram_id=1001, now=START)
        await repo.consume(used_id, telegram_id=1001, now=START, for_staff=for_staff)
    async with db.transaction() as session:
        repo = InviteRepository(session)
        for attempt in (
            repo.open(used, telegram_id=1001, now=START),
            repo.open(used, telegram_id=2002, now=START),
            repo.consume(used_id, telegram_id=1001, now=START, for_staff=for_staff),
        ):
            with pytest.raises(InviteError) as info:
                await attempt
            assert info.value.reason == "used"
        # Opened in time, answered a moment too late; opened too late.
        await repo.open(late, telegram_id=1001, now=START + TTL - timedelta(seconds=1))
        with pytest.raises(InviteError) as info:
            await repo.consume(late_id, telegram_id=1001, now=START + TTL, for_staff=for_staff)
        assert info.value.reason == "expired"
        with pytest.raises(InviteError) as info:
            await repo.open(late, telegram_id=1001, now=START + TTL)
        assert info.value.reason == "expired"


async def test_a_staff_link_cannot_enrol_a_person_nor_a_person_link_make_staff(
    db: Database,
) -> None:
    [(staff_id, staff_token)] = await new_invites(db, 1, StaffRole.WORKER)
    async with db.transaction() as session:
        repo = InviteRepository(session)
        worker = await session.scalar(select(Staff.id))
        assert worker is not None
        invite, person_token = await repo.create(
            worker_id=worker, created_by=None, now=START, ttl=TTL
        )
        person_id = invite.id
        await repo.open(staff_token, telegram_id=1001, now=START)
        await repo.open(person_token, telegram_id=1001, now=START)
        for invite_id, for_staff in ((staff_id, False), (person_id, True)):
            with pytest.raises(InviteError) as info:
                await repo.consume(invite_id, telegram_id=1001, now=START, for_staff=for_staff)
            assert info.value.reason == "unknown"
