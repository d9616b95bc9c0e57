"""Tests for treemap.py: layout geometry, rendering, atomic PNG writes."""

from __future__ import annotations

import io
import itertools
import math
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from pytest_wasmblog import treemap
from pytest_wasmblog.treemap import (
    Rect,
    Tile,
    layout,
    place_tiles,
    render,
    save_png,
)
from pytest_wasmblog.units import human_size

CANVAS = Rect(0.0, 0.0, 6.0, 4.0)
PAPER_SIZES = [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0]  # example from Bruls et al.
MIXED_SIZES = [212_000.0, 5.0, 980.0, 41_000.0, 41_000.0, 3.0, 77_777.0, 1.0, 12_345.0]


def _overlap_area(a: Rect, b: Rect) -> float:
    dx = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    dy = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    return max(0.0, dx) * max(0.0, dy)


# --- human_size -----------------------------------------------------------


@pytest.mark.parametrize(
    ("num_bytes", "expected"),
    [
        (0, "0 B"),
        (980, "980 B"),
        (999, "999 B"),
        (1000, "1.00 KB"),
        (12_345, "12.3 KB"),
        (212_000, "212 KB"),
        (9_999, "10.0 KB"),
        (999_999, "1.00 MB"),
        (1_240_000, "1.24 MB"),
        (3_500_000_000, "3.50 GB"),
    ],
)
def test_human_size(num_bytes: int, expected: str) -> None:
    assert human_size(num_bytes) == expected


def test_human_size_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        human_size(-1)


# --- layout ---------------------------------------------------------------


@pytest.mark.parametrize("sizes", [PAPER_SIZES, MIXED_SIZES, [1.0], [5.0, 5.0]])
@pytest.mark.parametrize(
    "canvas", [CANVAS, Rect(10.0, 20.0, 1200.0, 740.0), Rect(0, 0, 3, 90)]
)
def test_areas_proportional_to_sizes(sizes: list[float], canvas: Rect) -> None:
    rects = layout(sizes, canvas)
    total = sum(sizes)
    for size, rect in zip(sizes, rects, strict=True):
        expected = canvas.area * size / total
        assert rect.area == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("sizes", [PAPER_SIZES, MIXED_SIZES])
def test_rects_cover_canvas_without_overlap(sizes: list[float]) -> None:
    canvas = Rect(5.0, 7.0, 1200.0, 740.0)
    rects = layout(sizes, canvas)
    assert math.fsum(r.area for r in rects) == pytest.approx(canvas.area, rel=1e-9)
    for a, b in itertools.combinations(rects, 2):
        assert _overlap_area(a, b) <= 1e-9 * canvas.area


@pytest.mark.parametrize("sizes", [PAPER_SIZES, MIXED_SIZES])
def test_rects_stay_inside_canvas(sizes: list[float]) -> None:
    canvas = Rect(5.0, 7.0, 640.0, 480.0)
    eps = 1e-9 * max(canvas.w, canvas.h)
    for rect in layout(sizes, canvas):
        assert rect.w >= 0 and rect.h >= 0
        assert rect.x >= canvas.x - eps and rect.y >= canvas.y - eps
        assert rect.x + rect.w <= canvas.x + canvas.w + eps
        assert rect.y + rect.h <= canvas.y + canvas.h + eps


def test_squarified_aspect_ratios_are_reasonable() -> None:
    rects = layout(PAPER_SIZES, CANVAS)
    assert max(r.aspect for r in rects) <= 3.0


def test_zero_sizes_get_no_area() -> None:
    sizes = [0.0, 3.0, 0.0, 1.0]
    rects = layout(sizes, CANVAS)
    assert len(rects) == len(sizes)
    assert rects[0].area == 0 and rects[2].area == 0
    assert rects[1].area == pytest.approx(18.0)
    assert rects[3].area == pytest.approx(6.0)


def test_all_zero_sizes_give_zero_rects() -> None:
    assert [r.area for r in layout([0.0, 0.0], CANVAS)] == [0.0, 0.0]


def test_empty_input_gives_empty_list() -> None:
    assert layout([], CANVAS) == []


def test_negative_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        layout([1.0, -1.0], CANVAS)
    with pytest.raises(ValueError, match="negative"):
        Tile("bad", -1, "app")


def test_layout_is_deterministic_with_ties() -> None:
    sizes = [2.0, 2.0, 2.0, 1.0, 1.0]
    assert layout(sizes, CANVAS) == layout(sizes, CANVAS)


def test_place_tiles_keeps_each_group_together() -> None:
    tiles = [
        Tile("a", 30, "app"),
        Tile("b", 10, "OTP"),
        Tile("c", 30, "app"),
        Tile("d", 30, "OTP"),
    ]
    placements = place_tiles(tiles, Rect(0.0, 0.0, 100.0, 100.0))
    assert sorted(p.tile.label for p in placements) == ["a", "b", "c", "d"]
    by_label = {p.tile.label: p.rect for p in placements}
    assert by_label["a"].area == pytest.approx(10_000 * 30 / 100)
    # "app" (60%) gets its own block: a and c touch, neither shares area with OTP.
    for app_rect, otp_rect in itertools.product("ac", "bd"):
        assert _overlap_area(by_label[app_rect], by_label[otp_rect]) == 0


# --- render / save_png ----------------------------------------------------


def _bundle() -> list[Tile]:
    tiles = [Tile("unicode_util", 212_000, "OTP"), Tile("Enum", 60_000, "Elixir")]
    tiles += [Tile(f"mod_{i}", 300 + 97 * i, "app") for i in range(60)]
    tiles += [Tile(f"shim_{i}", 500 + 11 * i, "shims") for i in range(20)]
    return tiles


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_render_has_requested_size() -> None:
    image = render(_bundle(), "bundle", width=640, height=480)
    assert image.size == (640, 480)


def test_render_is_deterministic() -> None:
    first = render(_bundle(), "bundle")
    second = render(_bundle(), "bundle")
    assert first.tobytes() == second.tobytes()
    assert _png_bytes(first) == _png_bytes(second)


def test_render_handles_empty_and_zero_inputs() -> None:
    assert render([], "empty", 300, 200).size == (300, 200)
    assert render([Tile("z", 0, "app")], "zero", 300, 200).size == (300, 200)


def test_big_tile_label_is_drawn() -> None:
    tiles = _bundle()
    width, height = 1200, 800
    image = render(tiles, "bundle", width, height).convert("RGB")
    big = _placement_in_image(tiles, "unicode_util", image)
    left, top = round(big.rect.x), round(big.rect.y)
    fill = image.getpixel(
        (left + 40, round(big.rect.y + big.rect.h) - 10)
    )  # empty part
    label_region = image.crop((left + 4, top + 4, left + 100, top + 18))
    assert _colors(label_region) - {fill}, "label text missing"
    empty_region = image.crop((left + 4, top + 60, left + 100, top + 80))
    assert _colors(empty_region) == {fill}, "tile should be plain below the label"


def _colors(image: Image.Image) -> set[object]:
    # getcolors() (unlike the deprecated getdata()) works on every Pillow version.
    counted = image.getcolors(maxcolors=image.width * image.height)
    assert counted is not None
    return {color for _, color in counted}


def _placement_in_image(
    tiles: list[Tile], label: str, image: Image.Image
) -> treemap.Placement:
    # The map sits below the header; recover its canvas from the rendered image:
    # the header ends where the first treemap pixel (not header gray) begins.
    header_gray = image.getpixel((image.width - 2, 1))
    header_height = next(
        y
        for y in range(image.height)
        if image.getpixel((image.width - 2, y)) != header_gray
    )
    canvas = Rect(
        0.0,
        float(header_height),
        float(image.width),
        float(image.height - header_height),
    )
    return next(p for p in place_tiles(tiles, canvas) if p.tile.label == label)


def test_save_png_writes_a_png(tmp_path: Path) -> None:
    target = tmp_path / "treemap.png"
    assert save_png(_bundle(), target, "bundle", width=400, height=300) == target
    with Image.open(target) as image:
        assert image.format == "PNG"
        assert image.size == (400, 300)
    assert [p.name for p in tmp_path.iterdir()] == ["treemap.png"]


def test_save_png_respects_umask(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        target = save_png(_bundle(), tmp_path / "treemap.png", "bundle", 200, 150)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_save_png_failure_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_save(
        self: Image.Image, fp: object, *args: object, **kwargs: object
    ) -> None:
        if hasattr(fp, "write"):
            fp.write(b"\x89PNG partial")  # simulate a crash mid-write
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        save_png(_bundle(), tmp_path / "treemap.png", "bundle")
    assert list(tmp_path.iterdir()) == []


def test_save_png_failure_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "treemap.png"
    target.write_bytes(b"old")

    def failing_save(self: Image.Image, *args: object, **kwargs: object) -> None:
        raise OSError("boom")

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError, match="boom"):
        save_png(_bundle(), target, "bundle")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["treemap.png"]


def test_group_colors_are_distinct_and_stable() -> None:
    groups = ["app", "Elixir", "OTP", "shims", "zeta", "alpha"]
    colors = treemap.group_colors(groups)
    assert len(set(colors.values())) == len(groups)
    assert colors == treemap.group_colors(list(reversed(groups)))
