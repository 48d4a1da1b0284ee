"""The person page: `/people/<id>`, the life timeline picture (figure 3-1) as inline SVG
drawn on the server from `domain.lifeline`, the same events as a list under it (the
picture's text alternative), notes, ties, schedule and cadence; coordinators change the
schedule and cadence through the use case the chat's /schedule calls.

No script and no style attribute: the SVG uses presentation attributes and the site's
stylesheet (classes under `.lifeline`), so the Content-Security-Policy stays strict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cadence import LEVEL_ORDER
from domain.durations import format_duration, parse_duration
from domain.lifeline import SPAN_HEIGHT, TIE_RADIUS, Lifeline, Point, SpanKind, TieShape
from domain.people import StaffRole
from storage.people import Person
from storage.staff import Staff
from usecases.person_page import PersonPage, day_words, person_page
from usecases.queue_view import refusal
from usecases.schedule_change import ScheduleProblem, change_schedule, problem_text
from usecases.visibility import visible_person
from usecases.web_access import csrf_token, csrf_valid
from usecases.words import duration, level_name, person_schedule_words

if TYPE_CHECKING:
    from web.pages import WebView

__all__ = ["Drawing", "PersonPages", "drawing"]

# The SVG's own coordinates (a phone's proportions), with room for the end labels.
WIDTH, HEIGHT, MARGIN = 640, 360, 20
_INNER = WIDTH - 2 * MARGIN


@dataclass(frozen=True, slots=True)
class Mark:
    """One shape of the drawing in SVG coordinates, with the class that colours it."""

    css: str
    x: float
    y: float
    w: float = 0.0
    h: float = 0.0
    x2: float = 0.0
    label: str = ""


@dataclass(frozen=True, slots=True)
class Drawing:
    width: int
    height: int
    band: list[str]  # polygon points
    life: list[str]
    spans: list[Mark]
    gaps: list[Mark]
    silences: list[Mark]
    ties: list[Mark]  # circles (x, y, w = radius)
    tracks: list[Mark]  # dashed lines (x → x2 at y), and links down to the band
    checks: list[Mark]
    ticks: list[Mark]
    tie_radius: float


def _px(point: Point) -> tuple[float, float]:
    return round(MARGIN + point[0] * _INNER, 1), round(point[1] * HEIGHT, 1)


def _points(shape: tuple[Point, ...]) -> str:
    return " ".join(f"{x},{y}" for x, y in map(_px, shape))


def drawing(line: Lifeline) -> Drawing:
    """The layout in the SVG's coordinates: the template only writes it out."""
    spans: list[Mark] = []
    gaps: list[Mark] = []
    for span in line.spans:
        (x0, y), (x1, _) = _px((span.x0, span.y)), _px((span.x1, span.y))
        if span.kind is SpanKind.PAUSE:
            gaps.append(Mark("ll-gap", x0, 0.3 * HEIGHT, max(x1 - x0, 2), 0.4 * HEIGHT))
            continue
        priority = (span.priority or "P2").lower()
        css = "ll-focus" if span.kind is SpanKind.FOCUS else f"ll-episode ll-{priority}"
        spans.append(Mark(css, x0, y, max(x1 - x0, 4), SPAN_HEIGHT * HEIGHT))
    ties: list[Mark] = []
    tracks: list[Mark] = []
    checks: list[Mark] = []
    r = round(TIE_RADIUS * HEIGHT, 1)
    for tie in line.ties:
        x, y = _px((tie.x_join, tie.y))
        ties.append(Mark(f"ll-tie ll-{tie.shape.value}", x, y, r))
        if tie.shape in (TieShape.ACTIVE, TieShape.ENDED):
            end, _ = _px((tie.x_leave if tie.x_leave is not None else 1.0, tie.y))
            tracks.append(Mark("ll-track", x + r, y, x2=end))
            tracks.append(Mark("ll-link", x, y + r, x2=x, h=0.36 * HEIGHT))
            if tie.x_leave is not None:
                ties.append(Mark("ll-tie ll-left", end, y, r / 2))
            checks += [Mark("ll-check", _px((c, tie.y))[0], y, 2.5) for c in tie.checks]
    return Drawing(
        width=WIDTH,
        height=HEIGHT,
        band=[_points(shape) for shape in line.band],
        life=[_points(shape) for shape in line.life],
        spans=spans,
        gaps=gaps,
        silences=[Mark("ll-silence", _px((x, 0.72))[0], 0.72 * HEIGHT, 3) for x in line.silences],
        ties=ties,
        tracks=tracks,
        checks=checks,
        ticks=[
            Mark("ll-tick", _px((t.x, 0))[0], 0.945 * HEIGHT, label=t.label) for t in line.ticks
        ],
        tie_radius=r,
    )


# The schedule form's parts, in the order they are applied, as /schedule names them.
_TEXT_PARTS = ("times", "days", "timezone", "quiet")


def _current(person: Person) -> dict[str, str]:
    return {
        "times": person.checkin_times,
        "days": person.checkin_days,
        "timezone": person.timezone,
        "quiet": person.quiet_hours or "",
        "nudge": format_duration(timedelta(seconds=person.nudge_after_s)),
        "escalate": format_duration(timedelta(seconds=person.escalate_after_s)),
        "tightest": person.cadence_tightest.value,
        "loosest": person.cadence_loosest.value,
    }


def schedule_changes(form: Any, current: dict[str, str]) -> list[tuple[str, list[str]]]:
    """What the form changes, as /schedule's parts: only what differs from today."""

    def given(name: str) -> str:
        value = form.get(name, "")
        return value.strip()[:200] if isinstance(value, str) else ""

    changes: list[tuple[str, list[str]]] = []
    if given("template"):
        changes.append(("template", [given("template")]))
    for part in _TEXT_PARTS:
        if given(part) != current[part]:
            changes.append((part, [given(part) or "off"] if part == "quiet" else [given(part)]))
    delays = [p for p in ("nudge", "escalate") if given(p) != current[p]]
    if len(delays) == 2 and given("escalate") and _longer(given("escalate"), current["escalate"]):
        delays.reverse()  # widening: the later delay first, so the earlier fits under it
    changes += [(part, [given(part)]) for part in delays]
    if (given("tightest"), given("loosest")) != (current["tightest"], current["loosest"]):
        changes.append(("cadence", [given("tightest"), given("loosest")]))
    return changes


def _longer(new: str, old: str) -> bool:
    try:
        return parse_duration(new) > parse_duration(old)
    except ValueError:
        return False


class PersonPages:
    def __init__(self, view: WebView, session_cookie: str) -> None:
        self.view = view
        self.svc = view.svc
        self.cookie = session_cookie

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(r"/people/{id:\d{1,19}}", self.page)
        app.router.add_post(r"/people/{id:\d{1,19}}/schedule", self.schedule)

    async def page(self, request: web.Request) -> web.StreamResponse:
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as session:
            staff = await self.view.signed_in_staff(session, request)
            if staff is None:
                return self.view.sign_in_page()
            found = await person_page(
                self.svc, session, staff, int(request.match_info["id"]), staff.language, now
            )
        if found is None:
            return self.view.refused_page(staff, request)
        saved = request.query.get("saved") == "1"
        return self._render(request, staff, found, saved=saved)

    async def schedule(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        number = int(request.match_info["id"])
        now = self.svc.clock.now()
        problem: str | None = None
        async with self.svc.db.transaction() as session:
            staff = await self.view.signed_in_staff(session, request)
            if staff is None:
                return self.view.sign_in_page(status=403)
            person = None
            if not self._refused(session, request, staff, form, now):
                person = await visible_person(session, staff, number)
                if person is None:
                    refusal(session, staff, "schedule", now, person_id=number)
            found = None
            if person is not None:
                try:
                    changes = schedule_changes(form, _current(person))
                    if changes:
                        change_schedule(self.svc, session, staff, person, changes, now, via="web")
                except ScheduleProblem as exc:
                    problem = problem_text(self.svc, staff.language, exc)
                    # The page again, with the words naming the wrong value.
                    found = await person_page(self.svc, session, staff, number, staff.language, now)
        if person is None:
            return self.view.refused_page(staff, request)
        if found is not None:
            return self._render(request, staff, found, problem=problem, status=422)
        self.svc.wake_delivery()
        raise web.HTTPSeeOther(f"/people/{number}?saved=1#schedule")

    def _refused(
        self, session: AsyncSession, request: web.Request, staff: Staff, form: Any, now: datetime
    ) -> bool:
        """Only coordinators change schedules, and only with the session's form token."""
        given = form.get("csrf", "")
        if not isinstance(given, str) or not csrf_valid(request.cookies[self.cookie], given):
            refusal(session, staff, "schedule", now, cause="csrf")
            return True
        if staff.role is not StaffRole.COORDINATOR:
            refusal(session, staff, "schedule", now, cause="role")
            return True
        return False

    def _render(
        self,
        request: web.Request,
        staff: Staff,
        found: PersonPage,
        *,
        saved: bool = False,
        problem: str | None = None,
        status: int = 200,
    ) -> web.Response:
        person = found.record.person
        zone = ZoneInfo(person.timezone)
        language = staff.language

        def day(value: datetime) -> str:
            return day_words(value.astimezone(zone).date(), language, person.timezone)

        catalog = self.svc.catalog
        words = person_schedule_words(catalog, language, person)
        return self.view.render.page(
            "person.html",
            language,
            schedule=words,
            nudge=duration(catalog, language, timedelta(seconds=person.nudge_after_s)),
            escalate=duration(catalog, language, timedelta(seconds=person.escalate_after_s)),
            level=lambda value: level_name(catalog, language, value),
            status=status,
            staff=staff,
            page=found,
            person=person,
            picture=drawing(found.line),
            day=day,
            at=self.svc.staff_time,
            last_day=lambda s: day(s.end - timedelta(seconds=1)),
            current=_current(person),
            levels=LEVEL_ORDER,
            templates=[t.name for t in self.svc.settings.checkin.templates],
            coordinator=staff.role is StaffRole.COORDINATOR,
            saved=saved,
            problem=problem,
            csrf=csrf_token(request.cookies[self.cookie]),
        )
