"""Helpers for driving the check-in engine's steps directly: a `Services` like the runtime
builds, people and staff written straight to the database, and small readers.

Nothing here sends to Telegram: "delivery" is simulated by `deliver_checkins`, which does
what the deliverer's hooks do when Telegram accepts a check-in (state `sent`, clocks start).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from domain.people import PersonStatus, StaffRole
from infra.clock import ControllableClock
from infra.i18n import Catalog
from storage.checkins import Checkin, CheckinState
from storage.db import Database
from storage.escalations import Escalation
from storage.outbox import OutboxMessage, OutboxState, Purpose
from storage.people import CadenceChange, Person
from storage.staff import Staff, StaffRepository
from tests.conftest import make_settings
from usecases.checkins import checkins_sent
from usecases.planning import new_person
from usecases.services import Services

WORKER = 500
OTHER_WORKER = 501
COORDINATOR = 600


def engine_services(db: Database, clock: ControllableClock, **overrides: Any) -> Services:
    """What `Runtime` builds, minus the Telegram application (the steps need none)."""
    return Services(
        settings=make_settings(database_url=db.url, **overrides),
        db=db,
        clock=clock,
        catalog=Catalog("ja"),
    )


async def add_staff(
    svc: Services,
    telegram_id: int = WORKER,
    name: str = "Sato",
    role: StaffRole = StaffRole.WORKER,
    language: str = "ja",
) -> Staff:
    async with svc.db.transaction() as session:
        return await StaffRepository(session).add(
            telegram_id=telegram_id, name=name, role=role, now=svc.clock.now(), language=language
        )


async def add_person(
    svc: Services,
    worker: Staff,
    telegram_id: int,
    *,
    next_checkin_at: datetime | None = None,
    status: PersonStatus = PersonStatus.ACTIVE,
    name: str | None = None,
    language: str = "ja",
    **fields: Any,
) -> int:
    """An enrolled person, due at `next_checkin_at` (default: now)."""
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        person = new_person(
            svc.settings,
            telegram_id=telegram_id,
            chat_id=telegram_id,
            display_name=name or f"P{telegram_id}",
            language=language,
            worker_id=worker.id,
            invite_id=None,
            now=now - timedelta(days=30),
        )
        person.status = status
        person.next_checkin_at = now if next_checkin_at is None else next_checkin_at
        for key, value in fields.items():
            setattr(person, key, value)
        session.add(person)
        await session.flush()
        return person.id


async def get_person(svc: Services, person_id: int) -> Person:
    async with svc.db.sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return person


async def update_person(svc: Services, person_id: int, **fields: Any) -> None:
    async with svc.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        for key, value in fields.items():
            setattr(person, key, value)


async def checkins(svc: Services, person_id: int | None = None) -> list[Checkin]:
    query = select(Checkin).order_by(Checkin.id)
    if person_id is not None:
        query = query.where(Checkin.person_id == person_id)
    async with svc.db.sessions() as session:
        return list((await session.execute(query)).scalars())


async def outbox(
    svc: Services, *, purpose: Purpose | None = None, chat_id: int | None = None
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if purpose is not None:
        query = query.where(OutboxMessage.purpose == purpose)
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    async with svc.db.sessions() as session:
        return list((await session.execute(query)).scalars())


async def escalations(svc: Services, person_id: int | None = None) -> list[Escalation]:
    query = select(Escalation).order_by(Escalation.id)
    if person_id is not None:
        query = query.where(Escalation.person_id == person_id)
    async with svc.db.sessions() as session:
        return list((await session.execute(query)).scalars())


async def cadence_changes(svc: Services, person_id: int) -> list[CadenceChange]:
    async with svc.db.sessions() as session:
        query = select(CadenceChange).where(CadenceChange.person_id == person_id)
        return list((await session.execute(query.order_by(CadenceChange.id))).scalars())


async def count(svc: Services, model: Any) -> int:
    async with svc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def deliver_checkins(svc: Services, at: datetime | None = None) -> list[int]:
    """Mark every pending check-in message sent (as the deliverer would) and run the
    check-in delivery hook; returns the check-in ids."""
    now = at or svc.clock.now()
    delivered: list[int] = []
    async with svc.db.transaction() as session:
        rows = (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.purpose == Purpose.CHECKIN,
                    OutboxMessage.state == OutboxState.PENDING,
                )
            )
        ).scalars()
        for row in list(rows):
            row.state = OutboxState.SENT
            row.sent_at = now
            row.telegram_message_id = 10_000 + row.id
            assert row.ref_id is not None
            await checkins_sent(svc, session, [(row.ref_id, 10_000 + row.id)], now)
            delivered.append(row.ref_id)
    return delivered


def texts(rows: Sequence[OutboxMessage]) -> list[str]:
    return [str(r.params().get("text", "")) for r in rows]


def states(rows: Sequence[Checkin]) -> list[CheckinState]:
    return [r.state for r in rows]
