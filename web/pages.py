"""The web view's pages: parse the request, call a use case, render (no queries here).

Signing in: `/login/<token>` (the link /web sends) shows a button that posts back, so a
link preview fetching the page does not spend the link; `/app` is the Mini App's page,
whose script posts Telegram's signed initData. Both forms carry a sign-in form token
(a double-submit cookie); every form of a session carries that session's token.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from domain.escalation import Outcome
from domain.mood import Mood
from storage.staff import Staff
from usecases.caseload import CASELOAD_SHOWN, caseload
from usecases.queue_view import (
    Done,
    acknowledge_from_web,
    queue_items,
    refusal,
    resolve_from_web,
)
from usecases.services import Services
from usecases.web_access import (
    SignedIn,
    csrf_token,
    csrf_valid,
    sign_in_with_init_data,
    sign_in_with_link,
    sign_out,
    signed_in_staff,
)
from web.person import PersonPages
from web.render import Renderer, static_file
from web.sparkline import sparkline

__all__ = ["SESSION_COOKIE", "SIGNIN_COOKIE", "WebView"]

SESSION_COOKIE = "tsunagari_session"
SIGNIN_COOKIE = "tsunagari_signin"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_STATIC = ("style.css", "miniapp.js")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebView:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.render = Renderer(svc)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.home)
        app.router.add_get("/queue", self.queue)
        app.router.add_get("/caseload", self.caseload_page)
        app.router.add_post(r"/queue/{id:\d{1,9}}/acknowledge", self.acknowledge)
        app.router.add_post(r"/queue/{id:\d{1,9}}/resolve", self.resolve)
        app.router.add_get("/login/{token}", self.login_page)
        app.router.add_post("/login/{token}", self.login)
        app.router.add_get("/app", self.miniapp_page)
        app.router.add_post("/app/signin", self.miniapp_signin)
        app.router.add_post("/logout", self.logout)
        app.router.add_get("/favicon.ico", self.no_icon)
        PersonPages(self, SESSION_COOKIE).add_routes(app)
        for name in _STATIC:
            app.router.add_get(f"/static/{name}", self._static(name))
        # Below this module (they use its sessions), so imported here.
        from web import audit, directory, exports, organisation

        directory.add_routes(app, self)
        organisation.add_routes(app, self)
        audit.add_routes(app, self)
        exports.add_routes(app, self)

    @staticmethod
    def _static(name: str) -> Handler:
        async def serve(_request: web.Request) -> web.StreamResponse:
            return static_file(name)

        return serve

    @property
    def language(self) -> str:
        return self.svc.settings.default_language

    # --- pages without a session -------------------------------------------------------

    def sign_in_page(self, *, status: int = 200) -> web.Response:
        return self.render.page("signin.html", self.language, status=status)

    def _with_signin_form(self, template: str, **context: Any) -> web.Response:
        """A page whose form signs in: a fresh form token, in the form and in a cookie."""
        form_token = secrets.token_urlsafe(32)
        response = self.render.page(template, self.language, csrf=form_token, **context)
        response.set_cookie(
            SIGNIN_COOKIE,
            form_token,
            max_age=600,
            httponly=True,
            samesite="Strict",
            secure=self.svc.settings.web.secure,
        )
        return response

    async def no_icon(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def home(self, _request: web.Request) -> web.StreamResponse:
        raise web.HTTPSeeOther("/queue")

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _TOKEN.fullmatch(token):
            return self.render.page("link_refused.html", self.language, status=403)
        return self._with_signin_form("login.html", action=f"/login/{token}")

    async def miniapp_page(self, _request: web.Request) -> web.StreamResponse:
        return self._with_signin_form("miniapp.html")

    @staticmethod
    def _signin_form_ok(request: web.Request, form: Any) -> bool:
        expected = request.cookies.get(SIGNIN_COOKIE, "")
        given = form.get("csrf", "")
        return (
            bool(expected)
            and isinstance(given, str)
            and secrets.compare_digest(expected.encode(), given.encode())
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        form = await request.post()
        if not _TOKEN.fullmatch(token) or not self._signin_form_ok(request, form):
            return self.render.page("link_refused.html", self.language, status=403)
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as session:
            signed = await sign_in_with_link(self.svc, session, token, now)
        if signed is None:
            return self.render.page("link_refused.html", self.language, status=403)
        return self._signed_in(signed)

    async def miniapp_signin(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        init_data = form.get("init_data", "")
        if not self._signin_form_ok(request, form) or not isinstance(init_data, str):
            return self.render.page("miniapp_refused.html", self.language, status=403)
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as session:
            signed = await sign_in_with_init_data(self.svc, session, init_data[:8192], now)
        if signed is None:
            return self.render.page("miniapp_refused.html", self.language, status=403)
        return self._signed_in(signed)

    def _signed_in(self, signed: SignedIn) -> web.StreamResponse:
        response = _see_other("/queue")
        response.set_cookie(
            SESSION_COOKIE,
            signed.session_token,
            max_age=int(self.svc.settings.web.session_expire_after.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=self.svc.settings.web.secure,
        )
        response.del_cookie(SIGNIN_COOKIE)
        return response

    # --- pages of a session ----------------------------------------------------------

    async def signed_in_staff(self, session: AsyncSession, request: web.Request) -> Staff | None:
        """The staff member whose session cookie this request carries, or None."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        return await signed_in_staff(session, token, self.svc.clock.now())

    def refused_page(self, staff: Staff, request: web.Request) -> web.Response:
        csrf = csrf_token(request.cookies[SESSION_COOKIE])
        return self.render.page("refused.html", staff.language, status=403, staff=staff, csrf=csrf)

    async def queue(self, request: web.Request) -> web.StreamResponse:
        now = self.svc.clock.now()
        async with self.svc.db.read_session() as session:
            staff = await self.signed_in_staff(session, request)
            if staff is None:
                return self.sign_in_page()
            items = await queue_items(self.svc, session, staff, staff.language, now)
        return self.render.page(
            "queue.html",
            staff.language,
            staff=staff,
            items=items,
            csrf=csrf_token(request.cookies[SESSION_COOKIE]),
            done=_flash(request),
            outcomes=list(Outcome),
            current="queue",
        )

    async def caseload_page(self, request: web.Request) -> web.StreamResponse:
        """The people the staff member supports or backs up (everyone for a coordinator),
        as /people lists them; the read is audited as /people's is."""
        async with self.svc.db.transaction() as session:
            staff = await self.signed_in_staff(session, request)
            if staff is None:
                return self.sign_in_page()
            found = await caseload(session, staff, self.svc.clock.now(), details=True)
        return self.render.page(
            "caseload.html",
            staff.language,
            staff=staff,
            caseload=found,
            spark=sparkline,
            mood_words=lambda scores: self.svc.text(staff.language, "resource.separator").join(
                self.svc.text(staff.language, f"mood.{Mood.from_score(s).value}") for s in scores
            ),
            more=max(0, found.total - CASELOAD_SHOWN),
            at=self.svc.staff_time,
            csrf=csrf_token(request.cookies[SESSION_COOKIE]),
            current="caseload",
        )

    async def acknowledge(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["id"])
        return await self._act(
            request,
            "acknowledge",
            lambda session, staff, form: acknowledge_from_web(
                self.svc, session, staff, number, self.svc.clock.now()
            ),
        )

    async def resolve(self, request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["id"])

        async def act(session: AsyncSession, staff: Staff, form: Any) -> Done:
            try:
                outcome = Outcome(str(form.get("outcome", "")))
            except ValueError:
                return Done.INVALID
            note = str(form.get("note", "")).strip() or None
            return await resolve_from_web(
                self.svc, session, staff, number, outcome, note, self.svc.clock.now()
            )

        return await self._act(request, "resolve", act)

    async def _act(
        self,
        request: web.Request,
        page: str,
        act: Callable[[AsyncSession, Staff, Any], Awaitable[Done]],
    ) -> web.StreamResponse:
        """A form of the queue: signed in, the session's form token, then the action."""
        form = await request.post()
        async with self.svc.db.transaction() as session:
            staff = await self.signed_in_staff(session, request)
            if staff is None:
                return self.sign_in_page(status=403)
            given = form.get("csrf", "")
            if not isinstance(given, str) or not csrf_valid(request.cookies[SESSION_COOKIE], given):
                refusal(session, staff, page, self.svc.clock.now(), cause="csrf")
                done = Done.REFUSED
            else:
                done = await act(session, staff, form)
        if done is Done.REFUSED:
            return self.refused_page(staff, request)
        self.svc.wake_delivery()
        raise web.HTTPSeeOther(f"/queue?done={done.value}&id={request.match_info['id']}")

    async def logout(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        token = request.cookies.get(SESSION_COOKIE, "")
        given = form.get("csrf", "")
        if token and isinstance(given, str) and csrf_valid(token, given):
            async with self.svc.db.transaction() as session:
                await sign_out(session, token, self.svc.clock.now())
        response = _see_other("/queue")
        response.del_cookie(SESSION_COOKIE)
        return response


def _see_other(location: str) -> web.Response:
    """A redirect that carries cookies (aiohttp's HTTPSeeOther is raised, not returned)."""
    return web.Response(status=303, headers={"Location": location})


def _flash(request: web.Request) -> tuple[Done, int] | None:
    """What the last action did, from the redirect's query (words come from the catalog)."""
    try:
        return Done(request.query.get("done", "")), int(request.query.get("id", "")[:9])
    except ValueError:
        return None
