"""The running bot: the PTB application plus intake, processing, delivery and ticks.

Long-running loops are asyncio tasks woken by events (so a crisis reply leaves within
milliseconds); time-driven work runs as a few periodic APScheduler jobs through PTB's
JobQueue, each one small idempotent step over what the database says is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ContextTypes

from bot.app import TelegramApp, build_application
from bot.intake import Poller, Processor, store_updates
from bot.web import Health, Listener, ops_routes, webhook_routes
from delivery.deliverer import Deliverer
from infra.clock import Clock, SystemClock
from infra.i18n import Catalog
from infra.metrics import Metrics
from infra.settings import Settings
from scheduler.menus import set_default_menus
from scheduler.tick import TickStep, steps, tick
from storage.db import Database
from storage.migrate import upgrade_schema
from storage.outbox import ClaimedMessage, OutboxKind, Purpose
from usecases.checkins import checkins_sent
from usecases.escalations import notifications_sent
from usecases.fallthrough import delivery_failed
from usecases.reachability import sends_succeeded, waiting_reason
from usecases.services import Services, organisation_signals
from usecases.stats import Gauges, gauges
from web import WebView

log = logging.getLogger(__name__)


def _by_reference(rows: list[tuple[ClaimedMessage, int | None]]) -> list[tuple[int, int | None]]:
    """(ref_id, message_id) for new messages whose owner row is named by `ref_id`."""
    return [
        (row.ref_id, message_id)
        for row, message_id in rows
        if row.ref_id is not None and row.kind is OutboxKind.SEND_MESSAGE
    ]


async def _checkins_sent(
    svc: Services,
    session: AsyncSession,
    rows: list[tuple[ClaimedMessage, int | None]],
    now: datetime,
) -> None:
    if sent := _by_reference(rows):
        await checkins_sent(svc, session, sent, now)


async def _notifications_sent(
    session: AsyncSession, rows: list[tuple[ClaimedMessage, int | None]], now: datetime
) -> None:
    if sent := _by_reference(rows):
        await notifications_sent(session, sent)
    # Staff notifications: an accepted send is how the bot learns it can reach them.
    await sends_succeeded(session, [row.chat_id for row, _ in rows], now)


async def _replies_sent(
    session: AsyncSession, rows: list[tuple[ClaimedMessage, int | None]], now: datetime
) -> None:
    await sends_succeeded(session, [row.chat_id for row, _ in rows], now)


class Role(StrEnum):
    """What an instance does. Several instances may share one PostgreSQL database: one
    receives updates (`all`: polling, or any number behind a load balancer in webhook
    mode), and any number of workers run the periodic steps and delivery without
    receiving (Telegram allows one long poll per bot). Work is shared through the database
    (`FOR UPDATE SKIP LOCKED`, leases), so two instances never send the same message."""

    ALL = "all"
    WORKER = "worker"


async def _database_gauges(db: Database, clock: Clock) -> Gauges:
    async with db.read_session() as session:
        return await gauges(session, clock.now())


class Runtime:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        db: Database | None = None,
        upgrade: bool = True,
        role: Role = Role.ALL,
    ) -> None:
        self.settings = settings
        self.role = role
        self.db = db or Database(settings.database.url, echo=settings.database.echo)
        clock = clock or SystemClock()
        classifier, crisis_lines = organisation_signals(settings)
        self.svc = Services(
            settings=settings,
            db=self.db,
            clock=clock,
            catalog=Catalog(settings.default_language),
            metrics=Metrics(partial(_database_gauges, self.db, clock)),
            classifier=classifier,
            crisis_lines=crisis_lines,
        )
        self.app: TelegramApp = build_application(self.svc)
        self.processor = Processor(self.svc, self.app)
        self.deliverer = Deliverer(
            self.svc,
            self.app.bot,
            on_sent={
                Purpose.CHECKIN: partial(_checkins_sent, self.svc),
                Purpose.NOTIFY: _notifications_sent,
                # Replies and relays reach staff too: any accepted send makes them reachable.
                Purpose.REPLY: _replies_sent,
                Purpose.RELAY: _replies_sent,
            },
            on_failed=partial(delivery_failed, self.svc),
        )
        self.poller = Poller(self.svc, self.app, self.processor)
        self.upgrade = upgrade
        self.stop_event = asyncio.Event()
        self.tick_steps: list[tuple[str, TickStep]] = steps()
        self._tasks: list[asyncio.Task[None]] = []
        self._listeners: list[Listener] = []
        self.web_view = WebView(self.svc)
        self._ticking: set[asyncio.Task[object]] = set()

    async def _healthy(self) -> Health:
        """Degraded when the database is out of reach, while stopping, or while an
        escalation waits for a responder the bot can reach."""
        try:
            async with self.db.reading() as conn:
                await conn.execute(text("SELECT 1"))
                reason = await waiting_reason(conn)
        except Exception:
            return Health(False, "database unavailable")
        if self.stop_event.is_set():
            return Health(False, "stopping")
        return Health(reason is None, reason)

    async def tick(self) -> bool:
        """Run the periodic steps that have work due (scheduler/tick.py); True if any did."""
        return await tick(self.svc, self.app.bot, self.tick_steps)

    async def ticks_done(self) -> None:
        """Wait until the periodic ticks running now have finished (their errors are theirs)."""
        await asyncio.gather(*self._ticking, return_exceptions=True)

    async def _tick_job(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._ticking.add(task)
        try:
            await self.tick()
        finally:
            if task is not None:
                self._ticking.discard(task)

    async def start(self) -> None:
        if self.upgrade:
            await upgrade_schema(self.db)
        await self.app.initialize()
        mode = self.settings.telegram.mode if self.receives else "worker"
        log.info("bot @%s starting (mode %s)", self.app.bot.username, mode)
        await self.app.start()
        self._spawn(partial(self.deliverer.run, self.stop_event), "delivery")
        if self.receives:
            await self._start_receiving()
        await self._start_ops_listener()
        await self._start_web_listener()
        # Everything built so far (rules, catalogs, the application) lives as long as the
        # process: freezing it keeps garbage collections short on the hot paths.
        gc.collect()
        gc.freeze()
        assert self.app.job_queue is not None
        self.app.job_queue.run_repeating(
            self._tick_job,
            interval=self.settings.scheduler.tick,
            first=0.0,
            name="tick",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    @property
    def receives(self) -> bool:
        return self.role is Role.ALL

    async def _start_receiving(self) -> None:
        """Updates in (long polling, or the webhook) and the processor that handles them."""
        await set_default_menus(self.svc, self.app.bot)
        self._spawn(partial(self.processor.run, self.stop_event), "processor")
        tg = self.settings.telegram
        if tg.mode == "webhook":
            hook_app = web.Application()
            webhook_routes(hook_app, tg.webhook_path, tg.webhook_secret, self._store_and_wake)
            if not self.settings.http.listen or self.settings.http.listen == tg.webhook_listen:
                ops_routes(hook_app, self.svc.metrics, self._healthy)
            if self._web_on(tg.webhook_listen):
                self.web_view.add_routes(hook_app)
            await self._listen(hook_app, tg.webhook_listen)
            await self.app.bot.set_webhook(
                url=tg.webhook_url,
                secret_token=tg.webhook_secret,
                allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"],
            )
        else:
            self._spawn(partial(self.poller.run, self.stop_event), "poller")

    async def _start_ops_listener(self) -> None:
        """/healthz and /metrics on their own port, unless they share the webhook's."""
        tg = self.settings.telegram
        listen = self.settings.http.listen
        if listen and not (self.receives and tg.mode == "webhook" and listen == tg.webhook_listen):
            ops_app = web.Application()
            ops_routes(ops_app, self.svc.metrics, self._healthy)
            if self._web_on(listen):
                self.web_view.add_routes(ops_app)
            await self._listen(ops_app, listen)

    def _web_on(self, listen: str) -> bool:
        """Whether the web view is served on the listener at `listen`."""
        return self.settings.web.enabled and self.settings.web.listen == listen

    async def _start_web_listener(self) -> None:
        """The web view on its own listener, unless it shares one started already."""
        listen = self.settings.web.listen
        if not self.settings.web.enabled or any(
            listener.address == listen for listener in self._listeners
        ):
            return
        web_app = web.Application(client_max_size=64 * 1024)
        self.web_view.add_routes(web_app)
        await self._listen(web_app, listen)

    async def _store_and_wake(self, updates: list[dict[str, Any]]) -> int:
        stored = await store_updates(self.svc, updates)
        self.processor.wakeup.set()
        return stored

    async def _listen(self, app: web.Application, listen: str) -> Listener:
        listener = Listener(app, listen)
        await listener.start()
        self._listeners.append(listener)
        log.info("listening on %s:%s", listener.host, listener.port)
        return listener

    def _spawn(self, loop: Callable[[], Awaitable[None]], name: str) -> None:
        # The coroutine is created inside the task, so cancelling a task that never ran
        # leaves no un-awaited coroutine behind.
        async def guarded() -> None:
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s stopped unexpectedly; shutting down", name)
                self.stop_event.set()

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def stop(self) -> None:
        self.stop_event.set()
        for task in self._tasks:
            if task.get_name() == "poller":
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.receives and self.settings.telegram.mode != "webhook":
            await self.poller.confirm()
        for listener in self._listeners:
            await listener.stop()
        self._listeners.clear()
        if self.app.running:
            await self.app.stop()
        # The scheduler does not wait for a tick already running; the database must
        # outlive it.
        await self.ticks_done()
        await self._release()
        log.info("stopped")

    async def _release(self) -> None:
        await self.app.shutdown()
        # A start that failed in `initialize` (token rejected, Telegram unreachable) leaves
        # the application uninitialised but its HTTP sessions open: close them too.
        await self.app.bot.shutdown()
        await self.db.dispose()

    async def _abandon_start(self) -> None:
        """Undo a start that failed part way, quietly: the caller reports the failure."""
        self.stop_event.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for listener in self._listeners:
            await listener.stop()
        self._listeners.clear()
        if self.app.running:
            await self.app.stop()
        await self._release()

    async def run_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop_event.set)
        try:
            await self.start()
        except BaseException:
            try:
                await self._abandon_start()
            except Exception as exc:
                # The start's own failure is the one worth reporting.
                log.warning("cleaning up after a failed start failed: %s", type(exc).__name__)
            raise
        try:
            await self.stop_event.wait()
        finally:
            await self.stop()
