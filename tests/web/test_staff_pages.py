"""The resource directory, organisation, audit log and export pages over HTTP against the
real bot and the stand-in (SQLite and PostgreSQL): the chat's roles, refusals audited,
form tokens, the shared resource rules, export contents. In a real browser:
tests/web/test_browser_pages.py."""

from __future__ import annotations

import csv
import io
import json
import re

from standin.sandbox import Sandbox
from storage.resources import Resource
from storage.staff import StaffRepository
from tests.handlers.checkin_helpers import next_message
from tests.web.scenes import COORDINATOR, OTHER_WORKER, WORKER, audit_rows, episode, form_token
from tests.web.test_pages import base, browser, signed_in, t
from web.render import CONTENT_SECURITY_POLICY

COORDINATOR_PAGES = ("/organisation", "/audit", "/exports")
EXPORTS = tuple(
    f"/exports/{k}.{f}" for k in ("caseload", "escalations", "audit") for f in ("csv", "json")
)


def refusal_details(rows: list) -> list[dict[str, object]]:  # type: ignore[type-arg]
    return [json.loads(r.detail or "{}") for r in rows]


async def test_a_worker_reads_the_directory_and_is_refused_the_coordinators_pages(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    await episode(sb)
    async with browser() as http:
        queue = await signed_in(sb, http, WORKER)
        assert 'href="/resources"' in queue and 'href="/audit"' not in queue
        async with http.get(base(sb) + "/resources") as page:
            assert page.status == 200
            html = await page.text()
        assert t(sb, "web.resources.empty") in html
        assert (
            t(sb, "web.resources.coordinators_edit") in html and 'action="/resources"' not in html
        )
        for path in (*COORDINATOR_PAGES, *EXPORTS, "/resources/1"):
            async with http.get(base(sb) + path) as refused:
                assert refused.status == 403, path
                assert t(sb, "web.refused.title") in await refused.text()
                assert "Content-Disposition" not in refused.headers
        data = {"csrf": form_token(html), "name": "フードバンク東", "kind": "food"}
        async with http.post(base(sb) + "/resources", data=data) as refused:
            assert refused.status == 403
    async with sb.runtime.db.sessions() as session:
        assert await session.get(Resource, 1) is None
    details = refusal_details(await audit_rows(sb, "command.refused"))
    handlers = [d["handler"] for d in details]
    assert handlers == [
        "web.organisation",
        "web.audit",
        "web.exports",
        *["web.export"] * 6,
        "web.resource_edit",
        "web.resource_add",
    ]
    assert all(d["cause"] == "role" for d in details)
    assert [(d["export"], d["format"]) for d in details if d["handler"] == "web.export"] == [
        (k, f) for k in ("caseload", "escalations", "audit") for f in ("csv", "json")
    ]
    assert await audit_rows(sb, "export.downloaded") == []
    assert await audit_rows(sb, "audit.read") == []


async def test_a_coordinator_adds_and_edits_a_resource_with_the_chats_rules(
    sandbox: Sandbox,
) -> None:
    sb = sandbox
    await episode(sb)
    url = base(sb) + "/resources"
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        async with http.get(url) as page:
            html = await page.text()
        token = form_token(html)
        good = {"name": "フードバンク東", "kind": "food", "area": "東区", "active": "true"}
        async with http.post(url, data=good) as no_token:
            assert no_token.status == 403
        for bad, problem in (
            ({**good, "name": "  "}, "web.resources.problem_empty"),
            ({**good, "url": "x" * 501}, "web.resources.problem_too_long"),
            ({**good, "kind": "shop"}, "web.resources.problem_unknown_kind"),
        ):
            async with http.post(url, data={"csrf": token, **bad}) as refused:
                assert refused.status == 200
                text = await refused.text()
            assert t(sb, "web.resources.not_saved") in text
            assert t(sb, problem, max=500) in text and 'aria-invalid="true"' in text
        async with http.post(url, data={"csrf": token, **good}) as added:
            assert added.status == 200 and added.url.path == "/resources"
            html = await added.text()
        assert t(sb, "web.resources.done_added", id=1) in html
        assert t(sb, "resource_kind.food") in html and "東区" in html

        async with http.get(url + "/1") as form:
            assert 'value="フードバンク東"' in await form.text()
        changed = {
            "csrf": token,
            "name": "フードバンク東",
            "kind": "place",
            "area": "",
            "notes": "毎週水曜",
        }
        async with http.post(url + "/1", data=changed) as saved:
            assert saved.url.path == "/resources"
            html = await saved.text()
        assert t(sb, "web.resources.done_changed", id=1) in html
        assert t(sb, "web.resources.inactive") in html and t(sb, "resource_kind.place") in html
        async with http.post(url + "/1", data={**changed, "name": ""}) as refused:
            assert t(sb, "web.resources.problem_empty") in await refused.text()

    async with sb.runtime.db.sessions() as session:
        resource = await session.get(Resource, 1)
    assert resource is not None
    assert (resource.name, resource.kind.value, resource.area, resource.notes, resource.active) == (
        "フードバンク東",
        "place",
        None,
        "毎週水曜",
        False,
    )
    # The same audit entries as /resource add|edit in the chat: one per changed field.
    assert [json.loads(r.detail or "{}") for r in await audit_rows(sb, "resource.added")] == [
        {"resource_id": 1}
    ]
    fields = [
        json.loads(r.detail or "{}")["field"] for r in await audit_rows(sb, "resource.changed")
    ]
    assert sorted(fields) == ["active", "area", "kind", "notes"]
    [csrf] = refusal_details(await audit_rows(sb, "command.refused"))
    assert csrf == {"cause": "csrf", "handler": "web.resource_add", "refusal": "web.refused"}
    # The chat's directory shows the change: it is the same row.
    await sb.user(OTHER_WORKER, "Mori").send_command("resources")
    listed = await next_message(sb, OTHER_WORKER, lambda m: "フードバンク東" in (m.text or ""))
    assert t(sb, "resource_kind.place") in (listed.text or "")


async def test_the_organisation_page_draws_the_stats_figures(sandbox: Sandbox) -> None:
    sb = sandbox
    await episode(sb)
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        async with http.get(base(sb) + "/org", allow_redirects=True) as page:
            assert page.status == 200 and page.url.path == "/organisation"
            assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            html = await page.text()
    assert html.count("<svg") == 4 and html.count("<table") == 4
    assert "style=" not in html and "<script" not in html
    assert 'role="img"' in html and "<caption>" in html
    # Aiko is active, her episode is an open P1; each count is in a table cell.
    assert f'<th scope="row">{t(sb, "status.active")}</th><td>1</td>' in html
    assert f'<th scope="row">{t(sb, "web.priority.P1")}</th><td>1</td>' in html
    assert 'aria-current="page"' in html


async def test_the_audit_log_filters_pages_and_audits_its_reading(sandbox: Sandbox) -> None:
    sb = sandbox
    escalation, _notice = await episode(sb)
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        async with http.get(base(sb) + "/audit") as page:
            html = await page.text()
        assert "web.signed_in" in html and t(sb, "web.audit.title") in html
        person = escalation.person_id
        async with http.get(base(sb) + f"/audit?action=web.signed_in&person={person}") as none:
            assert t(sb, "web.audit.empty") in await none.text()
        async with http.get(base(sb) + "/audit?action=web.signed_in") as only:
            text = await only.text()
        assert t(sb, "web.audit.count", count=1, page=1, pages=1) in text
        for _ in range(60):  # more than a page of reads
            async with http.get(base(sb) + "/audit?action=audit.read&page=1"):
                pass
        async with http.get(base(sb) + "/audit?action=audit.read&page=2") as second:
            text = await second.text()
        assert t(sb, "web.audit.count", count=63, page=2, pages=2) in text
        assert 'href="/audit?action=audit.read"' in text  # back to the first page
    reads = refusal_details(await audit_rows(sb, "audit.read"))
    assert reads[0]["page"] == 1 and "action" not in reads[0] and reads[0]["shown"] > 3
    assert reads[1] == {"action": "web.signed_in", "person_id": person, "page": 1, "shown": 0}
    assert len(reads) == 64


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    return list(csv.DictReader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"))))


async def test_exports_download_the_rows_without_message_text(sandbox: Sandbox) -> None:
    sb = sandbox
    escalation, _notice = await episode(sb)
    bodies: dict[str, bytes] = {}
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        async with http.get(base(sb) + "/exports") as page:
            html = await page.text()
        for path in EXPORTS:
            assert f'href="{path}"' in html
            async with http.get(base(sb) + path) as download:
                assert download.status == 200
                name = path.rsplit("/", 1)[1].replace(".", "-2026-11-23.")
                assert download.headers["Content-Disposition"] == (
                    f'attachment; filename="tsunagari-{name}"'
                )
                assert download.charset == "utf-8"
                bodies[path] = await download.read()
        async with http.get(base(sb) + "/exports/audit.csv?action=web.signed_in") as only:
            signed = _csv_rows(await only.read())
    for body in bodies.values():
        assert "死にたい".encode() not in body  # the message that opened the episode
    [aiko] = _csv_rows(bodies["/exports/caseload.csv"])
    assert (aiko["id"], aiko["name"], aiko["status"]) == (
        str(escalation.person_id),
        "Aiko",
        "active",
    )
    assert json.loads(bodies["/exports/caseload.json"])[0]["name"] == "Aiko"
    [episode_row] = json.loads(bodies["/exports/escalations.json"])
    assert episode_row["id"] == escalation.id and episode_row["priority"] == "P1"
    assert episode_row["state"] == "open" and episode_row["reasons"] == ["distress"]
    [csv_episode] = _csv_rows(bodies["/exports/escalations.csv"])
    assert json.loads(csv_episode["reasons"]) == ["distress"]
    audit = json.loads(bodies["/exports/audit.json"])
    assert audit[0]["action"] == "export.downloaded"  # the csv download, just before
    assert {r["action"] for r in audit} >= {"web.signed_in", "web.link_created"}
    assert [r["action"] for r in signed] == ["web.signed_in"]
    downloads = refusal_details(await audit_rows(sb, "export.downloaded"))
    assert [(d["export"], d["format"]) for d in downloads] == [
        *((k, f) for k in ("caseload", "escalations", "audit") for f in ("csv", "json")),
        ("audit", "csv"),
    ]
    assert downloads[0]["rows"] == 1 and downloads[-1] == {
        "action": "web.signed_in",
        "export": "audit",
        "format": "csv",
        "rows": 1,
    }


KANA = re.compile(r"[\u3040-\u30ff]")


async def test_the_pages_speak_the_staff_members_language(sandbox: Sandbox) -> None:
    sb = sandbox
    await episode(sb)
    async with sb.runtime.db.transaction() as session:
        staff = await StaffRepository(session).by_telegram_id(COORDINATOR)
        assert staff is not None
        staff.language = "en"
    async with browser() as http:
        await signed_in(sb, http, COORDINATOR)
        for path, key in (
            ("/resources", "web.resources.title"),
            ("/organisation", "web.organisation.title"),
            ("/audit", "web.audit.title"),
            ("/exports", "web.exports.title"),
        ):
            async with http.get(base(sb) + path) as page:
                html = await page.text()
            assert '<html lang="en">' in html
            assert f"<h1>{sb.runtime.svc.text('en', key)}</h1>" in html
            assert KANA.findall(html) == [], path
