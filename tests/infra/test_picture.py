"""The chat's PNG of the life timeline: a real PNG of the set size, drawn from the layout,
small, quick, and with no text but dates in digits (no CJK font is needed)."""

from __future__ import annotations

import io
import time
from datetime import timedelta

from PIL import Image

from domain.lifeline import lay_out
from domain.timeline import TimelineEvent, TimelineKind
from infra.picture import PALETTE, PICTURE_HEIGHT, PICTURE_WIDTH, render_png
from tests.domain.test_lifeline import T0, at, daily, tie, two_years

K = TimelineKind


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {rgb for _count, rgb in image.getcolors(maxcolors=1 << 16) or []}


def _rgb(name: str) -> tuple[int, int, int]:
    value = PALETTE[name].lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return r, g, b


def test_a_png_of_the_set_size_with_the_line_the_band_and_the_marks() -> None:
    events = [
        *daily(range(0, 20)),
        TimelineEvent(at(5), K.ESCALATION_OPENED, {"escalation_id": 1, "priority": "P1"}),
        TimelineEvent(at(7), K.ESCALATION_RESOLVED, {"escalation_id": 1}),
        TimelineEvent(at(10), K.FOCUS_STARTED, {"focus_id": 1}),
        *tie(1, (3, K.TIE_PROPOSED), (4, K.TIE_ACTIVE)),
    ]
    png = render_png(lay_out(sorted(events, key=lambda e: e.at), at(28)))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (PICTURE_WIDTH, PICTURE_HEIGHT)
    colours = _colours(png)
    for name in ("paper", "band", "life", "P1", "focus", "tie"):
        assert _rgb(name) in colours, name


def test_two_years_make_a_small_png_quickly() -> None:
    line = lay_out(two_years(), T0 + timedelta(days=730))
    render_png(line)
    started = time.perf_counter()
    png = render_png(line)
    took = time.perf_counter() - started
    assert len(png) < 60_000
    assert took < 0.5, f"{took * 1000:.0f} ms"
    assert all(set(t.label) <= set("0123456789-") for t in line.ticks)
