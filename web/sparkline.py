"""The caseload's mood sparkline: a person's last tapped moods as a small line, drawn as SVG
on the server (no script, no style attribute; classes from the stylesheet).

Better moods sit higher, as people read a line going up; the points are spread evenly, one
per tapped mood, oldest on the left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["HEIGHT", "WIDTH", "Sparkline", "sparkline"]

WIDTH = 120
HEIGHT = 32
_PAD = 4  # keeps the end dots inside the box
_BEST, _WORST = 1, 5


@dataclass(frozen=True, slots=True)
class Sparkline:
    points: str  # the polyline's "x,y x,y ..."
    last: tuple[float, float]  # where the newest mood is, marked with a dot
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(scores: Sequence[int]) -> Sparkline | None:
    """The line of `scores` (1 best .. 5 worst, oldest first); None when there are none."""
    if not scores:
        return None
    inner_w, inner_h = WIDTH - 2 * _PAD, HEIGHT - 2 * _PAD
    step = inner_w / (len(scores) - 1) if len(scores) > 1 else 0.0
    coords = [
        (
            round(_PAD + (i * step if len(scores) > 1 else inner_w / 2), 1),
            round(_PAD + (min(max(s, _BEST), _WORST) - _BEST) / (_WORST - _BEST) * inner_h, 1),
        )
        for i, s in enumerate(scores)
    ]
    return Sparkline(" ".join(f"{x:g},{y:g}" for x, y in coords), coords[-1])
