"""The real bot wired to the local Bot API stand-in: used by the demo, tests and benchmarks.

Nothing here is a fake of the bot: it is the same `Runtime` that `tsunagari run` starts,
pointed at a stand-in server on 127.0.0.1 instead of api.telegram.org.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from bot.runtime import Runtime
from domain.people import StaffRole
from infra.clock import Clock
from infra.settings import Settings, settings_from_mapping
from standin import BotApiStandIn, SimulatedUser
from storage.audit import AuditRepository
from storage.invites import InviteRepository
from storage.staff import Staff, StaffRepository
from usecases.reachability import staff_wrote

SANDBOX_TOKEN = "7000000001:SANDBOX-token_for-the-local-stand-in"


def sandbox_settings(
    *, database_url: str, base_url: str, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> Settings:
    data: dict[str, dict[str, Any]] = {
        "telegram": {"token": SANDBOX_TOKEN, "base_url": base_url, "poll_timeout": 1},
        "database": {"url": database_url},
        "scheduler": {"tick": "1s"},
    }
    for section, values in (extra or {}).items():
        data.setdefault(section, {}).update(values)
    return settings_from_mapping(data, {})


class Sandbox:
    def __init__(
        self,
        *,
        database_url: str,
        clock: Clock | None = None,
        extra: Mapping[str, Mapping[str, Any]] | None = None,
        record_requests: bool = True,
        bot_username: str = "tsunagari_demo_bot",
    ) -> None:
        self.standin = BotApiStandIn(
            token=SANDBOX_TOKEN, bot_username=bot_username, record_requests=record_requests
        )
        self.database_url = database_url
        self.clock = clock
        self.extra = extra
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        assert self._runtime is not None, "the sandbox is not started"
        return self._runtime

    async def start(self) -> None:
        await self.standin.start()
        settings = sandbox_settings(
            database_url=self.database_url, base_url=self.standin.base_url, extra=self.extra
        )
        self._runtime = Runtime(settings, clock=self.clock)
        await self._runtime.start()

    async def stop(self) -> None:
        if self._runtime is not None:
            await self._runtime.stop()
        await self.standin.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def settle(self, limit_seconds: float = 10.0) -> None:
        """Wait until every stored update is processed and the outbox is drained.

        Tests advance a controllable clock between scenes; settling first makes sure the
        previous scene's sends (and their delivery hooks) happened at the previous time.
        """
        import asyncio

        from sqlalchemy import func, select

        from storage.inbound import InboundUpdate
        from storage.outbox import OutboxMessage, OutboxState

        svc = self.runtime.svc
        deadline = asyncio.get_running_loop().time() + limit_seconds
        while True:
            # Upstream first: an update still at the stand-in, then one being stored, then
            # one being handled, and only then the outbox. Each stage's work is committed
            # before the next stage is looked at, so nothing slips between two reads (on
            # PostgreSQL each statement sees the latest commits).
            upstream = bool(self.standin.pending_updates) or self.runtime.poller.storing > 0
            async with svc.db.reading() as conn:
                unprocessed = await conn.scalar(
                    select(func.count())
                    .select_from(InboundUpdate)
                    .where(InboundUpdate.processed_at.is_(None))
                )
                busy = await conn.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
                        OutboxMessage.not_before <= svc.clock.now(),
                    )
                )
            if not upstream and not busy and not unprocessed:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"not settled: {busy} to send, {unprocessed} to process")
            svc.wake_delivery()
            await asyncio.sleep(0.01)

    def user(self, telegram_id: int, first_name: str, language_code: str = "ja") -> SimulatedUser:
        return self.standin.user(telegram_id, first_name, language_code=language_code)

    async def add_staff(
        self, telegram_id: int, role: StaffRole, name: str, *, opened: bool = True
    ) -> Staff:
        """Register a staff member. `opened`: they have opened the bot already (their chat
        exists at the stand-in, and the bot saw them write); otherwise they are what
        `tsunagari staff add` leaves: no chat yet, so every send to them fails with
        "chat not found" until they open the bot (`user(...)`, then /start)."""
        svc = self.runtime.svc
        now = svc.clock.now()
        async with svc.db.transaction() as session:
            staff = await StaffRepository(session).add(
                telegram_id=telegram_id, name=name, role=role, now=now
            )
            if opened:
                staff_wrote(staff, now)
        if opened:
            self.standin.user(telegram_id, name)
        return staff

    async def create_invite(self, worker_telegram_id: int) -> str:
        """What `tsunagari invite create` does; returns the token of the deep link."""
        svc = self.runtime.svc
        async with svc.db.transaction() as session:
            worker = await StaffRepository(session).by_telegram_id(worker_telegram_id)
            assert worker is not None, f"no staff with telegram id {worker_telegram_id}"
            invite, token = await InviteRepository(session).create(
                worker_id=worker.id,
                created_by=None,
                now=svc.clock.now(),
                ttl=svc.settings.invites.expire_after,
            )
            AuditRepository(session).record(
                action="invite.created",
                actor="cli",
                now=svc.clock.now(),
                detail={"invite_id": invite.id},
            )
        return token
