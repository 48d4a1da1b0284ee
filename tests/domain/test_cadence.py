from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.cadence import (
    DEFAULT_POLICY,
    CadenceBounds,
    CadenceLevel,
    CadenceReason,
    CadenceState,
    MoodRecord,
    decide_cadence,
    effective_schedule,
    looser,
    low_mood_count,
    rank,
    tighter,
)
from domain.schedule import DayRule, Schedule, next_checkin, parse_quiet_hours

L = CadenceLevel
R = CadenceReason
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
FULL = CadenceBounds(tightest=L.CLOSEST, loosest=L.LOOSE)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def moods(*pairs: tuple[float, int]) -> tuple[MoodRecord, ...]:
    return tuple(MoodRecord(ago(d), s) for d, s in pairs)


def replies(*days: float) -> tuple[datetime, ...]:
    return tuple(ago(d) for d in days)


GOOD_FORTNIGHT = moods((13, 2), (9, 1), (5, 2), (1, 2))

CASES = [
    # --- tightening on low moods
    ("two of last three low", CadenceState(L.BASE, None, moods((3, 4), (2, 2), (1, 5))),
     FULL, L.CLOSE, R.LOW_MOODS),
    ("two lows only two moods", CadenceState(L.BASE, None, moods((2, 4), (1, 4))),
     FULL, L.CLOSE, R.LOW_MOODS),
    ("one low of three", CadenceState(L.BASE, None, moods((3, 4), (2, 2), (1, 3))),
     FULL, L.BASE, R.UNCHANGED),
    ("lows older than last three", CadenceState(L.BASE, None,
                                                moods((6, 5), (5, 5), (3, 2), (2, 2), (1, 1))),
     FULL, L.BASE, R.UNCHANGED),
    ("okay (3) is not low", CadenceState(L.BASE, ago(5), moods((3, 3), (2, 3), (1, 3))),
     FULL, L.BASE, R.UNCHANGED),
    ("lows too old (lookback)", CadenceState(L.BASE, None, moods((20, 5), (19, 5))),
     FULL, L.BASE, R.UNCHANGED),
    ("loose tightens to base", CadenceState(L.LOOSE, None, moods((2, 5), (1, 5))),
     FULL, L.BASE, R.LOW_MOODS),
    ("close tightens to closest with new lows",
     CadenceState(L.CLOSE, ago(3), moods((4, 5), (2, 5), (1, 4))), FULL, L.CLOSEST, R.LOW_MOODS),
    ("same lows do not tighten twice",
     CadenceState(L.CLOSE, ago(0.5), moods((2, 5), (1, 4))), FULL, L.CLOSE, R.UNCHANGED),
    ("one new low plus one old low is new evidence",
     CadenceState(L.CLOSE, ago(1.5), moods((2, 5), (1, 4))), FULL, L.CLOSEST, R.LOW_MOODS),
    ("future moods ignored", CadenceState(L.BASE, None, moods((-1, 5), (-2, 5))),
     FULL, L.BASE, R.UNCHANGED),
    # --- tightening on signals
    ("concern signal", CadenceState(L.BASE, None, signals=replies(2)), FULL, L.CLOSE,
     R.CONCERN_SIGNAL),
    ("signal beats moods as reason", CadenceState(L.BASE, None, moods((2, 5), (1, 5)),
                                                  replies(1)), FULL, L.CLOSE, R.CONCERN_SIGNAL),
    ("old signal ignored", CadenceState(L.BASE, None, signals=replies(8)), FULL, L.BASE,
     R.UNCHANGED),
    ("signal before last change ignored", CadenceState(L.CLOSE, ago(1), signals=replies(2)),
     FULL, L.CLOSE, R.UNCHANGED),
    ("new signal after change", CadenceState(L.CLOSE, ago(3), signals=replies(1)),
     FULL, L.CLOSEST, R.CONCERN_SIGNAL),
    ("signal at exactly now", CadenceState(L.BASE, None, signals=(NOW,)), FULL, L.CLOSE,
     R.CONCERN_SIGNAL),
    # --- bounds
    ("at tightest bound", CadenceState(L.CLOSEST, None, signals=replies(1)), FULL, L.CLOSEST,
     R.AT_BOUND),
    ("coordinator bound caps tightening", CadenceState(L.CLOSE, None, signals=replies(1)),
     CadenceBounds(tightest=L.CLOSE, loosest=L.LOOSE), L.CLOSE, R.AT_BOUND),
    ("bound lowered clamps down", CadenceState(L.CLOSEST, ago(1)),
     CadenceBounds(tightest=L.CLOSE, loosest=L.BASE), L.CLOSE, R.BOUNDS_CHANGED),
    ("bound raised clamps up", CadenceState(L.LOOSE, ago(1)),
     CadenceBounds(tightest=L.CLOSEST, loosest=L.BASE), L.BASE, R.BOUNDS_CHANGED),
    ("fixed bounds", CadenceState(L.BASE, None, signals=replies(1)),
     CadenceBounds(tightest=L.BASE, loosest=L.BASE), L.BASE, R.AT_BOUND),
    ("clamp beats evidence", CadenceState(L.CLOSEST, None, signals=replies(1)),
     CadenceBounds(tightest=L.BASE, loosest=L.LOOSE), L.BASE, R.BOUNDS_CHANGED),
    # --- relaxing after a stable good period
    ("stable fortnight relaxes", CadenceState(L.CLOSE, ago(15), GOOD_FORTNIGHT), FULL, L.BASE,
     R.STABLE_PERIOD),
    ("stable relaxes base to loose", CadenceState(L.BASE, None, GOOD_FORTNIGHT), FULL, L.LOOSE,
     R.STABLE_PERIOD),
    ("stable but at loosest bound", CadenceState(L.LOOSE, None, GOOD_FORTNIGHT), FULL, L.LOOSE,
     R.UNCHANGED),
    ("stable but loosest bound is base", CadenceState(L.BASE, None, GOOD_FORTNIGHT),
     CadenceBounds(tightest=L.CLOSEST, loosest=L.BASE), L.BASE, R.UNCHANGED),
    ("changed too recently", CadenceState(L.CLOSE, ago(10), GOOD_FORTNIGHT), FULL, L.CLOSE,
     R.UNCHANGED),
    ("one low mood in the period blocks", CadenceState(
        L.CLOSE, ago(20), moods((13, 2), (9, 4), (5, 2), (1, 2))), FULL, L.CLOSE, R.UNCHANGED),
    ("old signal in the period blocks", CadenceState(
        L.CLOSE, ago(20), GOOD_FORTNIGHT, signals=replies(10)), FULL, L.CLOSE, R.UNCHANGED),
    ("too few replies", CadenceState(L.CLOSE, ago(20), moods((5, 2), (1, 2))), FULL, L.CLOSE,
     R.UNCHANGED),
    ("text replies count", CadenceState(L.CLOSE, ago(20), moods((5, 2)), replies=replies(3, 1)),
     FULL, L.BASE, R.STABLE_PERIOD),
    ("replies before the period do not count", CadenceState(
        L.CLOSE, ago(40), replies=replies(30, 20, 15)), FULL, L.CLOSE, R.UNCHANGED),
    ("duplicate reply instants count once", CadenceState(
        L.CLOSE, ago(20), moods((5, 2), (1, 2)), replies=replies(5, 1)), FULL, L.CLOSE,
     R.UNCHANGED),
    # --- loose watching once tied to the community (つなげる, then 緩やかな見守り)
    ("stable and connected: straight to the loosest bound",
     CadenceState(L.CLOSEST, ago(15), GOOD_FORTNIGHT, connected=True), FULL, L.LOOSE,
     R.CONNECTED),
    ("connected, loosest bound base",
     CadenceState(L.CLOSE, ago(15), GOOD_FORTNIGHT, connected=True),
     CadenceBounds(tightest=L.CLOSEST, loosest=L.BASE), L.BASE, R.CONNECTED),
    ("connected but not stable: unchanged",
     CadenceState(L.CLOSE, ago(10), GOOD_FORTNIGHT, connected=True), FULL, L.CLOSE,
     R.UNCHANGED),
    ("connected and silent: never nothing, never looser",
     CadenceState(L.BASE, ago(60), connected=True), FULL, L.BASE, R.UNCHANGED),
    ("connected and low moods still tighten",
     CadenceState(L.LOOSE, None, moods((2, 5), (1, 4)), connected=True), FULL, L.BASE,
     R.LOW_MOODS),
    # --- silence never changes anything (つながり続ける)
    ("silence at base", CadenceState(L.BASE, ago(60)), FULL, L.BASE, R.UNCHANGED),
    ("silence at close", CadenceState(L.CLOSE, ago(60)), FULL, L.CLOSE, R.UNCHANGED),
    ("silence at closest", CadenceState(L.CLOSEST, ago(60)), FULL, L.CLOSEST, R.UNCHANGED),
    ("silence at loose", CadenceState(L.LOOSE, ago(60)), FULL, L.LOOSE, R.UNCHANGED),
    ("silence after old good moods", CadenceState(
        L.CLOSE, ago(90), moods((60, 1), (50, 1), (40, 1), (30, 1))), FULL, L.CLOSE, R.UNCHANGED),
    ("never changed and silent", CadenceState(L.BASE, None), FULL, L.BASE, R.UNCHANGED),
    ("new person: good replies but enrolled 3 days ago",
     CadenceState(L.BASE, ago(3), moods((2, 1), (1, 1), (0.5, 2))), FULL, L.BASE, R.UNCHANGED),
]


@pytest.mark.parametrize(
    ("state", "bounds", "level", "reason"),
    [pytest.param(s, b, lv, r, id=name) for name, s, b, lv, r in CASES],
)
def test_decide_cadence(
    state: CadenceState, bounds: CadenceBounds, level: CadenceLevel, reason: CadenceReason
) -> None:
    decision = decide_cadence(state, NOW, bounds)
    assert decision.level is level
    assert decision.reason is reason
    assert decision.changed is (level != state.level)
    assert decision.previous is state.level
    assert bounds.contains(decision.level)
    # One step at a time, except a clamp to new bounds and loose watching once connected.
    assert abs(rank(decision.level) - rank(state.level)) <= 1 or reason in (
        R.BOUNDS_CHANGED,
        R.CONNECTED,
    )


def test_decision_is_stable_when_fed_back() -> None:
    state = CadenceState(L.BASE, None, moods((2, 5), (1, 5)), signals=replies(1))
    first = decide_cadence(state, NOW, FULL)
    again = CadenceState(first.level, NOW, state.moods, state.signals)
    assert decide_cadence(again, NOW, FULL).changed is False


def test_level_order_helpers() -> None:
    assert [rank(lv) for lv in L] == [0, 1, 2, 3]
    assert tighter(L.LOOSE) is L.BASE and tighter(L.CLOSEST) is L.CLOSEST
    assert looser(L.CLOSEST) is L.CLOSE and looser(L.LOOSE) is L.LOOSE


@pytest.mark.parametrize(
    ("tightest", "loosest", "level", "contains", "clamped"),
    [
        (L.CLOSEST, L.LOOSE, L.BASE, True, L.BASE),
        (L.CLOSE, L.BASE, L.CLOSEST, False, L.CLOSE),
        (L.CLOSE, L.BASE, L.LOOSE, False, L.BASE),
        (L.BASE, L.BASE, L.BASE, True, L.BASE),
    ],
)
def test_bounds(
    tightest: CadenceLevel,
    loosest: CadenceLevel,
    level: CadenceLevel,
    contains: bool,
    clamped: CadenceLevel,
) -> None:
    bounds = CadenceBounds(tightest, loosest)
    assert bounds.contains(level) is contains
    assert bounds.clamp(level) is clamped


def test_bounds_validate() -> None:
    with pytest.raises(ValueError):
        CadenceBounds(tightest=L.BASE, loosest=L.CLOSE)


def test_low_mood_count() -> None:
    assert low_mood_count(moods((3, 5), (2, 1), (1, 4))) == 2
    assert low_mood_count(()) == 0


def _sched(times: tuple[time, ...], days: DayRule, quiet: str = "") -> Schedule:
    q = parse_quiet_hours(quiet)
    return Schedule(times, days, "Asia/Tokyo", q[0] if q else None, q[1] if q else None)


DAILY9 = _sched((time(9),), DayRule.daily())
EVERY3 = _sched((time(9),), DayRule.every_n_days(3, date(2026, 5, 1)))


@pytest.mark.parametrize(
    ("base", "level", "days", "times", "gap"),
    [
        (DAILY9, L.LOOSE, DayRule.daily(), (time(9),), timedelta(days=3)),
        (DAILY9, L.BASE, DayRule.daily(), (time(9),), None),
        (DAILY9, L.CLOSE, DayRule.daily(), (time(9), time(18)), None),
        (DAILY9, L.CLOSEST, DayRule.daily(), (time(9), time(12), time(18)), None),
        (EVERY3, L.LOOSE, EVERY3.days, (time(9),), timedelta(days=3)),
        (EVERY3, L.BASE, EVERY3.days, (time(9),), None),
        (EVERY3, L.CLOSE, DayRule.daily(), (time(9),), None),
        (EVERY3, L.CLOSEST, DayRule.daily(), (time(9), time(18)), None),
            (_sched((time(18),), DayRule.daily()), L.CLOSE, DayRule.daily(),
         (time(12), time(18)), None),
        (_sched((time(9),), DayRule.daily(), "17:00-08:00"), L.CLOSE, DayRule.daily(),
         (time(9), time(12)), None),
        (_sched((time(9), time(13)), DayRule.daily(), "17:00-08:00"), L.CLOSE, DayRule.daily(),
         (time(9), time(13)), None),  # nothing fits: the level is recorded, times unchanged
        (_sched((time(9),), DayRule.weekdays_only()), L.CLOSE, DayRule.daily(), (time(9),),
         None),
    ],
)
def test_effective_schedule(
    base: Schedule,
    level: CadenceLevel,
    days: DayRule,
    times: tuple[time, ...],
    gap: timedelta | None,
) -> None:
    eff = effective_schedule(base, level)
    assert eff.level is level
    assert eff.schedule.days == days
    assert eff.schedule.times == times
    assert eff.min_gap == gap
    assert eff.schedule.timezone == base.timezone


def test_loose_spaces_daily_checkins_three_days_apart() -> None:
    eff = effective_schedule(DAILY9, L.LOOSE)
    last = datetime(2026, 5, 4, 0, tzinfo=UTC)
    nxt = next_checkin(eff.schedule, last, min_gap=eff.min_gap, last_checkin=last)
    assert nxt == datetime(2026, 5, 7, 0, tzinfo=UTC)
    assert DEFAULT_POLICY.loose_min_gap == timedelta(days=3)
