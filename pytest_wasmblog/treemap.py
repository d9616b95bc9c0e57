"""Size treemaps as PNG images (Pillow + stdlib only).

A treemap shows each item (bundle module, site asset, ...) as a rectangle whose
area is proportional to its size in bytes. Tiles are first grouped by origin so
the reader can see at a glance how much of a bundle is "app" versus runtime.

The layout is the squarified treemap of Bruls, Huizing and van Wijk (2000): it
fills a rectangle row by row, adding items to the current row only while that
keeps the row's worst aspect ratio from getting worse, which yields tiles close
to squares (squares are the easiest shapes to compare and to label).
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.units import human_size

__all__ = [
    "Placement",
    "Rect",
    "Tile",
    "layout",
    "place_tiles",
    "render",
    "save_png",
]

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Tile:
    """One item to draw: e.g. a module of a bundle, grouped by its origin."""

    label: str
    size: int  # bytes
    group: str

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"tile {self.label!r} has negative size {self.size}")


@dataclass(frozen=True)
class Rect:
    """Axis-aligned rectangle with float coordinates (origin top-left)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        return self.w * self.h

    @property
    def aspect(self) -> float:
        """Longest side over shortest side (1.0 is a square, inf if degenerate)."""
        short, long = sorted((self.w, self.h))
        return long / short if short > 0 else math.inf


@dataclass(frozen=True)
class Placement:
    """Where a tile ended up on the canvas (useful for tests and image maps)."""

    tile: Tile
    rect: Rect


# --------------------------------------------------------------------------
# Squarified layout (pure geometry, no drawing)
# --------------------------------------------------------------------------


def layout(sizes: Sequence[float], rect: Rect) -> list[Rect]:
    """Split ``rect`` into one rectangle per size, areas proportional to sizes.

    The result is aligned with ``sizes`` (same length, same order). Zero sizes
    get a zero-area rectangle at the corner of ``rect``; an empty input gives
    an empty list. The rectangles exactly tile ``rect`` when any size is > 0.
    """
    if any(size < 0 or math.isnan(size) for size in sizes):
        raise ValueError("sizes must be non-negative numbers")
    result = [Rect(rect.x, rect.y, 0.0, 0.0)] * len(sizes)
    total = math.fsum(sizes)
    if total <= 0 or rect.w <= 0 or rect.h <= 0:
        return result
    # Squarify needs the items largest first; ties keep input order so the
    # layout is deterministic.
    order = sorted(
        (i for i, s in enumerate(sizes) if s > 0), key=lambda i: (-sizes[i], i)
    )
    scale = rect.area / total
    placed = _squarify([sizes[i] * scale for i in order], rect)
    for index, placed_rect in zip(order, placed, strict=True):
        result[index] = placed_rect
    return result


def _squarify(areas: Sequence[float], rect: Rect) -> list[Rect]:
    """Lay out areas (sorted descending, summing to rect.area) in rows."""
    placed: list[Rect] = []
    free = rect
    row: list[float] = []
    for area in areas:
        side = min(free.w, free.h)
        if row and _worst_aspect([*row, area], side) > _worst_aspect(row, side):
            # Adding this item would make the row less square: close the row.
            row_rects, free = _place_row(row, free, fill_rest=False)
            placed.extend(row_rects)
            row = []
        row.append(area)
    if row:
        # The last row takes all remaining space, absorbing float rounding so
        # the tiles cover the canvas exactly.
        row_rects, _ = _place_row(row, free, fill_rest=True)
        placed.extend(row_rects)
    return placed


def _worst_aspect(row: Sequence[float], side: float) -> float:
    """Worst aspect ratio of a row of areas laid along a side of given length."""
    row_area = math.fsum(row)
    if side <= 0 or row_area <= 0:
        return math.inf
    side_sq, row_sq = side * side, row_area * row_area
    return max(side_sq * max(row) / row_sq, row_sq / (side_sq * min(row)))


def _place_row(
    row: Sequence[float], free: Rect, *, fill_rest: bool
) -> tuple[list[Rect], Rect]:
    """Place a row along the shorter side of ``free``; return its rects and what is left."""
    row_area = math.fsum(row)
    fractions = _cumulative_fractions(row)
    if free.w >= free.h:
        # Wide space: the row is a vertical strip at the left edge.
        thickness = free.w if fill_rest else min(free.w, row_area / free.h)
        edges = [free.y + free.h * f for f in fractions]
        rects = [
            Rect(free.x, top, thickness, bottom - top)
            for top, bottom in itertools.pairwise(edges)
        ]
        rest = Rect(free.x + thickness, free.y, free.w - thickness, free.h)
    else:
        # Tall space: the row is a horizontal strip at the top edge.
        thickness = free.h if fill_rest else min(free.h, row_area / free.w)
        edges = [free.x + free.w * f for f in fractions]
        rects = [
            Rect(left, free.y, right - left, thickness)
            for left, right in itertools.pairwise(edges)
        ]
        rest = Rect(free.x, free.y + thickness, free.w, free.h - thickness)
    return rects, rest


def _cumulative_fractions(row: Sequence[float]) -> list[float]:
    """[0, a0/s, (a0+a1)/s, ..., 1.0] with the last edge exactly 1.0 (no float gap)."""
    row_area = math.fsum(row)
    fractions = [0.0]
    running = 0.0
    for area in row[:-1]:
        running += area
        fractions.append(running / row_area)
    fractions.append(1.0)
    return fractions


def place_tiles(tiles: Sequence[Tile], canvas: Rect) -> list[Placement]:
    """Two-level layout: groups share the canvas by total size, tiles share their group."""
    placements: list[Placement] = []
    for group, group_rect in _group_rects(tiles, canvas):
        members = [tile for tile in tiles if tile.group == group]
        for tile, rect in zip(
            members, layout([t.size for t in members], group_rect), strict=True
        ):
            placements.append(Placement(tile, rect))
    return placements


def _group_totals(tiles: Sequence[Tile]) -> list[tuple[str, int]]:
    """Groups with their byte totals, largest first (name breaks ties)."""
    totals: dict[str, int] = {}
    for tile in tiles:
        totals[tile.group] = totals.get(tile.group, 0) + tile.size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def _group_rects(tiles: Sequence[Tile], canvas: Rect) -> list[tuple[str, Rect]]:
    totals = _group_totals(tiles)
    rects = layout([total for _, total in totals], canvas)
    return [(group, rect) for (group, _), rect in zip(totals, rects, strict=True)]


# --------------------------------------------------------------------------
# Colors
# --------------------------------------------------------------------------

# Fixed colors for the groups we know, so "OTP" looks the same in every report.
_KNOWN_GROUP_COLORS: dict[str, RGB] = {
    "app": (120, 172, 230),  # blue
    "Elixir": (182, 150, 224),  # purple
    "OTP": (238, 160, 104),  # orange
    "shims": (134, 200, 134),  # green
    "asset": (110, 200, 192),  # teal
}
# Other groups take these in alphabetical order (cycled if there are many).
_SPARE_COLORS: tuple[RGB, ...] = (
    (232, 206, 100),  # yellow
    (236, 150, 178),  # pink
    (196, 160, 120),  # brown
    (170, 190, 110),  # olive
    (176, 176, 176),  # gray
    (230, 120, 120),  # red
)

_BACKGROUND: RGB = (255, 255, 255)
_HEADER_BACKGROUND: RGB = (244, 244, 244)
_TILE_BORDER: RGB = (255, 255, 255)
_GROUP_BORDER: RGB = (60, 60, 60)
_DARK_TEXT: RGB = (20, 20, 20)
_LIGHT_TEXT: RGB = (250, 250, 250)


def group_colors(groups: Sequence[str]) -> dict[str, RGB]:
    """Deterministic, distinct color per group (independent of group sizes)."""
    colors = {g: _KNOWN_GROUP_COLORS[g] for g in groups if g in _KNOWN_GROUP_COLORS}
    unknown = sorted(set(groups) - colors.keys())
    for index, group in enumerate(unknown):
        colors[group] = _SPARE_COLORS[index % len(_SPARE_COLORS)]
    return colors


def _tile_fill(base: RGB, rank: int) -> RGB:
    # Neighbouring tiles of a group get slightly different tints so they
    # stay distinguishable even where borders are only a pixel wide.
    white_mix = (rank % 3) * 0.12
    return _mix(base, (255, 255, 255), white_mix)


def _mix(color: RGB, other: RGB, amount: float) -> RGB:
    r, g, b = (round(c + (o - c) * amount) for c, o in zip(color, other, strict=True))
    return (r, g, b)


def _text_color(fill: RGB) -> RGB:
    # Relative luminance (ITU-R BT.709 weights) decides dark vs light text.
    r, g, b = fill
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return _DARK_TEXT if luminance > 110 else _LIGHT_TEXT


# --------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------

_PAD = 4  # pixels between a tile's border and its label
_HEADER_PAD = 8
_TITLE_FONT_SIZE = 18
_LEGEND_FONT_SIZE = 13
_LABEL_FONT_SIZE = 12
_SWATCH = 12  # legend color square side
_LEGEND_GAP = 20  # horizontal space between legend entries


@dataclass(frozen=True)
class _Fonts:
    title: Font
    legend: Font
    label: Font


def _load_fonts() -> _Fonts:
    # load_default() ships with Pillow, so output does not depend on the
    # fonts installed on the machine (determinism across CI runners).
    return _Fonts(
        title=ImageFont.load_default(_TITLE_FONT_SIZE),
        legend=ImageFont.load_default(_LEGEND_FONT_SIZE),
        label=ImageFont.load_default(_LABEL_FONT_SIZE),
    )


def render(
    tiles: Sequence[Tile], title: str, width: int = 1200, height: int = 800
) -> Image.Image:
    """Draw the treemap (header with title, total and legend; tiles below)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    fonts = _load_fonts()
    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    colors = group_colors([tile.group for tile in tiles])
    header_height = _draw_header(draw, tiles, title, colors, fonts, width)
    canvas = Rect(
        0.0, float(header_height), float(width), float(max(0, height - header_height))
    )
    _draw_tiles(draw, place_tiles(tiles, canvas), colors, fonts.label)
    _draw_group_borders(draw, _group_rects(tiles, canvas))
    return image


def save_png(
    tiles: Sequence[Tile],
    path: str | os.PathLike[str],
    title: str,
    width: int = 1200,
    height: int = 800,
) -> Path:
    """Render and write a PNG whole or not at all (a failure leaves no partial file)."""
    image = render(tiles, title, width, height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return write_atomically(Path(path), buffer.getvalue())


def _draw_header(
    draw: ImageDraw.ImageDraw,
    tiles: Sequence[Tile],
    title: str,
    colors: dict[str, RGB],
    fonts: _Fonts,
    width: int,
) -> int:
    """Draw title line and legend; return the header height in pixels."""
    total = sum(tile.size for tile in tiles)
    count = len(tiles)
    heading = f"{title}  \u00b7  total {human_size(total)} in {count} item{'s' if count != 1 else ''}"
    title_height = _text_size(draw, heading, fonts.title)[1]
    legend_top = _HEADER_PAD + title_height + _HEADER_PAD
    entries = [
        (group, f"{group} {human_size(size)} ({_share(size, total)})")
        for group, size in _group_totals(tiles)
    ]
    line_height = max(_SWATCH, _text_size(draw, "Ag", fonts.legend)[1])
    positions = _flow_legend(
        draw,
        [text for _, text in entries],
        fonts.legend,
        width,
        legend_top,
        line_height,
    )
    legend_lines = len({y for _, y in positions}) or 1
    header_height = legend_top + legend_lines * (line_height + _HEADER_PAD)

    draw.rectangle((0, 0, width - 1, header_height - 1), fill=_HEADER_BACKGROUND)
    _draw_text(draw, (_HEADER_PAD, _HEADER_PAD), heading, fonts.title, _DARK_TEXT)
    for (group, text), (x, y) in zip(entries, positions, strict=True):
        swatch_top = y + (line_height - _SWATCH) // 2
        draw.rectangle(
            (x, swatch_top, x + _SWATCH - 1, swatch_top + _SWATCH - 1),
            fill=colors[group],
            outline=_GROUP_BORDER,
        )
        text_top = y + (line_height - _text_size(draw, text, fonts.legend)[1]) // 2
        _draw_text(draw, (x + _SWATCH + 6, text_top), text, fonts.legend, _DARK_TEXT)
    return header_height


def _share(size: int, total: int) -> str:
    return f"{100.0 * size / total:.1f}%" if total > 0 else "0.0%"


def _flow_legend(
    draw: ImageDraw.ImageDraw,
    texts: Sequence[str],
    font: Font,
    width: int,
    top: int,
    line_height: int,
) -> list[tuple[int, int]]:
    """Top-left position of each legend entry, wrapping onto new lines when full."""
    positions: list[tuple[int, int]] = []
    x, y = _HEADER_PAD, top
    for text in texts:
        entry_width = _SWATCH + 6 + _text_size(draw, text, font)[0]
        if x > _HEADER_PAD and x + entry_width > width - _HEADER_PAD:
            x, y = _HEADER_PAD, y + line_height + _HEADER_PAD
        positions.append((x, y))
        x += entry_width + _LEGEND_GAP
    return positions


def _pixel_box(rect: Rect) -> tuple[int, int, int, int]:
    # Rounding edges (not x and w separately) makes neighbours share edges
    # exactly: no gaps, no double-drawn columns.
    return (
        round(rect.x),
        round(rect.y),
        round(rect.x + rect.w),
        round(rect.y + rect.h),
    )


def _draw_tiles(
    draw: ImageDraw.ImageDraw,
    placements: Sequence[Placement],
    colors: dict[str, RGB],
    font: Font,
) -> None:
    ranks: dict[str, int] = {}
    for placement in placements:
        group = placement.tile.group
        rank = ranks.get(group, 0)
        ranks[group] = rank + 1
        left, top, right, bottom = _pixel_box(placement.rect)
        if right - left < 1 or bottom - top < 1:
            continue  # too small to show at this resolution
        fill = _tile_fill(colors[group], rank)
        draw.rectangle(
            (left, top, right - 1, bottom - 1), fill=fill, outline=_TILE_BORDER
        )
        _draw_label(draw, placement.tile, (left, top, right, bottom), fill, font)


def _draw_label(
    draw: ImageDraw.ImageDraw,
    tile: Tile,
    box: tuple[int, int, int, int],
    fill: RGB,
    font: Font,
) -> None:
    """Draw the first label layout that fits, from most to least informative."""
    left, top, right, bottom = box
    room = (right - left - 2 * _PAD, bottom - top - 2 * _PAD)
    size_text = human_size(tile.size)
    short = _shorten_to_width(draw, tile.label, font, room[0])
    candidates = [
        [f"{tile.label} {size_text}"],
        [tile.label, size_text],
        [tile.label],
    ]
    if short is not None:
        candidates += [[short, size_text], [short]]
    for lines in candidates:
        if _fits(draw, lines, font, room):
            _draw_lines(draw, (left + _PAD, top + _PAD), lines, font, _text_color(fill))
            return


_ELLIPSIS = "\u2026"  # present in Pillow's default font (Aileron)
_MIN_KEPT_CHARS = 6  # fewer visible characters is noise, not a label


def _shorten_to_width(
    draw: ImageDraw.ImageDraw, label: str, font: Font, max_width: int
) -> str | None:
    """Longest middle-ellipsized form of label that fits, or None.

    Cutting the middle keeps some prefix and more of the tail, because the
    tail is the distinctive part of module names and paths ("MyA…Feed").
    """
    for kept in range(len(label) - 1, _MIN_KEPT_CHARS - 1, -1):
        head = kept // 3
        candidate = label[:head] + _ELLIPSIS + label[len(label) - (kept - head) :]
        if _text_size(draw, candidate, font)[0] <= max_width:
            return candidate
    return None


_LINE_GAP = 2


def _label_size(
    draw: ImageDraw.ImageDraw, lines: Sequence[str], font: Font
) -> tuple[int, int]:
    """Width and height of a block of text lines as _draw_lines draws them."""
    sizes = [_text_size(draw, line, font) for line in lines]
    width = max((w for w, _ in sizes), default=0)
    height = sum(h for _, h in sizes) + _LINE_GAP * max(0, len(lines) - 1)
    return width, height


def _fits(
    draw: ImageDraw.ImageDraw, lines: Sequence[str], font: Font, room: tuple[int, int]
) -> bool:
    width, height = _label_size(draw, lines, font)
    return width <= room[0] and height <= room[1]


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    origin: tuple[int, int],
    lines: Sequence[str],
    font: Font,
    color: RGB,
) -> None:
    x, y = origin
    for line in lines:
        _draw_text(draw, (x, y), line, font, color)
        y += _text_size(draw, line, font)[1] + _LINE_GAP


def _text_size(draw: ImageDraw.ImageDraw, text: str, font: Font) -> tuple[int, int]:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return math.ceil(right - left), math.ceil(bottom - top)


def _draw_text(
    draw: ImageDraw.ImageDraw,
    origin: tuple[int, int],
    text: str,
    font: Font,
    color: RGB,
) -> None:
    """Draw text so its ink box (not the font's ascent box) starts at origin."""
    left, top, _, _ = draw.textbbox((0, 0), text, font=font)
    draw.text((origin[0] - left, origin[1] - top), text, font=font, fill=color)


def _draw_group_borders(
    draw: ImageDraw.ImageDraw, group_rects: Sequence[tuple[str, Rect]]
) -> None:
    # Drawn last so the thicker group outline is not covered by tiles.
    for _, rect in group_rects:
        left, top, right, bottom = _pixel_box(rect)
        if right - left >= 2 and bottom - top >= 2:
            draw.rectangle(
                (left, top, right - 1, bottom - 1), outline=_GROUP_BORDER, width=2
            )
