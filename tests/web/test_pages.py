"""The web view over HTTP against the real bot and the stand-in (SQLite and PostgreSQL):
signing in with /web's link and the Mini App's initData, the queue's forms, refusals,
security headers. The same flows in a real browser: tests/web/test_browser.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp

from domain.escalation import EscalationState
from domain.people import StaffRole
from infra.clock import ControllableClock
from standin.sandbox import Sandbox
from storage.escalations import Escalation
from tests.handlers.checkin_helpers import next_message
from tests.web.scenes import (
    COORDINATOR,
    OTHER_WORKER,
    WORKER,
    audit_rows,
    episode,
    form_token,
    mini_app_data,
    moods_tie_and_review,
    sign_in_link,
)
from web.render import CONTENT_SECURITY_POLICY


def base(sb: Sandbox) -> str:
    return sb.runtime.settings.web.public_url


def t(sb: Sandbox, key: str, /, **params: object) -> str:
    return sb.runtime.svc.text("ja", key, **params)


@asynccontextmanager
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps cookies for 127.0.0.1 and does not follow redirects by itself."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield http


async def signed_in(sb: Sandbox, http: aiohttp.ClientSession, telegram_id: int) -> str:
    """Sign in through /web's link; returns the queue page's HTML."""
    link = await sign_in_link(sb, telegram_id)
    async with http.get(link) as page:
        assert page.status == 200
        token = form_token(await page.text())
    async with http.post(link, data={"csrf": token}, allow_redirects=False) as signed:
        assert signed.status == 303 and signed.headers["Location"] == "/queue"
        cookie = signed.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("tsunagari_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http here; https sets it
    async with http.get(base(sb) + "/queue") as queue:
        assert queue.status == 200
        return await queue.text()


async def test_without_a_session_the_page_says_how_to_sign_in(sandbox: Sandbox) -> None:
    sb = sandbox
    async with browser() as http, http.get(base(sb) + "/queue") as response:
        assert response.status == 200
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        html = await response.text()
    assert t(sb, "web.signin.step_send") in html
    assert '<html lang="ja">' in html and "<main" in html and "<script" not in html
    assert "style=" not in html  # no inline style: the policy would block it


async def test_a_link_signs_in_once_and_the_queue_acknowledges(sandbox: Sandbox) -> None:
    sb = sandbox
    escalation, notice = await episode(sb)
    async with browser() as http:
        link = await sign_in_link(sb, WORKER)
        # Opening the page (as a link preview would) does not spend the link; a post
        # without the page's form token is refused.
        async with http.post(link, data={"csrf": "x"}, allow_redirects=False) as forged:
            assert forged.status == 403
        html = await signed_in_with(sb, http, link)
        assert f"#{escalation.id}" in html and "Aiko" in html
        assert t(sb, "web.priority.P1") in html
        async with http.get(link) as again:
            token = form_token(await again.text())
        async with http.post(link, data={"csrf": token}, allow_redirects=False) as used:
            assert used.status == 403
            assert t(sb, "web.link_refused.title") in await used.text()

        ack = f"{base(sb)}/queue/{escalation.id}/acknowledge"
        async with http.post(ack, data={"csrf": "wrong"}, allow_redirects=False) as no_token:
            assert no_token.status == 403
        async with http.post(ack, data={"csrf": form_token(html)}) as done:
            assert done.status == 200 and done.url.path == "/queue"
            assert t(sb, "web.done.acknowledged", id=escalation.id) in await done.text()

    edited = await sb.standin.wait_for_edit(WORKER, lambda m: m.message_id == notice.message_id)
    assert t(sb, "escalation.acknowledged_by", by="Sato") in (edited.text or "")
    async with sb.runtime.db.sessions() as session:
        row = await session.get(Escalation, escalation.id)
    assert row is not None and row.state is EscalationState.ACKNOWLEDGED
    refusals = await audit_rows(sb, "command.refused")
    assert [r.detail for r in refusals] == [
        '{"cause": "csrf", "handler": "web.acknowledge", "refusal": "web.refused"}'
    ]


async def signed_in_with(sb: Sandbox, http: aiohttp.ClientSession, link: str) -> str:
    async with http.get(link) as page:
        token = form_token(await page.text())
    async with http.post(link, data={"csrf": token}) as queue:
        assert queue.status == 200 and queue.url.path == "/queue"
        return await queue.text()


async def test_an_expired_link_is_refused(sandbox: Sandbox, clock: ControllableClock) -> None:
    sb = sandbox
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    link = await sign_in_link(sb, WORKER)
    clock.advance(timedelta(minutes=10))
    async with browser() as http:
        async with http.get(link) as page:
            token = form_token(await page.text())
        async with http.post(link, data={"csrf": token}) as expired:
            assert expired.status == 403
    assert len(await audit_rows(sb, "web.sign_in_refused")) == 1


async def test_another_workers_episode_is_refused_and_audited(sandbox: Sandbox) -> None:
    sb = sandbox
    escalation, _notice = await episode(sb)
    async with browser() as http:
        html = await signed_in(sb, http, OTHER_WORKER)
        assert f"#{escalation.id}" not in html
        assert t(sb, "web.queue.empty") in html
        for action, data in (
            ("acknowledge", {}),
            ("resolve", {"outcome": "contacted", "note": "x"}),
        ):
            url = f"{base(sb)}/queue/{escalation.id}/{action}"
            async with http.post(url, data={"csrf": form_token(html), **data}) as refused:
                assert refused.status == 403
                assert t(sb, "web.refused.title") in await refused.text()
    async with sb.runtime.db.sessions() as session:
        row = await session.get(Escalation, escalation.id)
    assert row is not None and row.state is EscalationState.OPEN
    refusals = await audit_rows(sb, "command.refused")
    assert [r.detail for r in refusals] == [
        f'{{"escalation_id": {escalation.id}, "handler": "web.{action}", "refusal": "web.refused"}}'
        for action in ("acknowledge", "resolve")
    ]


async def test_resolving_in_the_page_with_an_outcome_and_a_note(sandbox: Sandbox) -> None:
    sb = sandbox
    escalation, notice = await episode(sb)
    async with browser() as http:
        html = await signed_in(sb, http, WORKER)
        url = f"{base(sb)}/queue/{escalation.id}/resolve"
        data = {"csrf": form_token(html), "outcome": "met_in_person", "note": "会って話せた"}
        async with http.post(url, data=data) as done:
            page = await done.text()
    assert t(sb, "web.done.resolved", id=escalation.id) in page
    assert t(sb, "web.queue.empty") in page
    edited = await sb.standin.wait_for_edit(WORKER, lambda m: m.message_id == notice.message_id)
    outcome = t(sb, "outcome.met_in_person")
    assert t(sb, "escalation.resolved_by", by="Sato", outcome=outcome) in (edited.text or "")


async def test_mini_app_signs_in_with_signed_init_data_only(sandbox: Sandbox) -> None:
    sb = sandbox
    await episode(sb)
    now = int(sb.runtime.svc.clock.now().timestamp())
    async with browser() as http:
        async with http.get(base(sb) + "/app") as page:
            token = form_token(await page.text())
        signin = base(sb) + "/app/signin"
        for forged in (
            mini_app_data(WORKER, now, token="7000000001:another-bots-token"),
            mini_app_data(WORKER, now - 2 * 3600),
            mini_app_data(4242, now),
        ):
            async with http.post(signin, data={"csrf": token, "init_data": forged}) as refused:
                assert refused.status == 403
        good = mini_app_data(WORKER, now)
        async with http.post(signin, data={"csrf": "x", "init_data": good}) as no_form:
            assert no_form.status == 403
        async with http.post(signin, data={"csrf": token, "init_data": good}) as signed:
            assert signed.status == 200 and "Aiko" in await signed.text()
    assert len(await audit_rows(sb, "web.sign_in_refused")) == 3


async def test_deactivation_ends_the_web_session(sandbox: Sandbox) -> None:
    sb = sandbox
    await episode(sb)
    async with browser() as http:
        await signed_in(sb, http, OTHER_WORKER)
        await sb.user(COORDINATOR, "Ito").send_command("deactivate", str(OTHER_WORKER))
        await next_message(sb, COORDINATOR, lambda m: "Mori" in (m.text or ""))
        await sb.settle()
        async with http.get(base(sb) + "/queue") as page:
            assert t(sb, "web.signin.step_send") in await page.text()


async def test_caseload_lists_the_workers_people_and_is_audited(sandbox: Sandbox) -> None:
    sb = sandbox
    escalation, _ = await episode(sb)
    assert escalation.person_id is not None
    review_at = await moods_tie_and_review(sb, escalation.person_id, [2, 2, 4, 5])
    async with browser() as http:
        await signed_in(sb, http, WORKER)
        async with http.get(base(sb) + "/caseload") as page:
            html = await page.text()
    assert t(sb, "web.caseload.heading", person="Aiko") in html
    # Issue 14: a mood sparkline (named in words), the ties and the next review date.
    moods = "、".join(t(sb, f"mood.{m}") for m in ("good", "good", "low", "bad"))
    assert f'aria-label="{t(sb, "web.caseload.moods_alt", moods=moods)}"' in html
    assert 'points="4,10 41.3,10 78.7,22 116,28"' in html
    assert "フードバンク東" in html
    assert sb.runtime.svc.staff_time(review_at) in html
    assert t(sb, "status.active") in html
    assert 'href="/caseload" aria-current="page"' in html
    async with browser() as http:
        await signed_in(sb, http, OTHER_WORKER)
        async with http.get(base(sb) + "/caseload") as page:
            other = await page.text()
    assert "Aiko" not in other and t(sb, "web.caseload.empty") in other
    assert len(await audit_rows(sb, "people.list")) == 2
    async with browser() as http, http.get(base(sb) + "/caseload") as page:
        assert t(sb, "web.signin.step_send") in await page.text()
