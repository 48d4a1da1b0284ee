"""The organisation page (`/organisation`): the figures of /stats and the weekly digest as
bar charts drawn on the server (SVG, no script), each with its numbers in a table.

Coordinators only, as /stats and the digest are; a worker gets the 403 page, audited.
The charts use SVG presentation attributes and classes from the stylesheet, never a
style attribute, so the Content-Security-Policy stays as strict as every other page's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from storage.staff import Staff
from usecases.organisation_view import Series, organisation
from web.staff_pages import StaffPages

if TYPE_CHECKING:
    from web.pages import WebView

__all__ = ["CHART_WIDTH", "Bar", "Chart", "add_routes", "chart"]

CHART_WIDTH = 320  # the drawing's own units; the stylesheet scales it to the column
BAR_AREA = 260  # the longest bar, leaving room for its number after it
ROW = 44  # a label line above each bar, the bar, a gap
BAR_HEIGHT = 16


def add_routes(app: web.Application, view: WebView) -> None:
    pages = OrganisationPages(view)
    app.router.add_get("/organisation", pages.organisation)
    app.router.add_get("/org", pages.short)


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    y: int  # the label's baseline; the bar sits below it
    width: int


@dataclass(frozen=True)
class Chart:
    name: str  # the id its title and table are named by
    bars: list[Bar]
    height: int
    bar_height: int = BAR_HEIGHT
    width: int = CHART_WIDTH


def chart(name: str, series: Series, words: dict[str, str]) -> Chart:
    """Bars as long as their share of the largest value (a zero still shows a sliver)."""
    largest = series.largest
    bars = [
        Bar(
            key=key,
            label=words[key],
            value=value,
            y=i * ROW + 14,
            width=max(2, round(BAR_AREA * value / largest)) if largest else 2,
        )
        for i, (key, value) in enumerate(series.values)
    ]
    return Chart(name=name, bars=bars, height=len(bars) * ROW)


class OrganisationPages(StaffPages):
    async def short(self, _request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/organisation")

    async def organisation(self, request: web.Request) -> web.StreamResponse:
        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response:
            language = staff.language
            found = await organisation(self.svc, session, language, self.svc.clock.now())

            def words(prefix: str, series: Series) -> dict[str, str]:
                return {k: self.svc.text(language, f"{prefix}.{k}") for k, _ in series.values}

            charts = [
                chart("status", found.by_status, words("status", found.by_status)),
                chart("replies", found.replies, words("web.organisation.reply", found.replies)),
                chart(
                    "priority",
                    found.open_by_priority,
                    words("web.priority", found.open_by_priority),
                ),
                chart(
                    "acknowledge",
                    found.acknowledgement,
                    words("web.organisation.ack_bucket", found.acknowledgement),
                ),
            ]
            return self.page(
                "organisation.html",
                staff,
                request,
                found=found,
                charts=charts,
                current="organisation",
            )

        return await self.gated(request, "organisation", page, coordinator=True)
