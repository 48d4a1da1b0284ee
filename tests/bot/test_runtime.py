"""The runtime's lifecycle: start and stop cleanly, whatever the timing."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

from infra.clock import ControllableClock
from standin.sandbox import Sandbox


async def test_stop_after_a_conversation_is_clean(tmp_path: Path, clock: ControllableClock) -> None:
    box = Sandbox(database_url=f"sqlite+aiosqlite:///{tmp_path / 'rt.db'}", clock=clock)
    await box.start()
    try:
        user = box.user(1001, "Aiko")
        await user.send_text("hello")
        await box.standin.wait_for_message(1001)
        assert (await box.runtime._healthy()).ok
    finally:
        await box.stop()
    assert not (await box.runtime._healthy()).ok
    assert box.standin.violations == []


async def test_stopping_right_after_starting_leaves_no_unawaited_coroutine(
    tmp_path: Path, clock: ControllableClock
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        box = Sandbox(database_url=f"sqlite+aiosqlite:///{tmp_path / 'rt.db'}", clock=clock)
        await box.start()
        await box.stop()
        gc.collect()
    never_awaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert never_awaited == []
