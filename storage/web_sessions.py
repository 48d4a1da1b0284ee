"""Web sign-in aggregate: one-time sign-in links sent by /web, and the sessions they open.

Only a SHA-256 of each token is stored, as for invites: a leaked database holds no working
link or cookie. A link is used once (an atomic conditional update) and lasts ten minutes;
a session lasts `web.session_expire_after` and only while its staff member is active.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, str_enum
from storage.invites import hash_token
from storage.staff import Staff

__all__ = [
    "LINK_VALID_FOR",
    "TOKEN_BYTES",
    "SignInVia",
    "WebAccessRepository",
    "WebLoginLink",
    "WebSession",
]

# 32 random bytes: 256 bits, twice the 128 the threat model asks for.
TOKEN_BYTES = 32
LINK_VALID_FOR = timedelta(minutes=10)


class SignInVia(StrEnum):
    """How a web session was opened."""

    LINK = "link"
    MINI_APP = "mini_app"


class WebLoginLink(Base):
    __tablename__ = "web_login_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    via: Mapped[SignInVia] = mapped_column(str_enum(SignInVia))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebAccessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_link(self, *, staff_id: int, now: datetime) -> tuple[WebLoginLink, str]:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        link = WebLoginLink(
            token_hash=hash_token(token),
            staff_id=staff_id,
            created_at=now,
            expires_at=now + LINK_VALID_FOR,
        )
        self.session.add(link)
        await self.session.flush()
        return link, token

    async def use_link(self, token: str, *, now: datetime) -> int | None:
        """Spend a sign-in link: its staff id, or None if unknown, used or expired. Two
        requests racing for one link cannot both win (a conditional update)."""
        result = await self.session.execute(
            update(WebLoginLink)
            .where(
                WebLoginLink.token_hash == hash_token(token),
                WebLoginLink.used_at.is_(None),
                WebLoginLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(WebLoginLink.staff_id)
        )
        return result.scalar_one_or_none()

    async def open_session(
        self, *, staff_id: int, via: SignInVia, now: datetime, ttl: timedelta
    ) -> tuple[WebSession, str]:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        row = WebSession(
            token_hash=hash_token(token),
            staff_id=staff_id,
            via=via,
            created_at=now,
            expires_at=now + ttl,
        )
        self.session.add(row)
        await self.session.flush()
        return row, token

    async def staff_of(self, token: str, *, now: datetime) -> Staff | None:
        """The active staff member a live session belongs to."""
        query = (
            select(Staff)
            .join(WebSession, WebSession.staff_id == Staff.id)
            .where(
                WebSession.token_hash == hash_token(token),
                WebSession.ended_at.is_(None),
                WebSession.expires_at > now,
                Staff.active.is_(True),
            )
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def end(self, token: str, *, now: datetime) -> None:
        await self.session.execute(
            update(WebSession)
            .where(WebSession.token_hash == hash_token(token), WebSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def end_all_of(self, staff_id: int, *, now: datetime) -> None:
        """End every session of a staff member (on deactivation)."""
        await self.session.execute(
            update(WebSession)
            .where(WebSession.staff_id == staff_id, WebSession.ended_at.is_(None))
            .values(ended_at=now)
        )
