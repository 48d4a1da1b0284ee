"""The life timeline picture (the report's figure 3-1) as pure geometry.

From a person's timeline events and `now`, `lay_out` computes shapes in a unit space
(x and y from 0 to 1; y grows downwards, circles' radii are in units of the height):

- time runs left to right, from the first event to `now`;
- the person's life is a line whose width is their motivation (意欲): moods, replies
  against check-ins sent, and signals of distress narrow it;
- the worker's band surrounds that line; its width is how close the contact is (濃淡):
  the cadence level, focused-support periods and open episodes, and it widens when
  motivation drops;
- escalations and focused-support periods are marked spans under the line;
- ties are circles above it, joining when the person agrees and leaving when the tie
  ends, with a dashed track for the loose watching that goes on after connecting;
- pauses (and a stop) are gaps in both the line and the band.

Time is bucketed (a day, a week, two or four weeks: at most `MAX_BUCKETS` buckets), so the
cost grows with the events only once, and the drawing stays readable for years of daily
check-ins. Both renderers (the web page's SVG, the chat's PNG) draw these shapes as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from domain.cadence import CadenceLevel
from domain.timeline import TimelineEvent, TimelineKind

__all__ = [
    "AXIS_Y",
    "BUCKET_CHOICES",
    "MAX_BUCKETS",
    "MAX_TICKS",
    "Bucket",
    "Lifeline",
    "Point",
    "Span",
    "SpanKind",
    "Tick",
    "TieMark",
    "TieShape",
    "bucket_days",
    "lay_out",
]

Point = tuple[float, float]

AXIS_Y = 0.5  # the life line's centre
MAX_BUCKETS = 120
MAX_TICKS = 9
BUCKET_CHOICES = (1, 7, 14, 28)  # days: the smallest that keeps within MAX_BUCKETS
TIE_LANES = (0.09, 0.17, 0.25)
SPAN_LANES = {"escalation": 0.8, "focus": 0.86, "pause": 0.8}
SPAN_HEIGHT = 0.045
TIE_RADIUS = 0.035
_LIFE_MIN, _LIFE_RANGE = 0.012, 0.09  # the life line's half-width
_BAND_MIN, _BAND_RANGE = 0.02, 0.15  # the band's reach beyond the life line
_START_MOTIVATION = 0.6
# Closeness of contact for each cadence level, loosest to closest.
_LEVEL_CLOSENESS = {
    CadenceLevel.LOOSE: 0.1,
    CadenceLevel.BASE: 0.3,
    CadenceLevel.CLOSE: 0.6,
    CadenceLevel.CLOSEST: 0.85,
}
# How much a signal in a bucket narrows the life line.
_SIGNAL_PENALTY = {"distress": 0.35, "concern": 0.2, "silence": 0.1, "reconnect": 0.1}


class SpanKind(StrEnum):
    ESCALATION = "escalation"  # an episode, from opening to resolution
    FOCUS = "focus"  # a focused-support period
    PAUSE = "pause"  # the person paused (or stopped): a gap


class TieShape(StrEnum):
    ACTIVE = "active"  # joined and still going
    ENDED = "ended"  # joined, then left
    PROPOSED = "proposed"  # asked, not answered yet
    DECLINED = "declined"  # the person said no, and that was respected


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    end: datetime
    x0: float
    x1: float
    present: bool  # False inside a pause or after a stop: a gap
    motivation: float  # 0..1
    closeness: float  # 0..1
    sent: int  # check-ins sent
    replied: int  # check-ins answered (a mood or a message)
    moods: tuple[int, ...]  # mood scores, 1 (best) to 5
    signals: int  # episodes opened for distress or concern

    @property
    def silent(self) -> bool:
        """Check-ins went out and nothing came back."""
        return self.present and self.sent > 0 and self.replied == 0


@dataclass(frozen=True, slots=True)
class Span:
    kind: SpanKind
    x0: float
    x1: float
    y: float  # the top of its mark
    running: bool  # still open at `now`
    priority: str | None = None  # an episode's priority (P1, P2, P3)
    reason: str | None = None  # an episode's first reason


@dataclass(frozen=True, slots=True)
class TieMark:
    tie_id: int
    resource_id: int
    shape: TieShape
    x_join: float
    x_leave: float | None  # None while the tie goes on (the track runs to `now`)
    y: float
    checks: tuple[float, ...]  # the periodic questions answered


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str  # digits only (2025-04, 04-14): the PNG draws it without CJK fonts
    day: date


@dataclass(frozen=True, slots=True)
class Lifeline:
    start: datetime
    end: datetime
    days_per_bucket: int
    buckets: tuple[Bucket, ...]
    life: tuple[tuple[Point, ...], ...]  # one closed polygon per run between gaps
    band: tuple[tuple[Point, ...], ...]
    spans: tuple[Span, ...]
    ties: tuple[TieMark, ...]
    ticks: tuple[Tick, ...]

    def x(self, at: datetime) -> float:
        return _x(self.start, self.end, at)

    @property
    def silences(self) -> tuple[float, ...]:
        """The middle of each bucket where check-ins went unanswered."""
        return tuple((b.x0 + b.x1) / 2 for b in self.buckets if b.silent)


def bucket_days(span: timedelta) -> int:
    days = span.total_seconds() / 86_400
    for choice in BUCKET_CHOICES:
        if days / choice <= MAX_BUCKETS:
            return choice
    return max(BUCKET_CHOICES[-1], int(days // MAX_BUCKETS) + 1)


def _x(start: datetime, end: datetime, at: datetime) -> float:
    total = (end - start).total_seconds()
    if total <= 0:
        return 0.0
    return min(1.0, max(0.0, (at - start).total_seconds() / total))


def _floor_day(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def lay_out(
    events: Sequence[TimelineEvent],
    now: datetime,
    *,
    tz: tzinfo = UTC,
    level: CadenceLevel = CadenceLevel.BASE,
) -> Lifeline:
    """The picture of `events` (oldest first, as `domain.timeline.in_order` gives them)
    up to `now`; `level` is the person's cadence level today (before any recorded change,
    the first change's `from` is used)."""
    start = _floor_day(events[0].at) if events else _floor_day(now - timedelta(days=7))
    start = min(start, _floor_day(now - timedelta(days=7)))
    end = max(now, start + timedelta(days=1))
    days = bucket_days(end - start)
    gaps = _gaps(events, end)
    buckets = _buckets(events, start, end, days, gaps, _first_level(events, level))
    return Lifeline(
        start=start,
        end=end,
        days_per_bucket=days,
        buckets=buckets,
        life=_polygons(buckets, _life_half),
        band=_polygons(buckets, _band_half),
        spans=_spans(events, start, end, gaps),
        ties=_ties(events, start, end),
        ticks=_ticks(start, end, tz),
    )


def _first_level(events: Iterable[TimelineEvent], level: CadenceLevel) -> CadenceLevel:
    for e in events:
        if e.kind is TimelineKind.CADENCE_CHANGED:
            return _level(e.fields.get("from"), level)
    return level


def _level(value: object, default: CadenceLevel) -> CadenceLevel:
    try:
        return CadenceLevel(str(value))
    except ValueError:
        return default


def _gaps(events: Sequence[TimelineEvent], end: datetime) -> list[tuple[datetime, datetime]]:
    """Pauses and stops, until the next resumption (or `now`)."""
    gaps: list[tuple[datetime, datetime]] = []
    since: datetime | None = None
    for e in events:
        if e.kind in (TimelineKind.PAUSED, TimelineKind.STOPPED) and since is None:
            since = e.at
        elif e.kind is TimelineKind.RESUMED and since is not None:
            gaps.append((since, e.at))
            since = None
    if since is not None:
        gaps.append((since, end))
    return gaps


@dataclass(slots=True)
class _Tally:
    sent: int = 0
    replied: int = 0
    signals: int = 0
    penalty: float = 0.0
    focus: bool = False  # a focused-support period ran in the bucket
    episode: bool = False  # an episode was open in the bucket
    level: CadenceLevel = CadenceLevel.BASE
    moods: list[int] = field(default_factory=list)
    answered: set[object] = field(default_factory=set)


@dataclass(slots=True)
class _Running:
    """What runs across buckets: the cadence level, focus periods and open episodes."""

    level: CadenceLevel
    focus: int = 0
    episodes: int = 0

    def mark(self, tally: _Tally) -> None:
        tally.level = self.level
        tally.focus = tally.focus or self.focus > 0
        tally.episode = tally.episode or self.episodes > 0


def _count(tally: _Tally, running: _Running, e: TimelineEvent) -> None:
    kind = e.kind
    if kind is TimelineKind.CHECKIN:
        tally.sent += 1
    elif kind is TimelineKind.MOOD:
        tally.moods.append(int(str(e.fields.get("score", 3))))
        tally.answered.add(e.fields.get("checkin_id"))
    elif kind is TimelineKind.MESSAGE and not e.fields.get("outside_checkin"):
        tally.answered.add(("message", e.fields.get("message_id")))
    elif kind is TimelineKind.ESCALATION_OPENED:
        reason = str(e.fields.get("reason", ""))
        tally.penalty += _SIGNAL_PENALTY.get(reason, 0.0)
        tally.signals += reason in ("distress", "concern")
        running.episodes += 1
    elif kind is TimelineKind.ESCALATION_RESOLVED:
        running.episodes = max(0, running.episodes - 1)
    elif kind is TimelineKind.CADENCE_CHANGED:
        running.level = _level(e.fields.get("to"), running.level)
    elif kind is TimelineKind.FOCUS_STARTED:
        running.focus += 1
    elif kind is TimelineKind.FOCUS_ENDED:
        running.focus = max(0, running.focus - 1)


# The kinds that change what runs across buckets.
_RUNNING = frozenset(
    {
        TimelineKind.ESCALATION_OPENED,
        TimelineKind.ESCALATION_RESOLVED,
        TimelineKind.CADENCE_CHANGED,
        TimelineKind.FOCUS_STARTED,
        TimelineKind.FOCUS_ENDED,
    }
)


def _tallies(
    events: Sequence[TimelineEvent], start: datetime, days: int, count: int, first: CadenceLevel
) -> list[_Tally]:
    """One pass over the events: what happened in each bucket, and what was running."""
    width = timedelta(days=days).total_seconds()
    tallies = [_Tally() for _ in range(count)]
    running = _Running(first)
    running.mark(tallies[0])
    index = 0
    for e in events:
        at = min(count - 1, max(0, int((e.at - start).total_seconds() // width)))
        while index < at:  # the buckets passed over carry what was running
            index += 1
            running.mark(tallies[index])
        _count(tallies[index], running, e)
        if e.kind in _RUNNING:
            running.mark(tallies[index])
    while index < count - 1:
        index += 1
        running.mark(tallies[index])
    for tally in tallies:
        tally.replied = min(tally.sent, len(tally.answered)) if tally.sent else len(tally.answered)
    return tallies


def _motivation(tally: _Tally, previous: float, days: int) -> float:
    """Moods count double, replies against check-ins once; signals narrow it; a bucket
    without news keeps the last value (no news is not bad news). The line follows the
    news at the same pace whatever the bucket's size: a week moves it 60 % of the way."""
    weighted, weight = 0.0, 0.0
    if tally.moods:
        mood = sum((5 - s) / 4 for s in tally.moods) / len(tally.moods)
        weighted, weight = weighted + 2 * mood, weight + 2
    if tally.sent:
        weighted, weight = weighted + tally.replied / tally.sent, weight + 1
    raw = weighted / weight if weight else previous
    follow: float = 1 - 0.4 ** (days / 7)
    value = follow * raw + (1 - follow) * previous - tally.penalty
    return min(1.0, max(0.05, value))


def _closeness(tally: _Tally, motivation: float) -> float:
    value = _LEVEL_CLOSENESS[tally.level] + 0.25 * (1 - motivation)
    value += 0.2 if tally.focus else 0.0
    value += 0.15 if tally.episode else 0.0
    return min(1.0, value)


def _buckets(
    events: Sequence[TimelineEvent],
    start: datetime,
    end: datetime,
    days: int,
    gaps: list[tuple[datetime, datetime]],
    first: CadenceLevel,
) -> tuple[Bucket, ...]:
    width = timedelta(days=days)
    count = max(1, -(-int((end - start).total_seconds()) // int(width.total_seconds())))
    tallies = _tallies(events, start, days, count, first)
    motivation = _START_MOTIVATION
    out: list[Bucket] = []
    for i, tally in enumerate(tallies):
        b_start = start + i * width
        b_end = min(end, b_start + width)
        present = tally.sent > 0 or not _mostly_paused(b_start, b_end, gaps)
        motivation = _motivation(tally, motivation, days) if present else motivation
        out.append(
            Bucket(
                start=b_start,
                end=b_end,
                x0=_x(start, end, b_start),
                x1=_x(start, end, b_end),
                present=present,
                motivation=round(motivation, 4),
                closeness=round(_closeness(tally, motivation), 4),
                sent=tally.sent,
                replied=tally.replied,
                moods=tuple(tally.moods),
                signals=tally.signals,
            )
        )
    return tuple(out)


def _mostly_paused(start: datetime, end: datetime, gaps: list[tuple[datetime, datetime]]) -> bool:
    """A bucket is a gap when pauses cover at least half of it and nothing was sent."""
    covered = sum(max(0.0, (min(end, g1) - max(start, g0)).total_seconds()) for g0, g1 in gaps)
    return covered * 2 >= (end - start).total_seconds()


def _life_half(b: Bucket) -> float:
    return _LIFE_MIN + _LIFE_RANGE * b.motivation


def _band_half(b: Bucket) -> float:
    return _life_half(b) + _BAND_MIN + _BAND_RANGE * b.closeness


def _polygons(
    buckets: Sequence[Bucket], half: Callable[[Bucket], float]
) -> tuple[tuple[Point, ...], ...]:
    """A closed outline per run of present buckets: the top edge left to right through
    each bucket's middle, then the bottom edge back."""
    runs: list[list[Bucket]] = []
    for b in buckets:
        if not b.present:
            if runs and runs[-1]:
                runs.append([])
            continue
        if not runs:
            runs.append([])
        runs[-1].append(b)
    shapes: list[tuple[Point, ...]] = []
    for run in (r for r in runs if r):
        xs = [run[0].x0] + [(b.x0 + b.x1) / 2 for b in run] + [run[-1].x1]
        hs = [half(run[0])] + [half(b) for b in run] + [half(run[-1])]
        top = [(round(x, 4), round(AXIS_Y - h, 4)) for x, h in zip(xs, hs, strict=True)]
        bottom = [(round(x, 4), round(AXIS_Y + h, 4)) for x, h in zip(xs, hs, strict=True)]
        shapes.append(tuple(top + bottom[::-1]))
    return tuple(shapes)


def _spans(
    events: Sequence[TimelineEvent],
    start: datetime,
    end: datetime,
    gaps: list[tuple[datetime, datetime]],
) -> tuple[Span, ...]:
    opened: dict[object, TimelineEvent] = {}
    focus: dict[object, datetime] = {}
    spans: list[Span] = []
    for e in events:
        if e.kind is TimelineKind.ESCALATION_OPENED:
            opened[e.fields.get("escalation_id")] = e
        elif e.kind is TimelineKind.ESCALATION_RESOLVED:
            began = opened.pop(e.fields.get("escalation_id"), None)
            if began is not None:
                spans.append(_episode(began, e.at, start, end, running=False))
        elif e.kind is TimelineKind.FOCUS_STARTED:
            focus[e.fields.get("focus_id")] = e.at
        elif e.kind is TimelineKind.FOCUS_ENDED:
            since = focus.pop(e.fields.get("focus_id"), None)
            if since is not None:
                spans.append(_focus(since, e.at, start, end, running=False))
    spans += [_episode(e, end, start, end, running=True) for e in opened.values()]
    spans += [_focus(at, end, start, end, running=True) for at in focus.values()]
    spans += [
        Span(SpanKind.PAUSE, _x(start, end, g0), _x(start, end, g1), AXIS_Y, running=g1 >= end)
        for g0, g1 in gaps
    ]
    return tuple(sorted(spans, key=lambda s: (s.x0, s.kind.value)))


def _episode(
    began: TimelineEvent, at: datetime, start: datetime, end: datetime, *, running: bool
) -> Span:
    return Span(
        SpanKind.ESCALATION,
        _x(start, end, began.at),
        _x(start, end, at),
        SPAN_LANES["escalation"],
        running=running,
        priority=str(began.fields.get("priority", "P2")),
        reason=str(began.fields.get("reason", "")),
    )


def _focus(since: datetime, at: datetime, start: datetime, end: datetime, *, running: bool) -> Span:
    return Span(
        SpanKind.FOCUS,
        _x(start, end, since),
        _x(start, end, at),
        SPAN_LANES["focus"],
        running=running,
    )


@dataclass(slots=True)
class _TieSeen:
    resource_id: int
    proposed: datetime
    joined: datetime | None = None
    left: datetime | None = None
    declined: bool = False
    checks: list[datetime] = field(default_factory=list)


def _ties(events: Sequence[TimelineEvent], start: datetime, end: datetime) -> tuple[TieMark, ...]:
    seen: dict[int, _TieSeen] = {}
    for e in events:
        tie_id = e.fields.get("tie_id")
        if not isinstance(tie_id, int):
            continue
        if e.kind is TimelineKind.TIE_PROPOSED:
            seen[tie_id] = _TieSeen(int(str(e.fields.get("resource_id", 0))), e.at)
        elif tie_id in seen:
            tie = seen[tie_id]
            if e.kind is TimelineKind.TIE_ACTIVE:
                tie.joined = e.at
            elif e.kind is TimelineKind.TIE_DECLINED:
                tie.declined = True
            elif e.kind is TimelineKind.TIE_CHECKED:
                tie.checks.append(e.at)
            elif e.kind is TimelineKind.TIE_ENDED:
                tie.left = e.at
    lane_ends = [-1.0] * len(TIE_LANES)
    marks: list[TieMark] = []
    for tie_id, tie in seen.items():
        x_join = _x(start, end, tie.joined or tie.proposed)
        x_leave = _x(start, end, tie.left) if tie.left is not None else None
        # The first lane free at the join (or the one that frees first): circles stay apart.
        lane = next(
            (i for i, e in enumerate(lane_ends) if e < x_join - 0.04),
            min(range(len(TIE_LANES)), key=lane_ends.__getitem__),
        )
        runs_to = x_leave if x_leave is not None else (1.0 if tie.joined else x_join)
        lane_ends[lane] = max(runs_to, x_join + 0.04)
        marks.append(
            TieMark(
                tie_id=tie_id,
                resource_id=tie.resource_id,
                shape=_tie_shape(tie),
                x_join=x_join,
                x_leave=x_leave,
                y=TIE_LANES[lane],
                checks=tuple(_x(start, end, at) for at in tie.checks),
            )
        )
    return tuple(marks)


def _tie_shape(tie: _TieSeen) -> TieShape:
    if tie.declined:
        return TieShape.DECLINED
    if tie.joined is None:
        return TieShape.PROPOSED
    return TieShape.ENDED if tie.left is not None else TieShape.ACTIVE


def _ticks(start: datetime, end: datetime, tz: tzinfo) -> tuple[Tick, ...]:
    """Month starts (every 3rd month past 18 months), or Mondays for a short span."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    span_days = (last - first).days
    days: list[date] = []
    if span_days <= 62:
        step = 7 if span_days > 14 else 1
        day = first + timedelta(days=(7 - first.weekday()) % 7 if step == 7 else 0)
        while day <= last:
            days.append(day)
            day += timedelta(days=step)
        labels = [d.strftime("%m-%d") for d in days]
    else:
        every = 3 if span_days > 540 else 1
        year, month = first.year, first.month + 1
        while True:
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
            day = date(year, month, 1)
            if day > last:
                break
            if (month - 1) % every == 0:
                days.append(day)
            month += 1
        labels = [d.strftime("%Y-%m") for d in days]
    ticks = [
        (datetime(d.year, d.month, d.day, tzinfo=tz), d, label)
        for d, label in zip(days, labels, strict=True)
    ]
    ticks = [(at, d, label) for at, d, label in ticks if start <= at <= end]
    every = -(-len(ticks) // MAX_TICKS)  # thinned out so the labels never crowd
    return tuple(Tick(_x(start, end, at), label, d) for at, d, label in ticks[::every])
