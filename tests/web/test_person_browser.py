"""The person page in a real browser (Debian's Chromium via Playwright) against the real
bot and the stand-in, on SQLite and PostgreSQL: from the caseload to the person's page,
which shows the timeline picture with the scenario's events (a mood, a silence, an
episode, a tie, a pause) and the same events as a list; another worker gets the refusal
page, audited; in Japanese and English. axe-core finds no serious or critical violation;
phone-sized screenshots go to the run's temporary output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from standin.sandbox import Sandbox
from tests.web.person_scene import life, speaks
from tests.web.scenes import COORDINATOR, OTHER_WORKER, WORKER, audit_rows
from tests.web.test_browser import new_page, shot, sign_in

pytestmark = pytest.mark.slow


def t(sb: Sandbox, key: str, /, language: str = "ja", **params: object) -> str:
    return sb.runtime.svc.text(language, key, **params)


async def test_the_person_page_in_chromium(
    sandbox: Sandbox, chromium: Any, screenshots: Path, database_url: str
) -> None:
    sb = sandbox
    engine = "postgres" if database_url.startswith("postgresql") else "sqlite"
    scene = await life(sb)
    problems: list[str] = []

    page = await new_page(chromium, problems)
    await sign_in(sb, page, WORKER)
    await page.get_by_role("link", name=t(sb, "web.caseload.title")).click()
    aiko = t(sb, "web.caseload.heading", person="Aikoさん（ID 1）")
    await page.get_by_role("link", name=aiko).click()
    await page.wait_for_url(f"**/people/{scene.person_id}")
    svg = page.get_by_role("img", name="Aikoさん（ID 1）", exact=False)
    await svg.wait_for()
    assert await svg.get_attribute("aria-describedby") == "picture-desc"
    assert await svg.locator("polygon.ll-life").count() == 2  # the pause is a gap
    assert await svg.locator("rect.ll-gap").count() == 1
    assert await svg.locator("rect.ll-episode").count() == 1
    assert await svg.locator("circle.ll-tie.ll-active").count() == 1
    assert await svg.locator("circle.ll-silence").count() >= 1
    box = await svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100  # drawn, not hidden
    events = await page.locator("#events").inner_text()
    for expected in (
        t(sb, "mood.good"),
        t(sb, "web.person.no_reply").strip(),
        t(sb, "reason.silence"),
        t(sb, "web.person.event.tie_active", resource="居場所カフェ"),
        t(sb, "web.person.event.paused"),
    ):
        assert expected in events, expected
    await shot(page, screenshots, f"{engine}-person-ja")

    # Another worker: the refusal page, audited.
    other = await new_page(chromium, problems)
    await sign_in(sb, other, OTHER_WORKER)
    await other.goto(f"{sb.runtime.settings.web.public_url}/people/{scene.person_id}")
    await other.get_by_role("heading", name=t(sb, "web.refused.title")).wait_for()
    assert "Aiko" not in await other.inner_text("main")
    await shot(other, screenshots, f"{engine}-person-refused")
    [refusal] = await audit_rows(sb, "command.refused")
    assert json.loads(refusal.detail or "{}")["handler"] == "web.person"

    # A coordinator reading English: the same page, in English, with the schedule form.
    await speaks(sb, COORDINATOR, "en")
    english = await new_page(chromium, problems)
    await sign_in(sb, english, COORDINATOR)
    await english.goto(f"{sb.runtime.settings.web.public_url}/people/{scene.person_id}")
    await english.get_by_role("heading", name=t(sb, "web.person.events", "en")).wait_for()
    await english.get_by_label(t(sb, "web.person.times", "en")).fill("10:00")
    await english.get_by_role("button", name=t(sb, "web.person.save", "en")).click()
    await english.get_by_role("status").wait_for()
    assert await english.get_by_role("status").inner_text() == t(sb, "web.person.saved", "en")
    await shot(english, screenshots, f"{engine}-person-en")
    assert problems == []
