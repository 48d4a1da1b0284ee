"""Which crisis lines a reply shows, at a given moment, for a given person.

Pure: `now`, the person's time zone, language and situations are arguments. The rules
(PRODUCT.md, Signals; issue 9):

1. Emergency numbers (119, 110) first, always.
2. Then at most three lines a person can call *now*:
   - the specialist line for each situation, in order of urgency: a child in danger (189),
     sexual violence (#8891), violence or abuse (DV相談＋). A line whose hours depend on the
     area (#8891) is still shown for its situation; its own text says so plainly;
   - for someone who does not write in Japanese, lines that answer in their language now;
   - other lines open now: those for the situation, then general ones, in the file's order;
   - always at least one line open 24 hours: if none was picked, the last place goes to one.
A line that closes within `CLOSING_SOON` is not offered: a call would meet a closing desk.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from signals.crisis import CrisisLine, LanguageGroup, Situation

__all__ = [
    "CLOSING_SOON",
    "MAX_EXTRA_LINES",
    "SITUATION_ORDER",
    "ShownLine",
    "Why",
    "choose_lines",
    "line_status",
    "situations_from_concepts",
]

MAX_EXTRA_LINES = 3
CLOSING_SOON = timedelta(minutes=15)
# Most urgent first: a child's safety, then sexual violence (time-critical care), then violence.
SITUATION_ORDER = (
    Situation.CHILD,
    Situation.SEXUAL_VIOLENCE,
    Situation.VIOLENCE,
    Situation.YOUTH,
)
# The classifier's concept names (signals taxonomy) for the situations lines are chosen by.
_CONCEPTS = {
    "violence": Situation.VIOLENCE,
    "abuse": Situation.VIOLENCE,
    "sexual_violence": Situation.SEXUAL_VIOLENCE,
    "child_danger": Situation.CHILD,
    "child": Situation.CHILD,
}


class Why(StrEnum):
    EMERGENCY = "emergency"
    SITUATION = "situation"
    LANGUAGE = "language"
    OPEN_NOW = "open_now"
    OPEN_24H = "open_24h"


@dataclass(frozen=True, slots=True)
class ShownLine:
    line: CrisisLine
    why: Why
    open_now: bool
    # When the current opening ends, in the person's time zone; None if round the clock,
    # closed, or the hours vary.
    closes_at: datetime | None
    # The person's language is answered now (by `language_group`'s channel).
    in_language: bool
    language_group: LanguageGroup | None
    situation: Situation | None = None


def situations_from_concepts(concepts: Iterable[str]) -> frozenset[Situation]:
    """The situations a reply picks lines by, from a classification's concept names."""
    return frozenset(_CONCEPTS[c] for c in concepts if c in _CONCEPTS)


def line_status(line: CrisisLine, now: datetime, tz: tzinfo, language: str, why: Why) -> ShownLine:
    closes = line.closes_at(now)
    return ShownLine(
        line=line,
        why=why,
        open_now=line.is_open(now),
        closes_at=None if closes is None else closes.astimezone(tz),
        in_language=line.answers_in(language, now),
        language_group=line.group_for(language),
    )


def _callable_now(line: CrisisLine, now: datetime) -> bool:
    if not line.is_open(now):
        return False
    closes = line.closes_at(now)
    return closes is None or closes - now >= CLOSING_SOON


def _speaks_now(line: CrisisLine, language: str, now: datetime) -> bool:
    """Answers in `language` now and still will in `CLOSING_SOON`."""
    soon = now + CLOSING_SOON - timedelta(seconds=1)
    return line.answers_in(language, now) and line.answers_in(language, soon)


def _situation_pick(
    candidates: Sequence[CrisisLine], situation: Situation, now: datetime
) -> CrisisLine | None:
    """The first line for a situation that can be called now; specialists before general."""
    matching = [ln for ln in candidates if situation in ln.audience]
    matching.sort(key=lambda ln: Situation.GENERAL in ln.audience)  # stable: file order kept
    for line in matching:
        if _callable_now(line, now) or line.hours_vary:
            return line
    return None


def choose_lines(
    lines: Sequence[CrisisLine],
    now: datetime,
    tz: tzinfo,
    language: str = "ja",
    situations: Collection[Situation] = (),
    limit: int = MAX_EXTRA_LINES,
) -> list[ShownLine]:
    """The lines a crisis reply shows, in order: emergency numbers, then at most `limit`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    shown = [line_status(ln, now, tz, language, Why.EMERGENCY) for ln in lines if ln.emergency]
    others = [ln for ln in lines if not ln.emergency]
    picked: list[tuple[CrisisLine, Why, Situation | None]] = []

    def take(line: CrisisLine, why: Why, situation: Situation | None = None) -> None:
        if len(picked) < limit and all(line is not p[0] for p in picked):
            picked.append((line, why, situation))

    wanted = [s for s in SITUATION_ORDER if s in situations]
    for situation in wanted:
        chosen = _situation_pick(others, situation, now)
        if chosen is not None:
            take(chosen, Why.SITUATION, situation)
    # Lines meant for someone else (a child's line for an adult) stay out unless asked for.
    fitting = [ln for ln in others if Situation.GENERAL in ln.audience or ln.audience & set(wanted)]
    fitting.sort(key=lambda ln: not ln.audience & set(wanted))  # the situation's lines first
    # Someone who does not write in Japanese gets the lines that answer in their language.
    why = Why.OPEN_NOW if language == "ja" else Why.LANGUAGE
    for line in fitting:
        if _callable_now(line, now) and (why is Why.OPEN_NOW or _speaks_now(line, language, now)):
            take(line, why)
    if not any(p[0].always_open for p in picked):
        round_the_clock = next((ln for ln in fitting if ln.always_open), None)
        if round_the_clock is not None:
            if len(picked) >= limit:
                # Give up the last general pick, not a line chosen for the situation.
                general = [i for i, p in enumerate(picked) if p[1] is not Why.SITUATION]
                picked.pop(general[-1] if general else -1)
            take(round_the_clock, Why.OPEN_24H)
    for line, reason, for_situation in picked:
        status = line_status(line, now, tz, language, reason)
        shown.append(replace(status, situation=for_situation))
    return shown
