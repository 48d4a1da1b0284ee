"""The resource directory page (`/resources`): every staff member reads it, as /resources
in the chat; coordinators add and edit, as /resource add|edit, through the same use cases
and rules (`usecases.directory_view`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ties import RESOURCE_LIMITS, ResourceKind
from storage.staff import Staff
from usecases.directory_view import (
    FORM_FIELDS,
    FieldProblem,
    add_from_form,
    directory,
    edit_from_form,
    form_values,
    is_coordinator,
    resource_to_edit,
)
from usecases.queue_view import refusal
from usecases.resources import kind_word
from web.staff_pages import StaffPages, see_other

if TYPE_CHECKING:
    from web.pages import WebView

__all__ = ["add_routes"]

_ID = r"{id:\d{1,9}}"
_DONE = ("added", "changed")


def add_routes(app: web.Application, view: WebView) -> None:
    pages = DirectoryPages(view)
    app.router.add_get("/resources", pages.listing)
    app.router.add_post("/resources", pages.add)
    app.router.add_get(f"/resources/{_ID}", pages.edit_page)
    app.router.add_post(f"/resources/{_ID}", pages.edit)


def _values_of(resource: object) -> dict[str, str]:
    """A resource's fields as the form shows them."""
    values = {}
    for field in FORM_FIELDS:
        value = getattr(resource, field)
        if field == "kind":
            value = value.value
        elif field == "active":
            value = "true" if value else "false"
        values[field] = "" if value is None else str(value)
    return values


class DirectoryPages(StaffPages):
    def _form_context(
        self, language: str, values: dict[str, str], problems: dict[str, FieldProblem]
    ) -> dict[str, object]:
        return {
            "values": values,
            "problems": {f: p.value for f, p in problems.items()},
            "kinds": [(k.value, kind_word(self.svc.catalog, language, k)) for k in ResourceKind],
            "limits": dict(RESOURCE_LIMITS),
        }

    async def listing(self, request: web.Request) -> web.StreamResponse:
        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response:
            return await self._listing(session, staff, request)

        return await self.gated(request, "resources", page, coordinator=False)

    async def _listing(
        self,
        session: AsyncSession,
        staff: Staff,
        request: web.Request,
        *,
        values: dict[str, str] | None = None,
        problems: dict[str, FieldProblem] | None = None,
    ) -> web.Response:
        done = request.query.get("done", "")
        flash = (done, request.query.get("id", "")[:9]) if done in _DONE else None
        blank = {f: "" for f in FORM_FIELDS} | {"kind": "", "active": "true"}
        return self.page(
            "resources.html",
            staff,
            request,
            resources=await directory(session),
            kind=lambda k: kind_word(self.svc.catalog, staff.language, k),
            may_edit=is_coordinator(staff),
            done=flash,
            current="resources",
            **self._form_context(staff.language, values or blank, problems or {}),
        )

    def _csrf_refused(self, session: AsyncSession, staff: Staff, name: str) -> None:
        refusal(session, staff, name, self.svc.clock.now(), cause="csrf")

    async def add(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()

        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response | None:
            if not self.csrf_ok(request, form):
                self._csrf_refused(session, staff, "resource_add")
                return None
            values = form_values(form)
            result = await add_from_form(session, staff, values, self.svc.clock.now())
            if result.resource is None:
                return await self._listing(
                    session, staff, request, values=values, problems=result.problems
                )
            return see_other(f"/resources?done=added&id={result.resource.id}")

        return await self.gated(request, "resource_add", page, coordinator=True)

    async def edit_page(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["id"])

        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response:
            resource = await resource_to_edit(session, number)
            if resource is None:
                raise web.HTTPNotFound()
            return self._edit_form(staff, request, resource, _values_of(resource), {})

        return await self.gated(
            request, "resource_edit", page, coordinator=True, resource_id=number
        )

    def _edit_form(
        self,
        staff: Staff,
        request: web.Request,
        resource: object,
        values: dict[str, str],
        problems: dict[str, FieldProblem],
    ) -> web.Response:
        return self.page(
            "resource_edit.html",
            staff,
            request,
            resource=resource,
            current="resources",
            **self._form_context(staff.language, values, problems),
        )

    async def edit(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["id"])
        form = await request.post()

        async def page(session: AsyncSession, staff: Staff, _r: web.Request) -> web.Response | None:
            if not self.csrf_ok(request, form):
                self._csrf_refused(session, staff, "resource_edit")
                return None
            resource = await resource_to_edit(session, number)
            if resource is None:
                raise web.HTTPNotFound()
            values = form_values(form)
            result = await edit_from_form(
                session, self.svc.catalog, staff, resource, values, self.svc.clock.now()
            )
            if result.resource is None:
                return self._edit_form(staff, request, resource, values, result.problems)
            return see_other(f"/resources?done=changed&id={number}")

        return await self.gated(
            request, "resource_edit", page, coordinator=True, resource_id=number
        )
