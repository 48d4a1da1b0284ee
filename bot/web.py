"""HTTP listeners: Telegram's webhook, and the small /healthz and /metrics listener.

The webhook stores each update before answering 200, so Telegram retries anything we did
not durably take. A missing or wrong `X-Telegram-Bot-Api-Secret-Token` gets 403.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from infra.metrics import CONTENT_TYPE, Metrics

__all__ = [
    "SECRET_HEADER",
    "Health",
    "HealthCheck",
    "Listener",
    "StoreUpdates",
    "ops_routes",
    "webhook_routes",
]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Health:
    """What `/healthz` answers: ok, or degraded with a reason (ids only, never names)."""

    ok: bool
    reason: str | None = None


StoreUpdates = Callable[[list[dict[str, Any]]], Awaitable[int]]
HealthCheck = Callable[[], Awaitable[Health]]


def ops_routes(app: web.Application, metrics: Metrics, health: HealthCheck) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        state = await health()
        body: dict[str, Any] = {"ok": state.ok, "status": "ok" if state.ok else "degraded"}
        if state.reason is not None:
            body["reason"] = state.reason
        return web.json_response(body, status=200 if state.ok else 503)

    async def metrics_view(_request: web.Request) -> web.Response:
        body = await metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)


def webhook_routes(app: web.Application, path: str, secret: str, store: StoreUpdates) -> None:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not given or not hmac.compare_digest(given, expected):
            log.warning("webhook request with a missing or wrong secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.json(loads=json.loads)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="bad json")
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        await store([payload])
        return web.Response(status=200)

    app.router.add_post(path, receive)


class Listener:
    """One aiohttp site; started and stopped with the bot."""

    def __init__(self, app: web.Application, listen: str) -> None:
        # As configured: another listener of the same address shares this one.
        self.address = listen
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port)
        self.runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        # With port 0 the OS picks a free port; report the one actually bound.
        for address in self.runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break

    async def stop(self) -> None:
        await self.runner.cleanup()
