"""The audit log page (`/audit`): coordinators only, newest first, a page at a time,
filtered by action and by person; reading it is audited (`audit.read`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from infra import dates
from storage.staff import Staff
from usecases.audit_view import AuditFilter, audit_page
from web.staff_pages import StaffPages, query_int

if TYPE_CHECKING:
    from web.pages import WebView

__all__ = ["add_routes", "audit_filter"]

MAX_ACTION = 40  # the column's width: anything longer matches nothing


def add_routes(app: web.Application, view: WebView) -> None:
    app.router.add_get("/audit", AuditPages(view).audit)


def audit_filter(request: web.Request) -> AuditFilter:
    """The filter a page or an export was asked for (an empty field filters nothing)."""
    action = request.query.get("action", "").strip()[:MAX_ACTION] or None
    return AuditFilter(action=action, person_id=query_int(request, "person"))


def filter_query(wanted: AuditFilter, **more: object) -> str:
    """The query string that asks for `wanted` again (pages, exports), empty when none."""
    pairs = [("action", wanted.action), ("person", wanted.person_id), *more.items()]
    found = {k: v for k, v in pairs if v}
    return "?" + urlencode(found) if found else ""


class AuditPages(StaffPages):
    def _when(self, language: str) -> Callable[[datetime], str]:
        """An entry's moment with its year: an audit log is read long after."""
        zone = self.svc.settings.escalation.timezone

        def when(value: datetime) -> str:
            separator = " " if language == "ja" else ", "
            local = value.astimezone(ZoneInfo(zone))
            return (
                dates.day_with_year(value, language, zone)
                + separator
                + dates.clock(local, language)
            )

        return when

    async def audit(self, request: web.Request) -> web.StreamResponse:
        wanted = audit_filter(request)
        number = query_int(request, "page", default=1) or 1

        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response:
            found = await audit_page(
                self.svc, session, staff, staff.language, wanted, number, self.svc.clock.now()
            )
            return self.page(
                "audit.html",
                staff,
                request,
                log=found,
                wanted=wanted,
                when=self._when(staff.language),
                previous=filter_query(wanted, page=number - 1 if number > 2 else None)
                if number > 1
                else None,
                following=filter_query(wanted, page=number + 1) if number < found.pages else None,
                exports=filter_query(wanted),
                current="audit",
            )

        return await self.gated(request, "audit", page, coordinator=True)
