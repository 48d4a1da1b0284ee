"""The web view's tests run the real bot (the `sandbox` fixture, SQLite and PostgreSQL)
with the web view on its own listener at a free port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port


@pytest.fixture
def sandbox_config() -> dict[str, Any]:
    port = free_port()
    return {"web": {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}}


CHROMIUM = Path("/usr/bin/chromium")


def _no_chromium() -> str | None:
    if CHROMIUM.exists():
        return None
    return f"no Chromium at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)"


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    """Debian's Chromium driven by Playwright. Without it the browser tests skip with the
    reason; with CI set they fail instead, because CI must run them (.ci/run installs it)."""
    reason = _no_chromium()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run the browser tests")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests leave screenshots of each page, for people to look at: one
    folder for the run, under pytest's temporary output."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder
