"""Check-in use cases: compose the message, take a reply, adapt the cadence.

Any message, sticker, photo, voice note or button press from a person is a sign of life:
it answers their open check-ins, ends a silence episode and closes silence escalations
("all clear" to the worker). Mood answers also feed the adaptive cadence.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.cadence import (
    CadenceBounds,
    CadenceDecision,
    CadenceLevel,
    CadenceReason,
    CadenceState,
    MoodRecord,
    decide_cadence,
    rank,
)
from domain.escalation import EscalationReason, next_working_instant
from domain.focus import FocusKind
from domain.mood import MOOD_KEYS, Mood
from domain.people import PauseReason
from domain.rhythm import RECENT_REPLIES, usual_delay
from infra.i18n import Catalog
from storage.checkins import Checkin, CheckinKind, CheckinRepository, CheckinState
from storage.escalations import EscalationRepository
from storage.focus import FocusPeriod, FocusRepository
from storage.outbox import PRIORITY_BULK, OutboxRepository, Purpose, new_message
from storage.people import CadenceChange, Person, PersonRepository
from storage.staff import StaffRepository
from storage.ties import TieRepository
from usecases.buttons import ID_MARK, ButtonKind, button_data, fill_id
from usecases.escalations import auto_resolve_on_reply, working_hours
from usecases.planning import delays_for, next_checkin_for, rhythm_bounds
from usecases.services import Services
from usecases.staffing import notify_staff

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=14)


def time_of_day(timezone: str, instant: datetime) -> str:
    hour = instant.astimezone(ZoneInfo(timezone)).hour
    if 4 <= hour < 11:
        return "morning"
    if 11 <= hour < 17:
        return "afternoon"
    return "evening"


def checkin_keyboard(svc: Services, language: str, checkin_id: int) -> dict[str, Any]:
    """Five mood buttons, best to worst, then "I'd like to talk" (a contract scripts use)."""
    keyboard = json.loads(checkin_payload(svc, language, "", checkin_id))["reply_markup"]
    assert isinstance(keyboard, dict)
    return keyboard


@lru_cache(maxsize=16)
def _payload_template(catalog: Catalog, language: str) -> tuple[str, str]:
    """The check-in payload's JSON around its text, with a mark where the check-in id goes.

    Dispatch writes thousands of these in a burst; serialising the same keyboard for each
    would cost more than the rest of the row.
    """
    svc_text = catalog.text
    keyboard = {
        "inline_keyboard": [
            [
                {
                    "text": svc_text(language, f"mood.{key}"),
                    "callback_data": button_data(ButtonKind.MOOD, ID_MARK, key),
                }
                for key in MOOD_KEYS[:3]
            ],
            [
                {
                    "text": svc_text(language, f"mood.{key}"),
                    "callback_data": button_data(ButtonKind.MOOD, ID_MARK, key),
                }
                for key in MOOD_KEYS[3:]
            ],
            [
                {
                    "text": svc_text(language, "checkin.talk_button"),
                    "callback_data": button_data(ButtonKind.TALK, ID_MARK),
                }
            ],
        ]
    }
    return '{"text": ', ', "reply_markup": ' + json.dumps(keyboard, ensure_ascii=False) + "}"


def checkin_payload(svc: Services, language: str, text: str, checkin_id: int) -> str:
    """The stored outbox payload of a check-in (equal to json.dumps of text + keyboard)."""
    head, tail = _payload_template(svc.catalog, language)
    return head + json.dumps(text, ensure_ascii=False) + fill_id(tail, checkin_id)


def checkin_text(
    svc: Services,
    language: str,
    timezone: str,
    kind: CheckinKind,
    checkin_id: int,
    now: datetime,
    pause_reason: PauseReason | None = None,
) -> str:
    if kind is CheckinKind.WELCOME_BACK:
        # A break the person explained is acknowledged gently, without asking about it.
        key = "checkin.welcome_back"
        if pause_reason is not None and pause_reason is not PauseReason.OTHER:
            key = f"pause_reason.welcome_{pause_reason.value}"
    else:
        key = f"checkin.{time_of_day(timezone, now)}"
    # The check-in id picks the variant: varied from day to day, stable across retries.
    return svc.catalog.variant(language, key, checkin_id)


def queue_checkin(
    svc: Services, session: AsyncSession, person: Person, checkin: Checkin, now: datetime
) -> None:
    OutboxRepository(session).add(
        new_message(
            chat_id=person.chat_id,
            text=checkin_text(
                svc,
                person.language,
                person.timezone,
                checkin.kind,
                checkin.id,
                now,
                person.pause_reason,
            ),
            now=now,
            purpose=Purpose.CHECKIN,
            reply_markup=checkin_keyboard(svc, person.language, checkin.id),
            person_id=person.id,
            ref_id=checkin.id,
            priority=PRIORITY_BULK,
        )
    )


async def checkin_now(
    svc: Services,
    session: AsyncSession,
    person: Person,
    now: datetime,
    kind: CheckinKind = CheckinKind.MANUAL,
) -> Checkin:
    """A check-in outside the schedule (staff's /checkin_now, the welcome back)."""
    checkin = Checkin(
        person_id=person.id, kind=kind, state=CheckinState.QUEUED, due_at=now, created_at=now
    )
    session.add(checkin)
    await session.flush()
    await supersede_nudges(session, [person.id])
    queue_checkin(svc, session, person, checkin, now)
    return checkin


async def supersede_nudges(session: AsyncSession, person_ids: list[int]) -> None:
    """A new check-in replaces the pending nudge of an older one: a nudge after a newer
    question would read as pressure (待つ)."""
    await CheckinRepository(session).cancel_nudges(person_ids)


async def checkins_sent(
    svc: Services, session: AsyncSession, sent: list[tuple[int, int | None]], now: datetime
) -> None:
    """Delivery hook, once per batch: the check-ins are out; start nudge and silence clocks.

    A few set-based statements per batch, whatever its size: this runs on the hot path of a
    morning's dispatch to everyone.
    """
    message_ids = dict(sent)
    checkins = CheckinRepository(session)
    rows = await checkins.queued_among(message_ids)
    if not rows:
        return
    people = {row.person_id for row in rows}
    # Only each person's newest check-in is nudged: an older one's nudge arriving after a
    # newer question would read as pressure (待つ).
    newest = await checkins.newest_ids(people)
    await checkins.cancel_nudges(people, keep=newest)
    bounds = rhythm_bounds(svc.settings)
    delays = {
        row.checkin_id: delays_for(
            bounds, row.nudge_after_s, row.escalate_after_s, row.usual_reply_s
        )
        for row in rows
    }
    await checkins.update_rows(
        [
            {
                "id": row.checkin_id,
                "state": CheckinState.SENT,
                "sent_at": now,
                "message_id": message_ids[row.checkin_id],
                "nudge_due_at": (
                    now + delays[row.checkin_id].nudge_after if row.checkin_id in newest else None
                ),
            }
            for row in rows
        ]
    )
    # The silence clock starts at the first check-in left unanswered since the last reply.
    silent = [
        {
            "id": row.person_id,
            "silent_since": now,
            "silence_due_at": now + delays[row.checkin_id].escalate_after,
        }
        for row in rows
        if row.silent_since is None
    ]
    if silent:
        await PersonRepository(session).update_rows(silent)


async def sign_of_life(
    svc: Services,
    session: AsyncSession,
    person: Person,
    now: datetime,
    *,
    mood: Mood | None = None,
) -> Checkin | None:
    """Record that the person is there; returns the check-in this answers, if any.

    `mood`: the mood just tapped, passed on so the worker hears it with the reply.
    """
    person.last_reply_at = now
    person.silent_since = None
    person.silence_due_at = None
    checkins = CheckinRepository(session)
    answered = await checkins.awaiting_reply(person.id)
    for checkin in answered:
        checkin.state = CheckinState.REPLIED
        checkin.replied_at = now
        checkin.nudge_due_at = None
    if answered:
        await session.flush()
        usual = usual_delay(
            await checkins.reply_delays(person.id, RECENT_REPLIES),
            svc.settings.checkin.rhythm_replies,
        )
        person.usual_reply_s = None if usual is None else int(usual.total_seconds())
    await auto_resolve_on_reply(svc, session, person, now, mood=mood)
    return answered[0] if answered else None


async def _cadence_state(session: AsyncSession, person: Person, since: datetime) -> CadenceState:
    """What the cadence rule reads: replies, moods and distress or concern signals since."""
    replies = await CheckinRepository(session).replies_since(person.id, since)
    signals = await EscalationRepository(session).signal_times(
        person.id, (EscalationReason.CONCERN, EscalationReason.DISTRESS), since
    )
    return CadenceState(
        level=person.cadence_level,
        changed_at=person.cadence_changed_at or person.consented_at,
        moods=tuple(MoodRecord(at=at, score=mood) for at, mood in replies if mood is not None),
        signals=tuple(signals),
        replies=tuple(at for at, _ in replies),
        connected=await TieRepository(session).has_active(person.id),
    )


async def _tell_worker_of_change(
    svc: Services, session: AsyncSession, person: Person, decision: CadenceDecision, now: datetime
) -> None:
    worker = await StaffRepository(session).get(person.worker_id)
    if worker is not None and worker.active:
        # News, not a call to act: it waits for working hours, so a night's distress
        # message wakes the worker once (the escalation), not twice.
        notify_staff(
            svc,
            session,
            worker,
            person,
            "cadence.changed",
            now,
            not_before=next_working_instant(now, working_hours(svc)),
            level=svc.text(worker.language, f"cadence.level.{decision.level.value}"),
            reason=svc.text(worker.language, f"cadence.reason.{decision.reason.value}"),
        )
    log.info(
        "cadence for person %s: %s -> %s (%s)",
        person.id,
        decision.previous.value,
        decision.level.value,
        decision.reason.value,
    )


async def adapt_cadence(
    svc: Services, session: AsyncSession, person: Person, now: datetime
) -> CadenceReason | None:
    """Apply the pure cadence rule to the person's recent moods and signals.

    Returns the reason when the level changed; the change is stored with its reason and
    the worker is told (関わりは濃くなる: contact gets denser when things get harder).
    """
    state = await _cadence_state(session, person, now - LOOKBACK)
    bounds = CadenceBounds(
        tightest=person.cadence_tightest,
        loosest=person.cadence_loosest,
    )
    decision = decide_cadence(state, now, bounds)
    if not decision.changed:
        return None
    set_cadence(svc, session, person, decision.level, decision.reason, now)
    if rank(decision.level) > rank(decision.previous):
        await review_tightening(svc, session, person, now)
    await _tell_worker_of_change(svc, session, person, decision, now)
    return decision.reason


def set_cadence(
    svc: Services,
    session: AsyncSession,
    person: Person,
    level: CadenceLevel,
    reason: CadenceReason,
    now: datetime,
) -> None:
    """Change the person's cadence level, recorded with its reason; the next check-in
    follows the new schedule."""
    session.add(
        CadenceChange(
            person_id=person.id,
            at=now,
            from_level=person.cadence_level,
            to_level=level,
            reason=reason,
        )
    )
    person.cadence_level = level
    person.cadence_changed_at = now
    if person.next_checkin_at is not None:
        person.next_checkin_at = next_checkin_for(person, svc.settings, now)


async def review_tightening(
    svc: Services, session: AsyncSession, person: Person, now: datetime
) -> None:
    """Denser contact gets a review date, unless a period already open will review it."""
    focus = FocusRepository(session)
    if await focus.open_for(person.id):
        return
    focus.add(
        FocusPeriod(
            person_id=person.id,
            kind=FocusKind.CADENCE,
            started_at=now,
            review_at=now + svc.settings.checkin.review_after,
        )
    )


def mood_from_key(key: str) -> Mood | None:
    try:
        return Mood(key)
    except ValueError:
        return None
