"""The web view in a real browser (Debian's Chromium via Playwright) against the real bot
and the stand-in, on SQLite and PostgreSQL: /web → link → the queue shows the episode
just opened → acknowledge in the page → the chat shows it acknowledged; a used or expired
link, a forged initData, no session, and another worker's episode are refused. No page
breaks the Content-Security-Policy, and axe-core (injected through the DevTools protocol)
finds no serious or critical accessibility violation on any page. Screenshots go to the
run's temporary output."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from axe_playwright_python.async_playwright import Axe

from domain.escalation import EscalationState
from infra.clock import ControllableClock
from standin.sandbox import Sandbox
from storage.escalations import Escalation
from tests.web.scenes import (
    OTHER_WORKER,
    WORKER,
    audit_rows,
    episode,
    mini_app_data,
    moods_tie_and_review,
    sign_in_link,
)

pytestmark = pytest.mark.slow


def t(sb: Sandbox, key: str, /, **params: object) -> str:
    return sb.runtime.svc.text("ja", key, **params)


REFUSAL_STATUS = "the server responded with a status of 403"


async def new_page(chromium: Any, problems: list[str]) -> Any:
    """A page in a fresh context (its own cookies), phone-sized; console errors (a policy
    violation is one) are collected in `problems`, except the 403 of a refusal page."""
    context = await chromium.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = await context.new_page()

    def console(message: Any) -> None:
        if message.type == "error" and REFUSAL_STATUS not in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


async def shot(page: Any, folder: Path, name: str) -> None:
    """A screenshot of the page, after axe-core finds no serious or critical violation."""
    results = await Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def sign_in(sb: Sandbox, page: Any, telegram_id: int) -> str:
    link = await sign_in_link(sb, telegram_id)
    await page.goto(link)
    await page.get_by_role("button", name=t(sb, "web.login.button")).click()
    await page.wait_for_url("**/queue")
    return link


async def test_web_link_queue_acknowledge_and_the_chat_shows_it(
    sandbox: Sandbox, chromium: Any, screenshots: Path, database_url: str
) -> None:
    sb = sandbox
    engine = "postgres" if database_url.startswith("postgresql") else "sqlite"
    problems: list[str] = []
    page = await new_page(chromium, problems)
    base = sb.runtime.settings.web.public_url
    await page.goto(base + "/queue")
    await page.get_by_role("heading", name=t(sb, "web.signin.title")).wait_for()
    assert t(sb, "web.signin.step_send") in await page.inner_text("main")
    await shot(page, screenshots, f"{engine}-signin")

    escalation, notice = await episode(sb)
    link = await sign_in(sb, page, WORKER)
    episode_heading = t(sb, "web.queue.heading", id=escalation.id, person="Aiko")
    article = page.get_by_role("article", name=episode_heading, exact=False)
    await article.wait_for()
    assert t(sb, "web.priority.P1") in await article.inner_text()
    await shot(page, screenshots, f"{engine}-queue")

    await page.get_by_role("button", name=t(sb, "web.queue.acknowledge", id=escalation.id)).click()
    await page.get_by_role("status").wait_for()
    assert await page.get_by_role("status").inner_text() == t(
        sb, "web.done.acknowledged", id=escalation.id
    )
    await shot(page, screenshots, f"{engine}-acknowledged")
    edited = await sb.standin.wait_for_edit(WORKER, lambda m: m.message_id == notice.message_id)
    assert t(sb, "escalation.acknowledged_by", by="Sato") in (edited.text or "")

    assert escalation.person_id is not None
    await moods_tie_and_review(sb, escalation.person_id, [2, 3, 4, 2])
    await page.get_by_role("link", name=t(sb, "web.caseload.title")).click()
    await page.get_by_role("heading", name=t(sb, "web.caseload.heading", person="Aiko")).wait_for()
    moods = "、".join(t(sb, f"mood.{m}") for m in ("good", "okay", "low", "good"))
    await page.get_by_role("img", name=t(sb, "web.caseload.moods_alt", moods=moods)).wait_for()
    await shot(page, screenshots, f"{engine}-caseload")

    # The same link again, in a fresh browser: refused.
    again = await new_page(chromium, problems)
    await again.goto(link)
    await again.get_by_role("button", name=t(sb, "web.login.button")).click()
    await again.get_by_role("heading", name=t(sb, "web.link_refused.title")).wait_for()
    await shot(again, screenshots, f"{engine}-link-used")
    assert problems == []


async def test_expired_link_forged_init_data_and_another_workers_episode(
    sandbox: Sandbox,
    chromium: Any,
    screenshots: Path,
    clock: ControllableClock,
    database_url: str,
) -> None:
    sb = sandbox
    engine = "postgres" if database_url.startswith("postgresql") else "sqlite"
    problems: list[str] = []
    base = sb.runtime.settings.web.public_url
    escalation, _notice = await episode(sb)

    expired = await new_page(chromium, problems)
    link = await sign_in_link(sb, WORKER)
    clock.advance(timedelta(minutes=10))
    await expired.goto(link)
    await expired.get_by_role("button", name=t(sb, "web.login.button")).click()
    await expired.get_by_role("heading", name=t(sb, "web.link_refused.title")).wait_for()

    # The Mini App page posts what Telegram put in its address; a forgery is refused.
    now = int(clock.now().timestamp())
    forged = await new_page(chromium, problems)
    await forged.goto(f"{base}/app#{telegram_fragment(mini_app_data(WORKER, now, '1:forged'))}")
    await forged.get_by_role("heading", name=t(sb, "web.miniapp_refused.title")).wait_for()
    await shot(forged, screenshots, f"{engine}-miniapp-refused")
    signed = await new_page(chromium, problems)
    await signed.goto(f"{base}/app#{telegram_fragment(mini_app_data(WORKER, now))}")
    await signed.wait_for_url("**/queue")
    assert f"#{escalation.id}" in await signed.inner_text("main")

    # Mori signs in; a form for Sato's episode (made by hand) gets the refusal page.
    other = await new_page(chromium, problems)
    await sign_in(sb, other, OTHER_WORKER)
    assert t(sb, "web.queue.empty") in await other.inner_text("main")
    token = await other.get_attribute('form.signout input[name="csrf"]', "value")
    action = f"/queue/{escalation.id}/acknowledge"
    await other.evaluate(SUBMIT_BY_HAND, json.dumps({"action": action, "csrf": token}))
    await other.get_by_role("heading", name=t(sb, "web.refused.title")).wait_for()
    await shot(other, screenshots, f"{engine}-refused")
    async with sb.runtime.db.sessions() as session:
        row = await session.get(Escalation, escalation.id)
    assert row is not None and row.state is EscalationState.OPEN
    [refusal] = await audit_rows(sb, "command.refused")
    assert json.loads(refusal.detail or "{}")["escalation_id"] == escalation.id
    assert problems == []


def telegram_fragment(init_data: str) -> str:
    """The address fragment Telegram opens a Mini App with: initData encoded once more."""
    return urlencode({"tgWebAppData": init_data, "tgWebAppVersion": "9.1"}, quote_via=quote)


# Run through the DevTools protocol (not a script of the page, which the policy forbids).
SUBMIT_BY_HAND = """(given) => {
  const data = JSON.parse(given);
  const form = document.createElement("form");
  form.method = "post";
  form.action = data.action;
  const csrf = document.createElement("input");
  csrf.type = "hidden"; csrf.name = "csrf"; csrf.value = data.csrf;
  form.append(csrf);
  document.body.append(form);
  form.submit();
}"""
