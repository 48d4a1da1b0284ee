"""Coordinators' downloads (`/exports`): the caseload, the escalations and the audit log as
CSV or JSON attachments. CSV is UTF-8 with a byte-order mark, so Excel in Japan opens it
as UTF-8 rather than Shift_JIS; lists and objects in a CSV cell are written as JSON.
Every download is audited (`export.downloaded`); a worker gets the 403 page, audited."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from storage.staff import Staff
from usecases.exports import Export, ExportFormat, ExportKind, export_rows
from web.audit import audit_filter
from web.render import SECURITY_HEADERS
from web.staff_pages import StaffPages

if TYPE_CHECKING:
    from web.pages import WebView

__all__ = ["add_routes", "csv_body", "json_body"]

_KINDS = "|".join(k.value for k in ExportKind)
_FORMATS = "|".join(f.value for f in ExportFormat)
_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSON: "application/json"}


def add_routes(app: web.Application, view: WebView) -> None:
    pages = ExportPages(view)
    app.router.add_get("/exports", pages.listing)
    app.router.add_get(f"/exports/{{kind:{_KINDS}}}.{{format:{_FORMATS}}}", pages.download)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def csv_body(export: Export) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow([_cell(row.get(c)) for c in export.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def json_body(export: Export) -> bytes:
    return json.dumps(export.rows, ensure_ascii=False, indent=1).encode("utf-8")


class ExportPages(StaffPages):
    async def listing(self, request: web.Request) -> web.StreamResponse:
        async def page(_session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response:
            return self.page(
                "exports.html", staff, request, kinds=list(ExportKind), current="exports"
            )

        return await self.gated(request, "exports", page, coordinator=True)

    async def download(self, request: web.Request) -> web.StreamResponse:
        kind = ExportKind(request.match_info["kind"])
        form = ExportFormat(request.match_info["format"])
        wanted = audit_filter(request) if kind is ExportKind.AUDIT else None

        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response:
            now = self.svc.clock.now()
            export = await export_rows(session, staff, kind, form, now, wanted)
            day = now.astimezone(ZoneInfo(self.svc.settings.escalation.timezone)).date()
            body = csv_body(export) if form is ExportFormat.CSV else json_body(export)
            response = web.Response(body=body, content_type=_TYPES[form], charset="utf-8")
            response.headers.update(SECURITY_HEADERS)
            name = f"tsunagari-{kind.value}-{day.isoformat()}.{form.value}"
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return response

        return await self.gated(
            request, "export", page, coordinator=True, export=kind.value, format=form.value
        )
