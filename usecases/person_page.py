"""One person as the web view's person page and the chat's picture show them: the record
(read and audited as /person reads it), the timeline laid out as the report's figure 3-1,
the same events as a list in words, notes, ties, schedule and cadence.

The event list is the picture's text alternative, so it is grouped the way the picture
is drawn: one entry per stretch of time (a day or a week), newest first, with what was
routine counted (check-ins sent and answered, moods, messages) and everything else
(episodes, cadence changes, focused support, ties, pauses) named one by one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cadence import CadenceLevel
from domain.escalation import EscalationReason
from domain.lifeline import Bucket, Lifeline, lay_out
from domain.mood import Mood
from domain.timeline import TimelineEvent, TimelineKind
from infra import dates
from infra.picture import render_png
from storage.escalations import EscalationRepository
from storage.focus import FocusPeriod, FocusRepository
from storage.people import Person
from storage.resources import Resource
from storage.staff import Staff
from storage.ties import Tie, TieRepository
from usecases.caseload import PersonRecord, read_person_record
from usecases.escalations import reason_words
from usecases.queue_view import refusal
from usecases.services import Services
from usecases.timeline import person_events
from usecases.visibility import visible_person
from usecases.words import level_name, person_label

__all__ = [
    "NOTES_SHOWN",
    "EventLine",
    "NoteLine",
    "PersonPage",
    "Stretch",
    "day_words",
    "person_page",
    "person_picture",
]

NOTES_SHOWN = 20
# What the list counts rather than names (the picture draws them as the line's width).
_ROUTINE = frozenset(
    {TimelineKind.CHECKIN, TimelineKind.MOOD, TimelineKind.MESSAGE, TimelineKind.NUDGE}
)


@dataclass(frozen=True, slots=True)
class EventLine:
    at: datetime
    kind: TimelineKind
    text: str  # in the staff member's language


@dataclass(frozen=True, slots=True)
class Stretch:
    """One bucket of the picture, as the list shows it, in words."""

    heading: str  # its day, or its first and last days
    summary: list[str]  # paused; check-ins and replies; moods; messages
    events: list[EventLine]  # oldest first


@dataclass(frozen=True, slots=True)
class NoteLine:
    at: datetime
    escalation_id: int
    author: str | None
    text: str


@dataclass(frozen=True)
class PersonPage:
    record: PersonRecord
    ties: list[tuple[Tie, Resource]]
    line: Lifeline
    stretches: list[Stretch]  # newest first
    notes: list[NoteLine]  # newest first
    focus: list[FocusPeriod]  # open periods, with their review dates
    events: int


def _words(svc: Services, language: str, e: TimelineEvent, resources: dict[int, Resource]) -> str:
    """An event that is not routine, in words; `web.person.event.<kind>`."""
    f = e.fields
    params: dict[str, object] = {}
    if e.kind is TimelineKind.ESCALATION_OPENED:
        reason = EscalationReason(str(f.get("reason")))
        params = {"id": f.get("escalation_id"), "reason": reason_words(svc, language, [reason])}
        params["priority"] = svc.text(language, f"web.priority.{f.get('priority', 'P2')}")
    elif e.kind is TimelineKind.ESCALATION_RESOLVED:
        outcome = f.get("outcome")
        state = svc.text(language, f"state.{f.get('state')}")
        params = {
            "id": f.get("escalation_id"),
            "outcome": svc.text(language, f"outcome.{outcome}") if outcome else state,
        }
    elif e.kind is TimelineKind.CADENCE_CHANGED:
        params = {
            "level": level_name(svc.catalog, language, CadenceLevel(str(f.get("to")))),
            "reason": svc.text(language, f"cadence.reason.{f.get('reason')}"),
        }
    elif e.kind is TimelineKind.FOCUS_STARTED:
        review = f.get("review_at")
        params = {
            "review": svc.staff_time(review) if isinstance(review, datetime) else "-",
            "started": svc.text(language, f"focus.kind_{f.get('focus')}"),
        }
    elif e.kind is TimelineKind.FOCUS_REVIEWED:
        params = {"choice": svc.text(language, f"focus.choice_{f.get('choice')}")}
    elif e.kind.value.startswith("tie_"):
        found = resources.get(int(str(f.get("resource_id", 0))))
        params = {"resource": found.name if found is not None else "-"}
        if e.kind is TimelineKind.TIE_CHECKED:
            params["answer"] = svc.text(language, f"tie_check.{f.get('answer')}")
    return svc.text(language, f"web.person.event.{e.kind.value}", **params)


@lru_cache(maxsize=4096)
def day_words(day: date, language: str, zone: str) -> str:
    """A day in words (2026年12月5日(土)); the list names a hundred of them on every view,
    and the words of a day never change."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone))
    return dates.day_with_year(noon, language, zone)


def _summary(
    svc: Services, language: str, bucket: Bucket, moods: Counter[int], messages: int
) -> list[str]:
    words: list[str] = []
    if not bucket.present:
        words.append(svc.text(language, "web.person.paused_stretch"))
    if bucket.sent or bucket.replied:
        answered = svc.text(
            language, "web.person.answered", sent=bucket.sent, replied=bucket.replied
        )
        if bucket.silent:
            answered += svc.text(language, "web.person.no_reply")
        words.append(answered)
    if moods:
        separator = svc.text(language, "escalation.name_separator")
        counted = separator.join(
            svc.text(
                language,
                "web.person.mood_count",
                mood=svc.text(language, f"mood.{Mood.from_score(score).value}"),
                count=count,
            )
            for score, count in sorted(moods.items())
        )
        words.append(svc.text(language, "web.person.moods") + counted)
    if messages:
        words.append(svc.text(language, "web.person.messages", count=messages))
    return words


def _heading(svc: Services, bucket: Bucket, language: str, zone: str) -> str:
    tz = ZoneInfo(zone)
    first = day_words(bucket.start.astimezone(tz).date(), language, zone)
    last = day_words((bucket.end - timedelta(seconds=1)).astimezone(tz).date(), language, zone)
    if first == last:
        return first
    return svc.text(language, "web.person.stretch", start=first, end=last)


def _stretches(
    svc: Services,
    language: str,
    person: Person,
    line: Lifeline,
    events: list[TimelineEvent],
    resources: dict[int, Resource],
) -> list[Stretch]:
    """Newest first; a stretch with nothing in it is left out (a pause never is)."""
    out: list[Stretch] = []
    index = 0
    for bucket in line.buckets:
        last = bucket is line.buckets[-1]
        moods: Counter[int] = Counter()
        messages = 0
        named: list[EventLine] = []
        while index < len(events) and (last or events[index].at < bucket.end):
            e = events[index]
            index += 1
            if e.kind is TimelineKind.MOOD:
                moods[int(str(e.fields.get("score", 3)))] += 1
            elif e.kind is TimelineKind.MESSAGE and e.fields.get("outside_checkin"):
                messages += 1
            elif e.kind not in _ROUTINE:
                named.append(EventLine(e.at, e.kind, _words(svc, language, e, resources)))
        summary = _summary(svc, language, bucket, moods, messages)
        if summary or named:
            heading = _heading(svc, bucket, language, person.timezone)
            out.append(Stretch(heading=heading, summary=summary, events=named))
    return out[::-1]


async def _laid_out(
    session: AsyncSession, person: Person, now: datetime
) -> tuple[list[tuple[Tie, Resource]], list[TimelineEvent], Lifeline]:
    ties = await TieRepository(session).for_person(person.id)
    events = await person_events(session, person.id, ties)
    line = lay_out(
        events, now, tz=ZoneInfo(person.timezone), level=CadenceLevel(person.cadence_level)
    )
    return ties, events, line


async def person_page(
    svc: Services, session: AsyncSession, staff: Staff, number: int, language: str, now: datetime
) -> PersonPage | None:
    """Person `number` for `staff`, or None (refused and audited as a chat refusal is)
    when they may not see them. Reading it is audited as /person's reading is."""
    person = await visible_person(session, staff, number)
    if person is None:
        refusal(session, staff, "person", now, person_id=number)
        return None
    record = await read_person_record(session, staff, person, now)
    ties, events, line = await _laid_out(session, person, now)
    resources = {resource.id: resource for _tie, resource in ties}
    notes = await EscalationRepository(session).notes_for_person(person.id, limit=NOTES_SHOWN)
    focus = [p for p in await FocusRepository(session).for_person(person.id) if p.ended_at is None]
    return PersonPage(
        record=record,
        ties=ties,
        line=line,
        stretches=_stretches(svc, language, person, line, events, resources),
        notes=[NoteLine(n.at, n.escalation_id, name, n.text) for n, name in notes[::-1]][::-1],
        focus=focus,
        events=len(events),
    )


async def person_picture(
    svc: Services, session: AsyncSession, person: Person, language: str, now: datetime
) -> tuple[bytes, str]:
    """The picture as a PNG for the chat, with its caption (the words the PNG leaves out)."""
    _ties, events, line = await _laid_out(session, person, now)
    zone = ZoneInfo(person.timezone)
    caption = svc.text(
        language,
        "person_picture.caption",
        person=person_label(svc.catalog, language, person.display_name, person.id),
        start=dates.day_with_year(line.start, language, zone),
        end=dates.day_with_year(line.end - timedelta(seconds=1), language, zone),
        count=len(events),
    )
    return render_png(line), caption
