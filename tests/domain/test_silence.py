from datetime import UTC, datetime, timedelta

import pytest

from domain.silence import SilenceAction, next_silence_check, silence_action

SENT = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
NUDGE = timedelta(hours=6)
ESC = timedelta(hours=24)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("replied", "nudged", "escalated", "elapsed", "expected"),
    [
        (None, None, False, 0 * H, SilenceAction.NONE),
        (None, None, False, 5 * H, SilenceAction.NONE),
        (None, None, False, 6 * H, SilenceAction.NUDGE),
        (None, None, False, 7 * H, SilenceAction.NUDGE),
        (None, SENT + 6 * H, False, 7 * H, SilenceAction.NONE),  # at most one nudge
        (None, SENT + 6 * H, False, 23 * H, SilenceAction.NONE),
        (None, SENT + 6 * H, False, 24 * H, SilenceAction.ESCALATE),
        (None, SENT + 6 * H, False, 30 * H, SilenceAction.ESCALATE),
        (None, SENT + 6 * H, True, 30 * H, SilenceAction.NONE),  # escalation once
        (None, None, False, 25 * H, SilenceAction.ESCALATE),  # downtime: escalate, skip nudge
        (None, None, True, 48 * H, SilenceAction.NONE),
        (SENT + 1 * H, None, False, 7 * H, SilenceAction.NONE),  # a reply stops the nudge
        (SENT + 8 * H, SENT + 6 * H, False, 30 * H, SilenceAction.NONE),  # and the escalation
        (SENT, None, False, 30 * H, SilenceAction.NONE),  # reply at the same instant counts
        (SENT - 1 * H, None, False, 7 * H, SilenceAction.NUDGE),  # older reply does not count
        (SENT - 1 * H, SENT + 6 * H, False, 24 * H, SilenceAction.ESCALATE),
        (None, None, False, 500 * H, SilenceAction.ESCALATE),
    ],
)
def test_silence_action(
    replied: datetime | None,
    nudged: datetime | None,
    escalated: bool,
    elapsed: timedelta,
    expected: SilenceAction,
) -> None:
    assert silence_action(SENT, replied, nudged, escalated, SENT + elapsed, NUDGE, ESC) is expected


@pytest.mark.parametrize(
    ("replied", "nudged", "escalated", "nudge_after", "expected"),
    [
        (None, None, False, NUDGE, SENT + NUDGE),
        (None, SENT + NUDGE, False, NUDGE, SENT + ESC),
        (None, None, False, timedelta(hours=30), SENT + ESC),  # nudge later than escalation
        (SENT + H, None, False, NUDGE, None),
        (None, SENT + NUDGE, True, NUDGE, None),
    ],
)
def test_next_silence_check(
    replied: datetime | None,
    nudged: datetime | None,
    escalated: bool,
    nudge_after: timedelta,
    expected: datetime | None,
) -> None:
    assert next_silence_check(SENT, replied, nudged, escalated, nudge_after, ESC) == expected


def test_silence_validates() -> None:
    with pytest.raises(ValueError):
        silence_action(SENT, None, None, False, SENT, timedelta(0), ESC)
    with pytest.raises(ValueError):
        silence_action(SENT, None, None, False, datetime(2026, 5, 1), NUDGE, ESC)
