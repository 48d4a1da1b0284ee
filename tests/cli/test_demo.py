"""`tsunagari demo` tells the week's story in order (issue 16, item 4): enrolment, check-ins,
silence and the all-clear, the 3 a.m. crisis and a worker acting on it, a pause and the
welcome back, and only then the weekly digest; it ends with a summary and no spec violation."""

from __future__ import annotations

import io
import re

import pytest

from cli.demo import run_demo

pytestmark = pytest.mark.slow


async def test_the_demo_tells_the_story_in_order() -> None:
    out = io.StringIO()
    assert await run_demo(out) == 0
    text = out.getvalue()
    scenes = re.findall(r"^=== (.+) ===$", text, flags=re.MULTILINE)
    assert scenes[-1] == "In short: what the records say"
    assert len(scenes) >= 10
    crisis = text.index("もう消えたい")
    # The digest comes last, with the week's figures, not in the middle of an enrolment.
    assert text.count("📋") == 1 and text.index("📋") > text.index("Welcome back")
    # A worker acts on the crisis: takes it, writes through the bot, resolves it.
    assert crisis < text.index("/relay 2") < text.index("/resolve 2")
    assert "escalation #2 (distress, P1): opened Fri 03:00, taken after 4 min, resolved" in text
    # Acknowledged in time, the crisis is never re-sent as a reminder.
    assert "⏰" not in text
    assert text.rstrip().endswith("violations: 0")
