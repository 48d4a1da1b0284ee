import pytest

from domain.continuity import HandoverReason, Suggestion, suggest_worker

LEAVING = 1
ACTIVE = {2, 3, 4}


@pytest.mark.parametrize(
    ("backup", "handled", "expected"),
    [
        (2, {}, Suggestion(2, HandoverReason.BACKUP)),
        (2, {3: 5}, Suggestion(2, HandoverReason.BACKUP)),  # the backup knows them already
        (9, {3: 5}, Suggestion(3, HandoverReason.EPISODES, 5)),  # backup no longer active
        (LEAVING, {3: 1}, Suggestion(3, HandoverReason.EPISODES, 1)),
        (None, {3: 2, 4: 3}, Suggestion(4, HandoverReason.EPISODES, 3)),
        (None, {4: 2, 3: 2}, Suggestion(3, HandoverReason.EPISODES, 2)),  # tie: joined first
        (None, {LEAVING: 9, 3: 1}, Suggestion(3, HandoverReason.EPISODES, 1)),
        (None, {9: 4}, Suggestion(None, HandoverReason.NONE)),  # only inactive staff knew them
        (None, {3: 0}, Suggestion(None, HandoverReason.NONE)),
        (None, {}, Suggestion(None, HandoverReason.NONE)),
    ],
)
def test_suggest_worker(
    backup: int | None, handled: dict[int, int], expected: Suggestion
) -> None:
    assert suggest_worker(LEAVING, backup, ACTIVE, handled) == expected
