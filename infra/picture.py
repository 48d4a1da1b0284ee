"""The life timeline picture as a PNG (for the chat's /person), drawn with Pillow from the
same layout as the web page's SVG (`domain.lifeline`). No browser at run time, and no CJK
font: the only text is dates in digits, in Pillow's own font; words go in the caption.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

from domain.lifeline import SPAN_HEIGHT, TIE_RADIUS, Lifeline, Point, SpanKind, TieShape

__all__ = ["PALETTE", "PICTURE_HEIGHT", "PICTURE_WIDTH", "render_png"]

_Pixels = Callable[[Point], tuple[float, float]]

PICTURE_WIDTH = 1080
PICTURE_HEIGHT = 480
_MARGIN = 24  # pixels left and right, so the first and last ticks' labels fit

# The web page's stylesheet uses the same colours (web/static/style.css, .lifeline).
PALETTE = {
    "paper": "#fbfaf7",
    "axis": "#4a5058",
    "grid": "#e4e1d8",
    "band": "#cfe0ec",
    "life": "#1d5e8c",
    "P1": "#a3271f",
    "P2": "#8a5a00",
    "P3": "#3d5a3a",
    "focus": "#6a4c93",
    "pause": "#d0cdc4",
    "tie": "#3d5a3a",
    "tie_fill": "#e3efe0",
    "silence": "#8a5a00",
}


def render_png(line: Lifeline, width: int = PICTURE_WIDTH, height: int = PICTURE_HEIGHT) -> bytes:
    image = Image.new("RGB", (width, height), PALETTE["paper"])
    draw = ImageDraw.Draw(image)
    inner = width - 2 * _MARGIN

    def px(point: Point) -> tuple[float, float]:
        return _MARGIN + point[0] * inner, point[1] * height

    _draw_ticks(draw, line, px, height)
    for shape in line.band:
        draw.polygon([px(p) for p in shape], fill=PALETTE["band"])
    for shape in line.life:
        draw.polygon([px(p) for p in shape], fill=PALETTE["life"])
    _draw_spans(draw, line, px, height)
    for x in line.silences:
        cx, cy = px((x, 0.72))
        draw.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=PALETTE["silence"])
    _draw_ties(draw, line, px, height)
    out = io.BytesIO()
    # Flat colours only (and the labels' grey): a palette image of exactly the drawing's
    # colours is a fraction of the size, and quick to make.
    image.quantize(palette=_palette_image(), dither=Image.Dither.NONE).save(out, "PNG")
    return out.getvalue()


def _palette_image() -> Image.Image:
    colours = [int(c.lstrip("#")[i : i + 2], 16) for c in PALETTE.values() for i in (0, 2, 4)]
    # The text's anti-aliased edges fall to the nearest of these greys.
    greys = [v for level in (0x90, 0xB8, 0xD8) for v in (level, level, level)]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + greys)
    return palette


def _draw_ticks(draw: ImageDraw.ImageDraw, line: Lifeline, px: _Pixels, height: int) -> None:
    font = ImageFont.load_default(size=max(12, height // 30))
    last_right = -1e9
    for tick in line.ticks:
        x, _ = px((tick.x, 0))
        draw.line((x, 0.04 * height, x, 0.93 * height), fill=PALETTE["grid"], width=1)
        left, _top, right, _bottom = draw.textbbox((0, 0), tick.label, font=font)
        text_x = min(max(x - (right - left) / 2, 2), draw.im.size[0] - (right - left) - 2)
        if text_x > last_right + 6:  # labels never overlap: some are left out instead
            draw.text((text_x, 0.945 * height), tick.label, fill=PALETTE["axis"], font=font)
            last_right = text_x + (right - left)


def _draw_spans(draw: ImageDraw.ImageDraw, line: Lifeline, px: _Pixels, height: int) -> None:
    for span in line.spans:
        x0, y0 = px((span.x0, span.y))
        x1, _ = px((span.x1, span.y))
        x1 = max(x1, x0 + 4)
        if span.kind is SpanKind.PAUSE:
            top, bottom = 0.3 * height, 0.7 * height
            for x in range(int(x0), int(x1), 8):  # a hatched gap
                draw.line((x, bottom, min(x + 8, x1), top), fill=PALETTE["pause"], width=2)
            continue
        colour = PALETTE["focus"] if span.kind is SpanKind.FOCUS else PALETTE[span.priority or "P2"]
        draw.rectangle((x0, y0, x1, y0 + SPAN_HEIGHT * height), fill=colour)


def _draw_ties(draw: ImageDraw.ImageDraw, line: Lifeline, px: _Pixels, height: int) -> None:
    r = TIE_RADIUS * height
    for tie in line.ties:
        x, y = px((tie.x_join, tie.y))
        if tie.shape in (TieShape.ACTIVE, TieShape.ENDED):
            end, _ = px((tie.x_leave if tie.x_leave is not None else 1.0, tie.y))
            _dashed(draw, x + r, end, y)
            # Joined to the person's line: a thin link down to the band.
            draw.line((x, y + r, x, 0.36 * height), fill=PALETTE["tie"], width=1)
            if tie.x_leave is not None:
                draw.ellipse(
                    (end - r / 2, y - r / 2, end + r / 2, y + r / 2),
                    outline=PALETTE["tie"],
                    width=2,
                )
            for check in tie.checks:
                cx, _ = px((check, tie.y))
                draw.ellipse((cx - 3, y - 3, cx + 3, y + 3), fill=PALETTE["tie"])
        fill = PALETTE["tie_fill"] if tie.shape is not TieShape.DECLINED else PALETTE["paper"]
        outline_width = 3 if tie.shape in (TieShape.ACTIVE, TieShape.ENDED) else 1
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=fill, outline=PALETTE["tie"], width=outline_width
        )


def _dashed(draw: ImageDraw.ImageDraw, x0: float, x1: float, y: float) -> None:
    x = x0
    while x < x1:
        draw.line((x, y, min(x + 6, x1), y), fill=PALETTE["tie"], width=2)
        x += 12
