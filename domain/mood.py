"""Mood scores from the check-in buttons.

Five levels, 1 (best) to 5 (worst), in the order the buttons appear in a check-in's keyboard.
Each level has a short, stable ASCII key for ``callback_data`` (64-byte limit) that never
changes even if the wording on the button does.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

__all__ = ["LOW_MOOD_SCORE", "MOOD_KEYS", "Mood", "Trend", "is_low", "trend"]

LOW_MOOD_SCORE = 4
"""Scores at or above this (``low`` = 4, ``bad`` = 5, the two worst levels) count as low moods."""


class Mood(StrEnum):
    """A mood answer; the value is the stable callback key, :attr:`score` is 1 (best)..5."""

    GREAT = "great"
    GOOD = "good"
    OKAY = "okay"
    LOW = "low"
    BAD = "bad"

    @property
    def score(self) -> int:
        return _SCORES[self]

    @property
    def is_low(self) -> bool:
        return self.score >= LOW_MOOD_SCORE

    @classmethod
    def from_score(cls, score: int) -> Mood:
        if isinstance(score, bool) or not 1 <= score <= 5:
            raise ValueError(f"mood score must be 1 (best) to 5 (worst), got {score!r}")
        return _BY_SCORE[score]

    @classmethod
    def from_key(cls, key: str) -> Mood:
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"unknown mood key {key!r}; expected one of {MOOD_KEYS}") from None


_SCORES: dict[Mood, int] = {mood: index for index, mood in enumerate(Mood, start=1)}
_BY_SCORE: dict[int, Mood] = {score: mood for mood, score in _SCORES.items()}

MOOD_KEYS: tuple[str, ...] = tuple(m.value for m in Mood)
"""Keys best to worst, the order of the buttons."""


def _score(value: int | Mood) -> int:
    if isinstance(value, Mood):
        return value.score
    return Mood.from_score(value).score


def is_low(value: int | Mood) -> bool:
    """True for the two worst levels (scores 4 and 5)."""
    return _score(value) >= LOW_MOOD_SCORE


class Trend(StrEnum):
    """Direction of a person's mood for the worker's caseload view.

    ``rising`` means the mood is getting *better* (scores going down towards 1), ``falling``
    means it is getting worse; the words describe the person's wellbeing, not the number.
    """

    RISING = "rising"
    FALLING = "falling"
    STEADY = "steady"


def trend(
    scores: Sequence[int | Mood], *, window: int = 6, threshold: float = 0.5
) -> Trend:
    """Mood direction over the last ``window`` scores, oldest first.

    Rule (explainable to a worker): take the last ``window`` scores, compare the average of
    the newer half with the average of the older half (the middle one is left out when the
    count is odd). A difference of at least ``threshold`` points is a trend; anything smaller,
    or fewer than two scores, is ``steady``. Lower scores are better, so a lower recent average
    is ``rising``.
    """
    if window < 2:
        raise ValueError("window must be at least 2")
    values = [_score(s) for s in scores][-window:]
    if len(values) < 2:
        return Trend.STEADY
    half = len(values) // 2
    older = values[:half]
    newer = values[-half:]
    delta = sum(newer) / half - sum(older) / half
    if delta <= -threshold:
        return Trend.RISING
    if delta >= threshold:
        return Trend.FALLING
    return Trend.STEADY
