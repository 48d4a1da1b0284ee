"""Staff aggregate: workers and coordinators, identified by their Telegram user id."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ColumnElement, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.errors import NotFoundError, TsunagariError
from domain.people import StaffRole
from domain.reachability import Reachability, Unreachable
from storage.base import Base, SafeString, UTCDateTime, str_enum


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(SafeString(200))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole))
    language: Mapped[str] = mapped_column(String(8), default="ja")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The role whose command menu was last pushed to Telegram; a mismatch means "sync it".
    menu_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Telegram lets a bot write only to someone who wrote to it first: see
    # domain.reachability. `reachability_at` and `unreachable_cause` say when and why.
    reachability: Mapped[Reachability] = mapped_column(
        str_enum(Reachability), default=Reachability.UNKNOWN, server_default="unknown"
    )
    reachability_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unreachable_cause: Mapped[Unreachable | None] = mapped_column(
        str_enum(Unreachable), nullable=True
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def menu_out_of_date() -> ColumnElement[bool]:
    """Staff whose pushed command menu no longer matches their role (or deactivation)."""
    active_stale = Staff.active.is_(True) & (
        Staff.menu_role.is_(None) | (Staff.menu_role != Staff.role)
    )
    inactive_stale = Staff.active.is_(False) & (
        Staff.menu_role.is_(None) | (Staff.menu_role != "none")
    )
    return active_stale | inactive_stale


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, *, telegram_id: int, name: str, role: StaffRole, now: datetime, language: str = "ja"
    ) -> Staff:
        existing = await self.by_telegram_id(telegram_id, include_inactive=True)
        if existing is not None:
            if existing.active:
                raise TsunagariError(f"telegram id {telegram_id} is already registered as staff")
            existing.active, existing.role, existing.name = True, role, name
            existing.menu_role = None
            return existing
        staff = Staff(
            telegram_id=telegram_id,
            name=name,
            role=role,
            language=language,
            active=True,
            created_at=now,
            reachability=Reachability.UNKNOWN,
        )
        self.session.add(staff)
        await self.session.flush()
        return staff

    async def by_telegram_id(
        self, telegram_id: int, *, include_inactive: bool = False
    ) -> Staff | None:
        query = select(Staff).where(Staff.telegram_id == telegram_id)
        if not include_inactive:
            query = query.where(Staff.active.is_(True))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, staff_id: int) -> Staff | None:
        return await self.session.get(Staff, staff_id)

    async def resolve(self, number: int) -> Staff:
        """A staff member named by Telegram user id or internal id (from a strict parser,
        handlers/args.py); looked up only where the number fits the column."""
        found = await self.by_telegram_id(number) if 0 < number < 2**63 else None
        if found is None and 0 < number < 2**31:
            candidate = await self.get(number)
            found = candidate if candidate is not None and candidate.active else None
        if found is None:
            raise NotFoundError(str(number))
        return found

    async def all(self, *, include_inactive: bool = False) -> list[Staff]:
        query = select(Staff).order_by(Staff.id)
        if not include_inactive:
            query = query.where(Staff.active.is_(True))
        return list((await self.session.execute(query)).scalars())

    async def coordinators(self, *, registered_before: datetime | None = None) -> list[Staff]:
        query = select(Staff).where(Staff.active.is_(True), Staff.role == StaffRole.COORDINATOR)
        if registered_before is not None:
            query = query.where(Staff.created_at < registered_before)
        return list((await self.session.execute(query.order_by(Staff.id))).scalars())

    async def needing_menu_sync(self) -> list[Staff]:
        query = select(Staff).where(menu_out_of_date())
        return list((await self.session.execute(query)).scalars())

    async def active_by_ids(self, ids: Collection[int]) -> dict[int, Staff]:
        """The active staff members among `ids`, by id."""
        if not ids:
            return {}
        rows = await self.session.execute(select(Staff).where(Staff.id.in_(list(ids))))
        return {s.id: s for s in rows.scalars() if s.active}

    async def set_menu_role(self, staff_id: int, menu_role: str) -> None:
        await self.session.execute(
            update(Staff).where(Staff.id == staff_id).values(menu_role=menu_role)
        )
