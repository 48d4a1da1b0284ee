"""Reachability rules: which failures say a staff member cannot be reached, and the first
responder tier with anyone worth trying."""

from __future__ import annotations

import pytest

from domain.reachability import Reachability, Unreachable, screen_tiers, unreachable_cause

R, U, X = Reachability.REACHABLE, Reachability.UNKNOWN, Reachability.UNREACHABLE


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("blocked", Unreachable.BLOCKED),
        ("chat_not_found", Unreachable.CHAT_NOT_FOUND),
        ("forbidden", Unreachable.FORBIDDEN),
        ("bad_request", None),
        ("flood_control", None),
        ("network", None),
        ("timed_out", None),
    ],
)
def test_only_permanent_recipient_failures_make_staff_unreachable(
    reason: str, cause: Unreachable | None
) -> None:
    assert unreachable_cause(reason) is cause


def test_unknown_staff_are_still_tried() -> None:
    assert R.usable and U.usable and not X.usable


def test_the_first_tier_with_anyone_usable_is_chosen() -> None:
    screened = screen_tiers([[("sato", X)], [("suzuki", U)], [("ito", R), ("mori", X)]])
    assert screened.chosen == ["suzuki"]
    assert screened.skipped == ["sato"]


def test_unreachable_members_of_the_chosen_tier_are_skipped_too() -> None:
    screened = screen_tiers([[], [("ito", R), ("mori", X), ("abe", U)]])
    assert screened.chosen == ["ito", "abe"]
    assert screened.skipped == ["mori"]


def test_nobody_usable_anywhere() -> None:
    screened = screen_tiers([[("sato", X)], [], [("ito", X), ("sato", X)]])
    assert screened.chosen == []
    assert screened.skipped == ["sato", "ito"]
