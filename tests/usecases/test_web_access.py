"""Signing in to the web view: one-time links, Mini App initData, sessions, form tokens.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select

from domain.miniapp import sign
from domain.people import StaffRole
from infra.clock import ControllableClock
from infra.i18n import Catalog
from storage.audit import AuditEntry
from storage.db import Database
from storage.invites import hash_token
from storage.staff import Staff, StaffRepository
from storage.web_sessions import WebLoginLink, WebSession
from tests.conftest import TOKEN, make_settings
from usecases.services import Services
from usecases.web_access import (
    csrf_token,
    csrf_valid,
    end_web_sessions,
    sign_in_with_init_data,
    sign_in_with_link,
    sign_out,
    signed_in_staff,
    web_link,
)

PUBLIC = "https://care.example.org/staff"


def web_services(db: Database, clock: ControllableClock, **web: str) -> Services:
    settings = make_settings(
        database_url=db.url,
        web__listen=web.get("listen", "127.0.0.1:8080"),
        web__public_url=web.get("public_url", PUBLIC),
        web__session_expire_after="2h",
    )
    return Services(settings=settings, db=db, clock=clock, catalog=Catalog("ja"))


async def a_worker(svc: Services, telegram_id: int = 500) -> Staff:
    async with svc.db.transaction() as session:
        return await StaffRepository(session).add(
            telegram_id=telegram_id, name="Sato", role=StaffRole.WORKER, now=svc.clock.now()
        )


async def link_for(svc: Services, staff: Staff) -> str:
    async with svc.db.transaction() as session:
        link = await web_link(svc, session, staff, svc.clock.now())
    assert link is not None and link.startswith(PUBLIC + "/login/")
    return link.rsplit("/", 1)[1]


async def test_a_link_works_once_and_only_its_hash_is_stored(
    db: Database, clock: ControllableClock
) -> None:
    svc = web_services(db, clock)
    staff = await a_worker(svc)
    token = await link_for(svc, staff)
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits
    async with db.transaction() as session:
        row = (await session.execute(select(WebLoginLink))).scalar_one()
        assert row.token_hash == hash_token(token) and token not in row.token_hash
        assert row.expires_at - row.created_at == timedelta(minutes=10)
        signed = await sign_in_with_link(svc, session, token, clock.now())
    assert signed is not None and signed.staff.id == staff.id
    async with db.transaction() as session:
        assert await sign_in_with_link(svc, session, token, clock.now()) is None
        stored = (await session.execute(select(WebSession))).scalar_one()
        assert stored.token_hash == hash_token(signed.session_token)
        assert await signed_in_staff(session, signed.session_token, clock.now()) is not None
        actions = list(
            (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        )
    assert actions == ["web.link_created", "web.signed_in", "web.sign_in_refused"]


async def test_an_expired_or_unknown_link_is_refused(
    db: Database, clock: ControllableClock
) -> None:
    svc = web_services(db, clock)
    token = await link_for(svc, await a_worker(svc))
    clock.advance(timedelta(minutes=10))
    async with db.transaction() as session:
        assert await sign_in_with_link(svc, session, token, clock.now()) is None
        assert await sign_in_with_link(svc, session, "x" * 43, clock.now()) is None


async def test_no_link_while_the_web_view_is_off(db: Database, clock: ControllableClock) -> None:
    svc = web_services(db, clock, public_url="")
    staff = await a_worker(svc)
    async with db.transaction() as session:
        assert await web_link(svc, session, staff, clock.now()) is None


async def test_sessions_expire_end_on_sign_out_and_on_deactivation(
    db: Database, clock: ControllableClock
) -> None:
    svc = web_services(db, clock)
    staff = await a_worker(svc)
    tokens = []
    for _ in range(3):
        token = await link_for(svc, staff)
        async with db.transaction() as session:
            signed = await sign_in_with_link(svc, session, token, clock.now())
        assert signed is not None
        tokens.append(signed.session_token)
    async with db.transaction() as session:
        await sign_out(session, tokens[0], clock.now())
        assert await signed_in_staff(session, tokens[0], clock.now()) is None
        assert await signed_in_staff(session, tokens[1], clock.now()) is not None
        assert await signed_in_staff(session, tokens[2], clock.now() + timedelta(hours=2)) is None
        member = await StaffRepository(session).get(staff.id)
        assert member is not None
        member.active = False
        await end_web_sessions(session, member, clock.now())
    async with db.transaction() as session:
        assert await signed_in_staff(session, tokens[1], clock.now()) is None
        ended = (await session.execute(select(WebSession.ended_at))).scalars().all()
    assert all(at is not None for at in ended)


async def test_mini_app_sign_in_needs_telegrams_signature_and_an_active_staff_member(
    db: Database, clock: ControllableClock
) -> None:
    svc = web_services(db, clock)
    await a_worker(svc, telegram_id=500)

    def init_data(user_id: int, token: str = TOKEN, age: timedelta = timedelta(0)) -> str:
        fields = {
            "user": json.dumps({"id": user_id, "first_name": "Sato"}),
            "auth_date": str(int((clock.now() - age).timestamp())),
        }
        fields["hash"] = sign(fields, token)
        return urlencode(fields)

    async with db.transaction() as session:
        signed = await sign_in_with_init_data(svc, session, init_data(500), clock.now())
        assert signed is not None and signed.staff.telegram_id == 500
        for refused in (
            init_data(500, token="999:FORGED"),
            init_data(500, age=timedelta(hours=2)),
            init_data(501),  # signed, but not staff
        ):
            assert await sign_in_with_init_data(svc, session, refused, clock.now()) is None


def test_the_form_token_belongs_to_its_session() -> None:
    assert csrf_valid("session-a", csrf_token("session-a"))
    assert not csrf_valid("session-b", csrf_token("session-a"))
    assert not csrf_valid("session-a", "")
    assert not csrf_valid("session-a", "ｘ" * 64)
