"""Signing staff in to the web view: /web's one-time link, the Mini App's signed initData,
and the sessions both open. Every sign-in and every refused attempt is audited (ids only).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.miniapp import verify_init_data
from storage.audit import AuditRepository
from storage.staff import Staff, StaffRepository
from storage.web_sessions import SignInVia, WebAccessRepository
from usecases.services import Services

__all__ = [
    "SignedIn",
    "csrf_token",
    "csrf_valid",
    "end_web_sessions",
    "sign_in_with_init_data",
    "sign_in_with_link",
    "sign_out",
    "signed_in_staff",
    "web_link",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedIn:
    staff: Staff
    # The cookie's value; only its hash is stored.
    session_token: str


async def web_link(svc: Services, session: AsyncSession, staff: Staff, now: datetime) -> str | None:
    """A one-time sign-in link for `staff`, or None while the web view is off."""
    if not svc.settings.web.enabled:
        return None
    link, token = await WebAccessRepository(session).create_link(staff_id=staff.id, now=now)
    AuditRepository(session).record(
        action="web.link_created", staff_id=staff.id, now=now, detail={"link_id": link.id}
    )
    return f"{svc.settings.web.public_url}/login/{token}"


async def _open(
    svc: Services, session: AsyncSession, staff: Staff, via: SignInVia, now: datetime
) -> SignedIn:
    row, token = await WebAccessRepository(session).open_session(
        staff_id=staff.id, via=via, now=now, ttl=svc.settings.web.session_expire_after
    )
    AuditRepository(session).record(
        action="web.signed_in",
        staff_id=staff.id,
        now=now,
        detail={"session_id": row.id, "via": via.value},
    )
    log.info("web session %s opened for staff %s (%s)", row.id, staff.id, via.value)
    return SignedIn(staff, token)


def _refused(session: AsyncSession, via: SignInVia, now: datetime) -> None:
    AuditRepository(session).record(
        action="web.sign_in_refused", actor="system", now=now, detail={"via": via.value}
    )
    log.info("web sign-in refused (%s)", via.value)


async def sign_in_with_link(
    svc: Services, session: AsyncSession, token: str, now: datetime
) -> SignedIn | None:
    """Spend a /web link; None when it is unknown, used, expired, or its owner inactive."""
    staff_id = await WebAccessRepository(session).use_link(token, now=now)
    staff = await StaffRepository(session).get(staff_id) if staff_id is not None else None
    if staff is None or not staff.active:
        _refused(session, SignInVia.LINK, now)
        return None
    return await _open(svc, session, staff, SignInVia.LINK, now)


async def sign_in_with_init_data(
    svc: Services, session: AsyncSession, init_data: str, now: datetime
) -> SignedIn | None:
    """Sign in from the Mini App; None unless Telegram signed the data for an active staff
    member recently enough (`web.init_data_max_age`)."""
    signed = verify_init_data(
        init_data,
        svc.settings.telegram.token,
        now=now,
        max_age=svc.settings.web.init_data_max_age,
    )
    staff = (
        await StaffRepository(session).by_telegram_id(signed.telegram_id)
        if signed is not None
        else None
    )
    if staff is None or not staff.active:
        _refused(session, SignInVia.MINI_APP, now)
        return None
    return await _open(svc, session, staff, SignInVia.MINI_APP, now)


async def signed_in_staff(session: AsyncSession, token: str, now: datetime) -> Staff | None:
    """The active staff member whose live session this cookie names."""
    return await WebAccessRepository(session).staff_of(token, now=now)


async def sign_out(session: AsyncSession, token: str, now: datetime) -> None:
    await WebAccessRepository(session).end(token, now=now)


async def end_web_sessions(session: AsyncSession, staff: Staff, now: datetime) -> None:
    """A deactivated staff member's web sessions end with their access."""
    await WebAccessRepository(session).end_all_of(staff.id, now=now)


def csrf_token(session_token: str) -> str:
    """The session's form token: derived from the cookie, so nothing more is stored, and
    unknowable to a page that cannot read the HttpOnly cookie."""
    return hashlib.sha256(b"tsunagari-csrf\0" + session_token.encode()).hexdigest()


def csrf_valid(session_token: str, given: str) -> bool:
    return hmac.compare_digest(csrf_token(session_token).encode(), given.encode())
