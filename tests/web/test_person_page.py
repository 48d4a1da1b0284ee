"""The person page over HTTP against the real bot and the stand-in (SQLite and PostgreSQL):
the picture and the same events in words, notes and ties; another worker's refusal,
audited; coordinators change the schedule through /schedule's rules; both languages;
and /person in the chat sends the picture as a PNG through the outbox."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from standin.sandbox import Sandbox
from storage.outbox import OutboxKind, OutboxMessage
from storage.people import Person
from tests.handlers.checkin_helpers import advance, next_message
from tests.web.person_scene import PERSON, life, speaks
from tests.web.scenes import COORDINATOR, OTHER_WORKER, WORKER, audit_rows, form_token
from tests.web.test_pages import base, browser, signed_in


def t(sb: Sandbox, key: str, /, language: str = "ja", **params: object) -> str:
    return sb.runtime.svc.text(language, key, **params)


async def test_the_person_page_draws_the_life_and_lists_its_events(sandbox: Sandbox) -> None:
    sb = sandbox
    scene = await life(sb)
    async with browser() as http:
        await signed_in(sb, http, WORKER)
        async with http.get(f"{base(sb)}/caseload") as caseload:
            assert f'href="/people/{scene.person_id}"' in await caseload.text()
        async with http.get(f"{base(sb)}/people/{scene.person_id}") as response:
            assert response.status == 200
            html = await response.text()
    assert "<script" not in html and "style=" not in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="ll-life"') == 2 and svg.count('class="ll-band"') == 2  # the pause
    assert 'class="ll-gap"' in svg and re.search(r'class="ll-episode ll-p[123]"', svg)
    assert 'class="ll-tie ll-active"' in svg and 'class="ll-silence"' in svg
    assert re.search(r'<text class="ll-tick"[^>]*>\d{2}-\d{2}</text>', svg)
    events = html[html.index('id="events"') :]
    for expected in (
        t(sb, "web.person.mood_count", mood=t(sb, "mood.good"), count=1),
        t(sb, "web.person.mood_count", mood=t(sb, "mood.low"), count=1),
        t(sb, "web.person.no_reply"),
        t(sb, "web.person.event.tie_active", resource="居場所カフェ"),
        t(sb, "web.person.event.paused"),
        t(sb, "web.person.event.resumed"),
        t(sb, "web.person.paused_stretch"),
        t(
            sb,
            "web.person.event.escalation_opened",
            id=scene.escalation_id,
            reason=t(sb, "reason.silence"),
            priority=t(sb, "web.priority.P2"),
        ),
    ):
        assert expected in events, expected
    assert "電話で話せた" in html  # the note
    assert "ごめんなさい" not in html  # message text never
    assert t(sb, "web.person.change") not in html  # workers do not change schedules
    [read] = [r for r in await audit_rows(sb, "person.read") if r.person_id == scene.person_id]
    assert read.actor_staff_id is not None


async def test_another_worker_gets_the_refusal_page_audited(sandbox: Sandbox) -> None:
    sb = sandbox
    scene = await life(sb)
    async with browser() as http:
        await signed_in(sb, http, OTHER_WORKER)
        async with http.get(f"{base(sb)}/people/{scene.person_id}") as response:
            assert response.status == 403
            html = await response.text()
        async with http.get(f"{base(sb)}/people/{PERSON}") as by_telegram_id:
            assert by_telegram_id.status == 403
    assert t(sb, "web.refused.title") in html and "Aiko" not in html
    refusals = await audit_rows(sb, "command.refused")
    assert [json.loads(r.detail or "{}") for r in refusals] == [
        {"handler": "web.person", "person_id": number, "refusal": "web.refused"}
        for number in (scene.person_id, PERSON)
    ]
    assert await audit_rows(sb, "person.read") == []  # nothing was read


async def test_coordinators_change_the_schedule_as_schedule_does(sandbox: Sandbox) -> None:
    sb = sandbox
    scene = await life(sb)
    url = f"{base(sb)}/people/{scene.person_id}"
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        async with http.get(url) as page:
            html = await page.text()
        form = {
            "csrf": form_token(html),
            "times": "10:00,19:30",
            "days": "weekdays",
            "timezone": "Asia/Tokyo",
            "quiet": re.search(r'name="quiet" value="([^"]*)"', html).group(1),  # type: ignore[union-attr]
            "nudge": "6h",
            "escalate": "2d",
            "tightest": "closest",
            "loosest": "loose",
        }
        async with http.post(url + "/schedule", data=form) as saved:
            assert saved.status == 200 and saved.url.query.get("saved") == "1"
            assert t(sb, "web.person.saved") in await saved.text()
        bad = {**form, "times": "25:00", "nudge": "3d"}
        async with http.post(url + "/schedule", data=bad) as refused:
            assert refused.status == 422
            page = await refused.text()
        assert t(sb, "args.bad", value="25:00", form=t(sb, "args.form.times")) in page
        async with http.post(url + "/schedule", data={**form, "csrf": "x"}) as forged:
            assert forged.status == 403
    async with sb.runtime.db.sessions() as session:
        person = await session.get(Person, scene.person_id)
    assert person is not None
    assert (person.checkin_times, person.checkin_days) == ("10:00,19:30", "weekdays")
    changed = await audit_rows(sb, "schedule.changed")
    assert [json.loads(r.detail or "{}")["field"] for r in changed] == ["times", "days"]
    assert all(json.loads(r.detail or "{}")["via"] == "web" for r in changed)

    # A worker's form (made by hand) is refused and audited; nothing changes.
    async with browser() as http:
        html = await signed_in(sb, http, WORKER)
        data = {**form, "csrf": form_token(html), "times": "08:00"}
        async with http.post(url + "/schedule", data=data) as refused:
            assert refused.status == 403
    refusals = await audit_rows(sb, "command.refused")
    causes = [json.loads(r.detail or "{}").get("cause") for r in refusals]
    assert causes == ["csrf", "role"]


async def test_the_page_speaks_the_staff_members_language(sandbox: Sandbox) -> None:
    sb = sandbox
    scene = await life(sb)
    await speaks(sb, COORDINATOR, "en")
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        async with http.get(f"{base(sb)}/people/{scene.person_id}") as response:
            html = await response.text()
    assert '<html lang="en">' in html
    assert t(sb, "web.person.event.tie_active", "en", resource="居場所カフェ") in html
    assert t(sb, "web.person.change", "en") in html
    assert t(sb, "web.person.picture", "ja") not in html


async def test_person_in_the_chat_sends_the_picture_as_a_png(sandbox: Sandbox) -> None:
    sb = sandbox
    scene = await life(sb)
    await sb.user(WORKER, "Sato").send_command("person", str(scene.person_id))
    photo = await next_message(sb, WORKER, lambda m: m.photo is not None)
    assert photo.photo is not None and photo.photo.filename == "timeline.png"
    assert photo.photo.size is not None and 1_000 < photo.photo.size < 200_000
    assert (photo.caption or "").startswith("Aikoさん（ID")
    assert sb.standin.violations == []
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.SEND_PHOTO)
            )
        ).scalars()
        [row] = list(rows)
    assert row.telegram_message_id == photo.message_id
    reads = await audit_rows(sb, "person.read")
    assert [r.person_id for r in reads] == [scene.person_id]


async def test_the_picture_is_retried_like_every_send(sandbox: Sandbox) -> None:
    """A failed upload (a 502) stays in the outbox and goes out on the retry, once."""
    sb = sandbox
    scene = await life(sb)
    sb.standin.faults.add("sendPhoto", "server_error", count=1)
    await sb.user(WORKER, "Sato").send_command("person", str(scene.person_id))
    await sb.settle()
    assert [m for m in sb.standin.messages_to(WORKER) if m.photo is not None] == []
    await advance(sb, timedelta(minutes=2))
    photo = await next_message(sb, WORKER, lambda m: m.photo is not None)
    await sb.settle()
    async with sb.runtime.db.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.SEND_PHOTO)
        [row] = list((await session.execute(query)).scalars())
    assert row.attempts == 2 and row.telegram_message_id == photo.message_id
    assert len([m for m in sb.standin.messages_to(WORKER) if m.photo is not None]) == 1
