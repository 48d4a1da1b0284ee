"""Audit aggregate: who read or changed what, and when. Never the content itself."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, SafeText, UTCDateTime
from storage.people import Person
from storage.staff import Staff


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(20))  # "staff", "cli", "person", "system"
    action: Mapped[str] = mapped_column(String(40), index=True)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[str | None] = mapped_column(SafeText, nullable=True)


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        action: str,
        now: datetime,
        actor: str = "staff",
        staff_id: int | None = None,
        person_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            at=now,
            actor_staff_id=staff_id,
            actor=actor,
            action=action,
            person_id=person_id,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        )
        self.session.add(entry)
        return entry

    async def about_person(self, person_id: int, actions: Collection[str]) -> list[AuditEntry]:
        """The person's entries of the given actions, oldest first (the timeline)."""
        query = (
            select(AuditEntry)
            .where(AuditEntry.person_id == person_id, AuditEntry.action.in_(list(actions)))
            .order_by(AuditEntry.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def recent(self, *, limit: int = 1000) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def page(
        self, *, action: str | None, person_id: int | None, offset: int, limit: int
    ) -> tuple[int, list[tuple[AuditEntry, str | None, str | None]]]:
        """Entries newest first, filtered by action and person, with how many match in all;
        each with the acting staff member's name and the person's name (None once erased)
        (the web view's audit log and its export)."""
        where = []
        if action is not None:
            where.append(AuditEntry.action == action)
        if person_id is not None:
            where.append(AuditEntry.person_id == person_id)
        total = (
            await self.session.execute(select(func.count()).where(*where).select_from(AuditEntry))
        ).scalar()
        query = (
            select(AuditEntry, Staff.name, Person.display_name)
            .outerjoin(Staff, Staff.id == AuditEntry.actor_staff_id)
            .outerjoin(Person, Person.id == AuditEntry.person_id)
            .where(*where)
            .order_by(AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = await self.session.execute(query)
        return int(total or 0), [(e, staff, name) for e, staff, name in rows]

    async def actions(self) -> list[str]:
        """Every action the log holds, for the web view's filter."""
        query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
        return list((await self.session.execute(query)).scalars())


class Marker(Base):
    """Once-per-period work (the weekly digest) remembers here when it last ran."""

    __tablename__ = "markers"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MarkerRepository:
    """Markers of once-per-period work, shared by every instance and restart."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, key: str, now: datetime, *, every: timedelta | None = None) -> bool:
        """Mark `key` done at `now`; False if it is already marked (within `every`, when
        given). One conditional statement each way, so two instances racing on a key never
        both take it and neither fails: an old marker moves only if it is still old when
        its row is locked, and a new key is inserted unless another instance just did."""
        if every is not None:
            moved = await self.session.execute(
                update(Marker)
                .where(Marker.key == key, Marker.at <= now - every)
                .values(at=now)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount:  # type: ignore[attr-defined]
                return True
        bind = self.session.bind
        postgres = bind is not None and bind.dialect.name == "postgresql"
        insert = pg_insert if postgres else sqlite_insert
        inserted = await self.session.execute(
            insert(Marker).values(key=key, at=now).on_conflict_do_nothing(index_elements=["key"])
        )
        return bool(inserted.rowcount)  # type: ignore[attr-defined]
