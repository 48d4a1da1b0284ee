import pytest

from domain.mood import MOOD_KEYS, Mood, Trend, is_low, trend


def test_keys_best_to_worst() -> None:
    assert MOOD_KEYS == ("great", "good", "okay", "low", "bad")
    assert [m.score for m in Mood] == [1, 2, 3, 4, 5]
    assert all(len(k.encode()) < 16 for k in MOOD_KEYS)


@pytest.mark.parametrize(
    ("score", "mood", "low"),
    [(1, Mood.GREAT, False), (2, Mood.GOOD, False), (3, Mood.OKAY, False),
     (4, Mood.LOW, True), (5, Mood.BAD, True)],
)
def test_scores(score: int, mood: Mood, low: bool) -> None:
    assert Mood.from_score(score) is mood
    assert Mood.from_key(mood.value) is mood
    assert mood.is_low is low
    assert is_low(score) is low


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_bad_scores(score: int) -> None:
    with pytest.raises(ValueError):
        Mood.from_score(score)


def test_bad_key() -> None:
    with pytest.raises(ValueError, match="great"):
        Mood.from_key("meh")


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], Trend.STEADY),
        ([3], Trend.STEADY),
        ([3, 3], Trend.STEADY),
        ([5, 1], Trend.RISING),
        ([1, 5], Trend.FALLING),
        ([2, 2, 2, 4, 4, 4], Trend.FALLING),
        ([4, 4, 4, 2, 2, 2], Trend.RISING),
        ([3, 3, 3, 3, 3, 3], Trend.STEADY),
        ([3, 3, 4, 3, 3], Trend.STEADY),
        ([2, 3, 2, 3], Trend.STEADY),
        ([1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5], Trend.STEADY),  # only the last 6 count
        ([Mood.GREAT, Mood.GOOD, Mood.BAD], Trend.FALLING),
        ([5, 5, 5, 5, 5, 4], Trend.STEADY),
        ([5, 5, 4, 4], Trend.RISING),
    ],
)
def test_trend(scores: list[int], expected: Trend) -> None:
    assert trend(scores) is expected


def test_trend_validates() -> None:
    with pytest.raises(ValueError):
        trend([1, 7])
    with pytest.raises(ValueError):
        trend([1, 2], window=1)
