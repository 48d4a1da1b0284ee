"""HTTP listeners: the webhook's secret check, /healthz and /metrics.

First the routes alone (aiohttp's test server), then the whole runtime in webhook mode
with the stand-in delivering updates by HTTP POST with the secret header.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import test_utils, web
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.web import SECRET_HEADER, Health, Listener, ops_routes, webhook_routes
from infra.clock import ControllableClock
from infra.metrics import CONTENT_TYPE, GaugeValues, Metrics
from standin.sandbox import Sandbox
from storage.inbound import InboundUpdate
from tests.conftest import free_port

SECRET = "s3cret-Token_for-the-webhook-0123456789"
PATH = "/telegram/webhook"


def an_update(update_id: int, user_id: int = 1001, text: str = "hello") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Aiko"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Aiko"},
            "text": text,
        },
    }


class Store:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    async def __call__(self, updates: list[dict[str, Any]]) -> int:
        self.updates.extend(updates)
        return len(updates)


@dataclass
class Routes:
    client: test_utils.TestClient[Any, Any]
    store: Store
    metrics: Metrics
    healthy: dict[str, Health]


@pytest.fixture
async def routes() -> AsyncIterator[Routes]:
    store = Store()
    metrics = Metrics()
    healthy = {"now": Health(True)}

    async def health() -> Health:
        return healthy["now"]

    app = web.Application()
    webhook_routes(app, PATH, SECRET, store)
    ops_routes(app, metrics, health)
    async with test_utils.TestClient(test_utils.TestServer(app)) as client:
        yield Routes(client, store, metrics, healthy)


async def test_webhook_rejects_a_missing_or_wrong_secret(routes: Routes) -> None:
    client, store = routes.client, routes.store
    missing = await client.post(PATH, json=an_update(1))
    assert missing.status == 403
    wrong = await client.post(PATH, json=an_update(2), headers={SECRET_HEADER: "not-it"})
    assert wrong.status == 403
    prefix = await client.post(PATH, json=an_update(3), headers={SECRET_HEADER: SECRET[:-1]})
    assert prefix.status == 403
    empty = await client.post(PATH, json=an_update(4), headers={SECRET_HEADER: ""})
    assert empty.status == 403
    assert store.updates == []


async def test_webhook_accepts_the_right_secret_and_stores_the_update(routes: Routes) -> None:
    client, store = routes.client, routes.store
    response = await client.post(PATH, json=an_update(5), headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert store.updates == [an_update(5)]


async def test_webhook_rejects_what_is_not_an_update(routes: Routes) -> None:
    client, store = routes.client, routes.store
    headers = {SECRET_HEADER: SECRET}
    assert (await client.post(PATH, data=b"{not json", headers=headers)).status == 400
    assert (await client.post(PATH, json=[1, 2], headers=headers)).status == 400
    assert (await client.post(PATH, json={"update_id": "7"}, headers=headers)).status == 400
    assert store.updates == []


async def test_healthz(routes: Routes) -> None:
    client = routes.client
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"ok": True, "status": "ok"}
    routes.healthy["now"] = Health(False, "escalation 12: no reachable responder")
    degraded = await client.get("/healthz")
    assert degraded.status == 503
    assert await degraded.json() == {
        "ok": False,
        "status": "degraded",
        "reason": "escalation 12: no reachable responder",
    }


async def test_metrics_are_prometheus_text(routes: Routes) -> None:
    client, metrics = routes.client, routes.metrics
    metrics.inc("tsunagari_updates_handled_total")
    metrics.inc("tsunagari_updates_handled_total")
    metrics.inc("tsunagari_messages_sent_total", purpose="reply")

    async def gauges() -> dict[str, GaugeValues]:
        return {"tsunagari_outbox_pending": {(): 3.0}}

    metrics.gauge_source = gauges
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert response.headers["Content-Type"] == CONTENT_TYPE
    families = parsed(await response.text())
    assert families["tsunagari_updates_handled"].type == "counter"
    assert families["tsunagari_updates_handled"].documentation == "Telegram updates processed"
    assert value(families, "tsunagari_updates_handled_total") == 2
    assert value(families, "tsunagari_messages_sent_total", purpose="reply") == 1
    assert families["tsunagari_outbox_pending"].type == "gauge"
    assert value(families, "tsunagari_outbox_pending") == 3
    assert families["tsunagari_send_duration_seconds"].type == "histogram"


def parsed(body: str) -> dict[str, Metric]:
    return {f.name: f for f in text_string_to_metric_families(body)}


def value(families: dict[str, Metric], name: str, **labels: str) -> float:
    found = [
        s.value
        for f in families.values()
        for s in f.samples
        if s.name == name and s.labels == labels
    ]
    assert len(found) == 1, (name, labels)
    return found[0]


async def test_a_listener_on_port_zero_reports_its_port() -> None:
    app = web.Application()

    async def ok() -> Health:
        return Health(True)

    ops_routes(app, Metrics(), ok)
    listener = Listener(app, "127.0.0.1:0")
    await listener.start()
    try:
        assert listener.port > 0
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{listener.port}/healthz") as response,
        ):
            assert response.status == 200
    finally:
        await listener.stop()


# --- the whole runtime in webhook mode --------------------------------------------------------



@pytest.fixture
async def webhook_sandbox(tmp_path: Path, clock: ControllableClock) -> AsyncIterator[Sandbox]:
    port = free_port()
    box = Sandbox(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}",
        clock=clock,
        extra={
            "telegram": {
                "mode": "webhook",
                "webhook_url": f"http://127.0.0.1:{port}{PATH}",
                "webhook_secret": SECRET,
                "webhook_listen": f"127.0.0.1:{port}",
            }
        },
    )
    await box.start()
    box.port = port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        await box.stop()


async def test_runtime_webhook_checks_the_secret_and_serves_ops(webhook_sandbox: Sandbox) -> None:
    sb = webhook_sandbox
    base = f"http://127.0.0.1:{sb.port}"  # type: ignore[attr-defined]
    sb.user(1001, "Aiko")
    intro = sb.runtime.svc.text("ja", "stranger.intro")
    async with aiohttp.ClientSession() as http:
        async with http.post(base + PATH, json=an_update(900_001)) as response:
            assert response.status == 403
        headers = {SECRET_HEADER: "x" * 32}
        async with http.post(base + PATH, json=an_update(900_002), headers=headers) as response:
            assert response.status == 403
        async with sb.runtime.db.transaction() as session:
            assert list((await session.execute(select(InboundUpdate))).scalars()) == []

        headers = {SECRET_HEADER: SECRET}
        async with http.post(base + PATH, json=an_update(900_003), headers=headers) as response:
            assert response.status == 200
        async with sb.runtime.db.transaction() as session:
            stored = await session.get(InboundUpdate, 900_003)
        assert stored is not None, "the update must be stored before 200 is answered"
        assert (await sb.standin.wait_for_message(1001)).text == intro

        async with http.get(base + "/healthz") as response:
            assert response.status == 200
        async with http.get(base + "/metrics") as response:
            assert response.status == 200
            body = await response.text()
    families = parsed(body)
    assert value(families, "tsunagari_updates_handled_total") == 1
    assert families["tsunagari_outbox_pending"].type == "gauge"
    assert value(families, "tsunagari_open_escalations", priority="P1") == 0
    assert value(families, "tsunagari_oldest_unacknowledged_p1_seconds") == 0
    # The update was stored, handled and answered: both latencies were observed.
    assert value(families, "tsunagari_update_to_reply_seconds_count") == 1
    assert value(families, "tsunagari_send_duration_seconds_count", purpose="reply") >= 1
    assert sb.standin.violations == []


async def test_runtime_webhook_receives_updates_from_telegram(webhook_sandbox: Sandbox) -> None:
    sb = webhook_sandbox
    user = sb.user(1002, "Ken", language_code="en")
    await user.send_text("hello?")
    reply = await sb.standin.wait_for_message(1002)
    assert reply.text == sb.runtime.svc.text("en", "stranger.intro")
    assert sb.standin.stats.webhook_failures == 0
    assert sb.standin.violations == []


async def test_the_web_view_shares_the_ops_listener_when_the_address_is_the_same(
    tmp_path: Path, clock: ControllableClock
) -> None:
    port = free_port()
    address = f"127.0.0.1:{port}"
    box = Sandbox(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}",
        clock=clock,
        extra={
            "http": {"listen": address},
            "web": {"listen": address, "public_url": f"http://{address}"},
        },
    )
    await box.start()
    try:
        assert [listener.port for listener in box.runtime._listeners] == [port]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{address}/healthz") as health:
                assert health.status == 200
            async with http.get(f"http://{address}/queue") as page:
                assert page.status == 200
                assert "Content-Security-Policy" in page.headers
            # The operational routes keep their own headers: no page policy on /metrics.
            async with http.get(f"http://{address}/metrics") as metrics:
                assert "Content-Security-Policy" not in metrics.headers
    finally:
        await box.stop()
