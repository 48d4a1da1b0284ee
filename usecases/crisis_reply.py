"""The crisis reply: a short, calm card with the lines a person can call now.

Before the list, a few plain sentences: thanks, the team is being told (the reply goes out
before any staff send is confirmed, so it never says a worker *was* told), and no promise of
an immediate human. Then 119/110 and at most three lines open now
(`signals.crisis_choice`), each number on a line of its own so Telegram makes it
tap-to-call, and a button that shows every line with its hours.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from signals.crisis import CrisisLine, Situation
from signals.crisis_choice import ShownLine, Why, choose_lines, line_status
from storage.outbox import PRIORITY_URGENT, OutboxMessage, Purpose, new_message
from usecases.buttons import ButtonKind, button_data, parse_button
from usecases.services import Services

__all__ = [
    "all_lines_callback_data",
    "all_lines_text",
    "crisis_card",
    "crisis_markup",
    "crisis_reply_message",
    "parse_all_lines_callback",
    "zone_or_default",
]

log = logging.getLogger(__name__)

_ALL = "all"
_NAMED_CLOSING = timedelta(hours=24)


def all_lines_callback_data(situations: Collection[Situation] = ()) -> str:
    """The "see all lines" button's data; the situations keep their lines first."""
    names = sorted(s.value for s in situations if s is not Situation.GENERAL)
    return button_data(ButtonKind.CRISIS_LINES, _ALL, *([",".join(names)] if names else []))


def parse_all_lines_callback(data: str) -> frozenset[Situation] | None:
    """The situations in a "see all lines" button's data; None if it is not one."""
    button = parse_button(data)
    if button is None or button.kind is not ButtonKind.CRISIS_LINES or button.choice != _ALL:
        return None
    try:
        return frozenset(Situation(name) for name in button.words)
    except ValueError:
        return None


def zone_or_default(svc: Services, name: str | None) -> tzinfo:
    """A person's time zone, or the organisation's when theirs is unknown or unusable."""
    for candidate in (name, svc.settings.checkin.timezone):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("Asia/Tokyo")


def _clock(moment: datetime, *, closing: bool) -> str:
    # A line that closes at midnight closes "at 24:00", which is how Japanese notices put it.
    if closing and (moment.hour, moment.minute) == (0, 0):
        return "24:00"
    return f"{moment.hour}:{moment.minute:02d}"


def _language_note(svc: Services, shown: ShownLine, language: str) -> str:
    """For someone not writing in Japanese: when the line answers in their language."""
    if language == "ja":
        return ""
    group = shown.language_group
    if group is not None and group.hours(language):
        return group.hours(language)
    if group is None:
        return svc.text(language, "crisis.japanese_only")
    return ""


def _when(svc: Services, shown: ShownLine, language: str, now: datetime) -> str:
    line = shown.line
    if line.hours_vary:
        return line.hours(language)
    if line.always_open:
        return svc.text(language, "crisis.when_24h")
    if shown.closes_at is None:
        return line.hours(language)
    # Within a day "until 21:00" is unambiguous; further ahead it would need a date.
    if shown.closes_at - now <= _NAMED_CLOSING:
        return svc.text(language, "crisis.when_until", time=_clock(shown.closes_at, closing=True))
    return svc.text(language, "crisis.state_open")


def _entry(svc: Services, shown: ShownLine, language: str, now: datetime) -> str:
    line = shown.line
    if shown.why is Why.EMERGENCY:
        return svc.text(language, "crisis.emergency", number=line.number, name=line.name(language))
    text = svc.text(
        language,
        "crisis.line",
        name=line.name(language),
        when=_when(svc, shown, language, now),
        number=line.number,
    )
    note = _language_note(svc, shown, language)
    return f"{text}\n{note}" if note else text


def crisis_card(
    svc: Services,
    language: str,
    now: datetime,
    tz: tzinfo,
    situations: Collection[Situation] = (),
) -> str:
    """The crisis reply's text: a few calm lines, then the numbers to call now."""
    shown = choose_lines(svc.crisis_lines, now, tz, language, situations)
    emergency = "\n".join(_entry(svc, s, language, now) for s in shown if s.why is Why.EMERGENCY)
    others = [_entry(svc, s, language, now) for s in shown if s.why is not Why.EMERGENCY]
    lines = "\n\n".join([emergency, *others])
    return svc.text(language, "crisis.reply", lines=lines)


def crisis_markup(
    svc: Services, language: str, situations: Collection[Situation] = ()
) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                {
                    "text": svc.text(language, "crisis.all_button"),
                    "callback_data": all_lines_callback_data(situations),
                }
            ]
        ]
    }


def _full_entry(svc: Services, line: CrisisLine, language: str, now: datetime, tz: tzinfo) -> str:
    status = line_status(line, now, tz, language, Why.OPEN_NOW)
    if line.hours_vary:
        state = svc.text(language, "crisis.state_varies")
    elif status.open_now:
        state = svc.text(language, "crisis.state_open")
    else:
        state = svc.text(language, "crisis.state_closed")
    parts = [
        svc.text(language, "crisis.full_line", name=line.name(language), state=state),
        line.number,
        line.hours(language),
    ]
    parts += [g.hours(language) for g in line.languages if g.hours(language)]
    if language != "ja" and line.group_for(language) is None:
        parts.append(svc.text(language, "crisis.japanese_only"))
    parts.append(line.purpose(language))
    if line.url:
        parts.append(line.url)
    return "\n".join(parts)


def all_lines_text(
    svc: Services,
    language: str,
    now: datetime,
    tz: tzinfo,
    situations: Collection[Situation] = (),
) -> str:
    """Every line with its hours and whether it is open now; the situation's lines first."""
    wanted = set(situations)
    ordered = sorted(
        svc.crisis_lines, key=lambda ln: (not ln.emergency, not (ln.audience & wanted))
    )
    entries = "\n\n".join(_full_entry(svc, ln, language, now, tz) for ln in ordered)
    local = now.astimezone(tz)
    return svc.text(language, "crisis.all_lines", time=_clock(local, closing=False), lines=entries)


def crisis_reply_message(
    svc: Services,
    *,
    chat_id: int,
    language: str,
    now: datetime,
    tz: tzinfo,
    situations: Collection[Situation] = (),
    person_id: int | None = None,
) -> OutboxMessage:
    """The crisis reply as an urgent outbox row (a stranger's reply has no person id)."""
    message = new_message(
        chat_id=chat_id,
        text=crisis_card(svc, language, now, tz, situations),
        now=now,
        purpose=Purpose.CRISIS,
        reply_markup=crisis_markup(svc, language, situations),
        person_id=person_id,
        priority=PRIORITY_URGENT,
    )
    log.info(
        "crisis reply queued for person %s (situations: %s)",
        person_id,
        ",".join(sorted(s.value for s in situations)) or "none",
    )
    return message
