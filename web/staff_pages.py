"""What the directory, organisation, audit and export pages share: the signed-in staff
member, the role gate with its audited 403, the session's form token.

The pages themselves register from `web.pages.WebView.add_routes`, which imports them
there (they build on its session handling, so they cannot be imported above it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from storage.staff import Staff
from usecases.directory_view import is_coordinator
from usecases.queue_view import refusal
from usecases.services import Services
from usecases.web_access import csrf_token, csrf_valid
from web.pages import SESSION_COOKIE

if TYPE_CHECKING:
    from web.pages import WebView

__all__ = ["Page", "StaffPages", "query_int", "see_other"]

# A page's body: its response, or None when it refused (having audited the refusal).
Page = Callable[[AsyncSession, Staff, web.Request], Awaitable[web.StreamResponse | None]]


class StaffPages:
    def __init__(self, view: WebView) -> None:
        self.view = view
        self.svc: Services = view.svc
        self.render = view.render

    def csrf(self, request: web.Request) -> str:
        return csrf_token(request.cookies[SESSION_COOKIE])

    def csrf_ok(self, request: web.Request, form: Any) -> bool:
        given = form.get("csrf", "")
        return isinstance(given, str) and csrf_valid(request.cookies[SESSION_COOKIE], given)

    def page(
        self, template: str, staff: Staff, request: web.Request, **context: Any
    ) -> web.Response:
        return self.render.page(
            template, staff.language, staff=staff, csrf=self.csrf(request), **context
        )

    async def gated(
        self,
        request: web.Request,
        name: str,
        page: Page,
        *,
        coordinator: bool,
        **detail: object,
    ) -> web.StreamResponse:
        """Signed in (else the sign-in page), allowed (coordinators only, as the chat's
        `staff_command(coordinator=True)`, else the 403 page, audited as `command.refused`
        with handler web.<name>), then the page, in one transaction: a read the page
        audits commits with it. Pages return redirects rather than raise them, since an
        exception rolls the transaction back."""
        async with self.svc.db.transaction() as session:
            staff = await self.view.signed_in_staff(session, request)
            if staff is None:
                return self.view.sign_in_page(status=200 if request.method == "GET" else 403)
            if coordinator and not is_coordinator(staff):
                refusal(session, staff, name, self.svc.clock.now(), cause="role", **detail)
                response = None
            else:
                response = await page(session, staff, request)
        return response if response is not None else self.view.refused_page(staff, request)


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def query_int(request: web.Request, name: str, *, default: int | None = None) -> int | None:
    """A small positive number from the query string (a page, an id), else `default`."""
    text = request.query.get(name, "").strip()
    if text.isdigit() and 0 < len(text) <= 9 and int(text) > 0:
        return int(text)
    return default
