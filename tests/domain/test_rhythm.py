from datetime import timedelta

import pytest

from domain.rhythm import RhythmBounds, SilenceDelays, silence_delays, usual_delay

H = timedelta(hours=1)
M = timedelta(minutes=1)
BOUNDS = RhythmBounds(min_replies=5, escalate_min=12 * H, escalate_max=72 * H)
NUDGE = 6 * H
ESC = 48 * H


@pytest.mark.parametrize(
    ("delays", "min_replies", "expected"),
    [
        ([], 5, None),
        ([H] * 4, 5, None),  # not enough history yet
        ([H] * 5, 5, H),
        ([H] * 20, 0, None),  # switched off
        # Nearest rank: 9 of 10 at or below it.
        ([M * n for n in range(1, 11)], 5, 9 * M),
        ([10 * M] * 9 + [30 * H], 5, 10 * M),  # one very late reply does not make the rhythm
        ([10 * M] * 8 + [30 * H] * 2, 5, 30 * H),
        # Only the newest twenty count (newest first).
        ([M] * 20 + [50 * H] * 20, 5, M),
        ([H, -H, H, H, H, H], 5, H),  # a clock glitch is not a delay
    ],
)
def test_usual_delay(delays: list[timedelta], min_replies: int, expected: timedelta | None) -> None:
    assert usual_delay(delays, min_replies) == expected


@pytest.mark.parametrize(
    ("usual", "expected"),
    [
        (None, SilenceDelays(NUDGE, ESC)),  # no rhythm yet: the configured delays
        (3 * H, SilenceDelays(3 * H, 12 * H, 3 * H)),  # 3 x 3 h = 9 h, raised to the minimum
        (10 * M, SilenceDelays(H, 12 * H, 10 * M)),  # the nudge never comes within the hour
        (8 * H, SilenceDelays(8 * H, 24 * H, 8 * H)),
        (20 * H, SilenceDelays(20 * H, 60 * H, 20 * H)),
        (30 * H, SilenceDelays(30 * H, 72 * H, 30 * H)),  # capped at the maximum
        (60 * H, SilenceDelays(36 * H, 72 * H, 60 * H)),  # and the nudge comes before it
    ],
)
def test_silence_delays(usual: timedelta | None, expected: SilenceDelays) -> None:
    assert silence_delays(usual, NUDGE, ESC, BOUNDS) == expected


def test_rhythm_switched_off_keeps_the_configured_delays() -> None:
    off = RhythmBounds(min_replies=0, escalate_min=12 * H, escalate_max=72 * H)
    assert silence_delays(3 * H, NUDGE, ESC, off) == SilenceDelays(NUDGE, ESC)


@pytest.mark.parametrize(
    ("replies", "low", "high"), [(-1, 12 * H, 72 * H), (5, 0 * H, 72 * H), (5, 80 * H, 72 * H)]
)
def test_bounds_are_checked(replies: int, low: timedelta, high: timedelta) -> None:
    with pytest.raises(ValueError):
        RhythmBounds(min_replies=replies, escalate_min=low, escalate_max=high)
