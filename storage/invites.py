"""Invite aggregate: one-time enrolment links.

Only a SHA-256 of each token is stored: a leaked database cannot be turned into working
links. Tokens carry 192 random bits, well above the 128 the threat model asks for, and
fit Telegram's 64-character deep-link parameter alphabet (A-Z a-z 0-9 _ -).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.errors import InviteError
from domain.people import StaffRole
from storage.base import Base, UTCDateTime, str_enum

TOKEN_BYTES = 24


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who opened the link: the consent button is honoured only from that same account.
    opened_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # NULL: a person's enrolment link. A role: a one-time staff registration link.
    staff_role: Mapped[StaffRole | None] = mapped_column(str_enum(StaffRole), nullable=True)


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        worker_id: int,
        created_by: int | None,
        now: datetime,
        ttl: timedelta,
        staff_role: StaffRole | None = None,
    ) -> tuple[Invite, str]:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        invite = Invite(
            token_hash=hash_token(token),
            worker_id=worker_id,
            created_by_staff_id=created_by,
            created_at=now,
            expires_at=now + ttl,
            staff_role=staff_role,
        )
        self.session.add(invite)
        await self.session.flush()
        return invite, token

    async def by_token(self, token: str) -> Invite | None:
        query = select(Invite).where(Invite.token_hash == hash_token(token))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open(self, token: str, *, telegram_id: int, now: datetime) -> Invite:
        """Check a token someone opened and bind it to their account until they answer."""
        invite = await self.by_token(token)
        if invite is None:
            raise InviteError("unknown")
        if invite.used_at is not None:
            raise InviteError("used")
        if invite.expires_at <= now:
            raise InviteError("expired")
        invite.opened_by_telegram_id = telegram_id
        return invite

    async def consume(
        self, invite_id: int, *, telegram_id: int, now: datetime, for_staff: bool = False
    ) -> Invite:
        """Mark the invite used, atomically: a double press or a race enrols only once.

        A person's consent can only use a person's invite, and a staff link only a staff
        invite, whatever callback data a modified client might send.
        """
        kind = Invite.staff_role.is_not(None) if for_staff else Invite.staff_role.is_(None)
        result = await self.session.execute(
            update(Invite)
            .where(
                Invite.id == invite_id,
                Invite.used_at.is_(None),
                Invite.opened_by_telegram_id == telegram_id,
                Invite.expires_at > now,
                kind,
            )
            .values(used_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            invite = await self.session.get(Invite, invite_id)
            if (
                invite is None
                or invite.opened_by_telegram_id != telegram_id
                or (invite.staff_role is not None) != for_staff
            ):
                raise InviteError("unknown")
            raise InviteError("used" if invite.used_at is not None else "expired")
        invite = await self.session.get(Invite, invite_id, populate_existing=True)
        assert invite is not None
        return invite
