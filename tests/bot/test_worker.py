"""Several instances on one database: a worker (`tsunagari run --role worker`) runs the
periodic steps and delivery beside the instance that receives updates, never polls, and
no message is sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.runtime import Role, Runtime
from infra.clock import ControllableClock
from standin.sandbox import Sandbox, sandbox_settings
from tests.conftest import fast_pacing
from tests.handlers.checkin_helpers import (
    checkins_in,
    enrol,
    is_checkin,
    next_message,
    staffed,
)

PEOPLE = (2001, 2002, 2003)
# An hour: neither instance's own tick job comes round during a test; the test ticks.
HOURLY = {"scheduler": {"tick": "1h"}}


@pytest.fixture
def sandbox_config() -> dict[str, Any]:
    return HOURLY


@pytest.fixture
async def worker(
    sandbox: Sandbox, database_url: str, clock: ControllableClock
) -> AsyncIterator[Runtime]:
    settings = sandbox_settings(
        database_url=database_url, base_url=sandbox.standin.base_url, extra=HOURLY
    )
    runtime = Runtime(settings, clock=clock, upgrade=False, role=Role.WORKER)
    runtime.deliverer.monotonic = fast_pacing()
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def test_a_worker_runs_the_round_beside_the_receiver_and_never_polls(
    sandbox: Sandbox, worker: Runtime, clock: ControllableClock
) -> None:
    await staffed(sandbox)
    for number, user_id in enumerate(PEOPLE):
        await enrol(sandbox, user_id, f"P{number}")
    assert {task.get_name() for task in worker._tasks} == {"delivery"}

    clock.advance(timedelta(days=1, hours=1))  # past the next 10:00 check-in and its jitter
    assert await worker.tick()  # the worker dispatches the round, and wakes its delivery
    for user_id in PEOPLE:
        await next_message(sandbox, user_id, is_checkin)
    await sandbox.settle()
    await asyncio.sleep(0.2)  # room for a second send, were there one
    assert [len(checkins_in(sandbox, user_id)) for user_id in PEOPLE] == [1, 1, 1]
    sent = worker.svc.metrics.value("tsunagari_messages_sent_total", purpose="checkin")
    assert sent == len(PEOPLE)

    # Updates still go to the receiving instance, which answers them.
    person = sandbox.user(PEOPLE[0], "P0")
    await person.send_text("ありがとう")
    reply = await next_message(sandbox, PEOPLE[0], lambda m: not m.buttons)
    assert reply.text
    assert sandbox.standin.violations == []


async def test_a_worker_takes_over_what_a_stopped_receiver_left_in_the_outbox(
    sandbox: Sandbox, worker: Runtime, clock: ControllableClock
) -> None:
    await staffed(sandbox)
    await enrol(sandbox, PEOPLE[0], "P0")
    clock.advance(timedelta(days=1, hours=1))  # past the next 10:00 check-in and its jitter
    # The receiving instance queues the round, then goes away before delivering it.
    await sandbox.runtime.deliverer.recover()
    assert await sandbox.runtime.tick()
    await sandbox.runtime.stop()
    worker.svc.wake_delivery()
    await next_message(sandbox, PEOPLE[0], is_checkin)
    assert len(checkins_in(sandbox, PEOPLE[0])) == 1
