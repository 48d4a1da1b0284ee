"""The directory, organisation, audit log and export pages in a real browser (Debian's
Chromium via Playwright) against the real bot and the stand-in, on SQLite and PostgreSQL:
a coordinator moves between the pages by the navigation, edits a resource in the page
(partly by keyboard alone), filters the audit log and downloads each export; a worker gets
the 403 page on the audit log and the exports, audited. axe-core finds no serious or
critical violation on any page, no page breaks the Content-Security-Policy, and each page
is photographed."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from standin.sandbox import Sandbox
from storage.resources import Resource
from tests.web.scenes import COORDINATOR, OTHER_WORKER, audit_rows, episode
from tests.web.test_browser import new_page, shot, sign_in, t

pytestmark = pytest.mark.slow


async def nav_to(page: Any, sb: Sandbox, key: str) -> None:
    """Follow a link of the navigation landmark, and wait for the page's heading."""
    nav = page.get_by_role("navigation", name=t(sb, "web.nav_label"))
    await nav.get_by_role("link", name=t(sb, key)).click()
    await page.get_by_role("heading", name=t(sb, key), level=1).wait_for()


async def download(page: Any, name: str) -> tuple[str, bytes]:
    async with page.expect_download() as started:
        await page.get_by_role("link", name=name).click()
    done = await started.value
    path = await done.path()
    return done.suggested_filename, await asyncio.to_thread(Path(path).read_bytes)


async def test_a_coordinator_edits_a_resource_reads_the_figures_the_log_and_downloads(
    sandbox: Sandbox, chromium: Any, screenshots: Path, database_url: str
) -> None:
    sb = sandbox
    engine = "postgres" if database_url.startswith("postgresql") else "sqlite"
    problems: list[str] = []
    escalation, _notice = await episode(sb)
    page = await new_page(chromium, problems)
    await sign_in(sb, page, COORDINATOR)

    await nav_to(page, sb, "web.resources.title")
    await shot(page, screenshots, f"{engine}-resources-empty")
    # A name of spaces passes the browser's `required` but not the shared rule.
    await page.get_by_label(t(sb, "web.resources.field.name")).fill("  ")
    await page.get_by_role("button", name=t(sb, "web.resources.add_button")).click()
    await page.get_by_role("alert").wait_for()
    assert await page.get_by_text(t(sb, "web.resources.problem_empty")).is_visible()
    await shot(page, screenshots, f"{engine}-resources-problem")
    await page.get_by_label(t(sb, "web.resources.field.name")).fill("フードバンク東")
    await page.get_by_label(t(sb, "web.resources.field.kind")).select_option(
        label=t(sb, "resource_kind.food")
    )
    await page.get_by_label(t(sb, "web.resources.field.area")).fill("東区")
    await page.get_by_role("button", name=t(sb, "web.resources.add_button")).click()
    status = page.get_by_role("status")
    await status.wait_for()
    assert await status.inner_text() == t(sb, "web.resources.done_added", id=1)
    await shot(page, screenshots, f"{engine}-resources")

    # Edit: the link, then the form by keyboard alone (Tab to the field, Enter submits).
    await page.get_by_role(
        "link", name=t(sb, "web.resources.edit_link", name="フードバンク東")
    ).click()
    title = t(sb, "web.resources.edit_title", id=1, name="フードバンク東")
    await page.get_by_role("heading", name=title).wait_for()
    await page.get_by_label(t(sb, "web.resources.field.hours")).fill("水 13:00〜17:00")
    await page.get_by_label(t(sb, "web.resources.field.active")).uncheck()
    await shot(page, screenshots, f"{engine}-resource-edit")
    await page.get_by_label(t(sb, "web.resources.field.contact")).focus()
    await page.keyboard.type("03-0000-0000")
    await page.keyboard.press("Enter")
    await page.get_by_role("status").wait_for()
    assert await page.get_by_role("status").inner_text() == t(
        sb, "web.resources.done_changed", id=1
    )
    async with sb.runtime.db.sessions() as session:
        resource = await session.get(Resource, 1)
    assert resource is not None
    assert (resource.contact, resource.hours, resource.active) == (
        "03-0000-0000",
        "水 13:00〜17:00",
        False,
    )

    await nav_to(page, sb, "web.organisation.title")
    assert await page.locator("svg.chart").count() == 4
    table = page.get_by_role("table", name=t(sb, "web.organisation.priority_caption"))
    assert "1" in await table.get_by_role("row", name=t(sb, "web.priority.P1")).inner_text()
    await shot(page, screenshots, f"{engine}-organisation")

    await nav_to(page, sb, "web.audit.title")
    await page.get_by_label(t(sb, "web.audit.action")).select_option("resource.changed")
    await page.get_by_role("button", name=t(sb, "web.audit.apply")).click()
    await page.wait_for_url("**/audit?action=resource.changed*")
    rows = page.get_by_role("table").get_by_role("row")
    assert await rows.count() == 1 + 3  # the header, then contact, hours and active
    await shot(page, screenshots, f"{engine}-audit")

    await nav_to(page, sb, "web.exports.title")
    await shot(page, screenshots, f"{engine}-exports")
    caseload = t(sb, "web.exports.caseload")
    name, body = await download(page, t(sb, "web.exports.csv_link", name=caseload))
    assert name == "tsunagari-caseload-2026-11-23.csv" and body.startswith(b"\xef\xbb\xbf")
    [aiko] = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (aiko["name"], aiko["status"]) == ("Aiko", "active")
    escalations = t(sb, "web.exports.escalations")
    name, body = await download(page, t(sb, "web.exports.json_link", name=escalations))
    assert [e["id"] for e in json.loads(body)] == [escalation.id]
    audit = t(sb, "web.exports.audit")
    name, body = await download(page, t(sb, "web.exports.csv_link", name=audit))
    actions = [r["action"] for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))]
    assert actions[:2] == ["export.downloaded", "export.downloaded"]
    assert "死にたい".encode() not in body
    assert len(await audit_rows(sb, "export.downloaded")) == 3
    assert problems == []


async def test_a_worker_gets_the_refusal_page_on_the_log_and_the_exports(
    sandbox: Sandbox, chromium: Any, screenshots: Path, database_url: str
) -> None:
    sb = sandbox
    engine = "postgres" if database_url.startswith("postgresql") else "sqlite"
    problems: list[str] = []
    base = sb.runtime.settings.web.public_url
    await episode(sb)
    page = await new_page(chromium, problems)
    await sign_in(sb, page, OTHER_WORKER)
    nav = page.get_by_role("navigation", name=t(sb, "web.nav_label"))
    assert await nav.get_by_role("link", name=t(sb, "web.audit.title")).count() == 0
    await nav_to(page, sb, "web.resources.title")
    assert t(sb, "web.resources.coordinators_edit") in await page.inner_text("main")
    await shot(page, screenshots, f"{engine}-resources-worker")
    for path in ("/audit", "/exports", "/exports/caseload.csv", "/organisation"):
        await page.goto(base + path)
        await page.get_by_role("heading", name=t(sb, "web.refused.title")).wait_for()
    await shot(page, screenshots, f"{engine}-refused-organisation")
    refusals = [json.loads(r.detail or "{}") for r in await audit_rows(sb, "command.refused")]
    assert [r["handler"] for r in refusals] == [
        "web.audit",
        "web.exports",
        "web.export",
        "web.organisation",
    ]
    assert await audit_rows(sb, "export.downloaded") == []
    assert problems == []
