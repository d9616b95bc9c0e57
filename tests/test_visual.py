"""Visual checks, the image side: comparing screenshots with references (pytest_wasmblog.visual)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.visual import (
    DIFF_COLOUR,
    UPDATE_OPTION,
    Comparison,
    SnapshotError,
    SnapshotMismatchError,
    SnapshotStore,
    check_snapshot_name,
    compare_images,
    write_png_atomically,
)

GREY = (120, 130, 140)


def solid(size: tuple[int, int] = (10, 10), colour: tuple[int, ...] = GREY, mode: str = "RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def with_pixels(image: Image.Image, pixels: Mapping[tuple[int, int], tuple[int, ...]]) -> Image.Image:
    changed = image.copy()
    for xy, colour in pixels.items():
        changed.putpixel(xy, colour)
    return changed


def red_pixels(diff: Image.Image) -> set[tuple[int, int]]:
    assert diff.mode == "RGB"
    return {(x, y) for y in range(diff.height) for x in range(diff.width) if diff.getpixel((x, y)) == DIFF_COLOUR}


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- compare_images --------------------------------------------------------------------------------


def test_identical_images_pass_with_nothing_differing() -> None:
    comparison, diff = compare_images(solid(), solid())
    assert comparison.passed
    assert (comparison.differing_pixels, comparison.total_pixels, comparison.share) == (0, 100, 0.0)
    assert comparison.max_channel_delta == 0
    assert (comparison.width, comparison.height) == (10, 10)
    assert not comparison.size_mismatch
    assert diff.size == (10, 10)
    assert red_pixels(diff) == set()


@pytest.mark.parametrize(("delta", "differs"), [(16, False), (17, True)])
def test_a_pixel_differs_only_beyond_the_threshold(delta: int, differs: bool) -> None:
    changed = with_pixels(solid(), {(3, 4): (GREY[0], GREY[1] + delta, GREY[2])})
    comparison, diff = compare_images(changed, solid(), pixel_threshold=16, max_share=0.0)
    assert comparison.differing_pixels == int(differs)
    assert comparison.max_channel_delta == delta
    assert comparison.passed is not differs
    assert red_pixels(diff) == ({(3, 4)} if differs else set())


def test_threshold_zero_counts_any_change() -> None:
    changed = with_pixels(solid(), {(0, 0): (GREY[0] + 1, GREY[1], GREY[2])})
    comparison, _ = compare_images(changed, solid(), pixel_threshold=0, max_share=0.0)
    assert comparison.differing_pixels == 1
    assert not comparison.passed


@pytest.mark.parametrize(("changed", "passed"), [(1, True), (2, False)])
def test_share_exactly_at_the_maximum_passes_and_above_fails(changed: int, passed: bool) -> None:
    pixels = {(x, 0): (255, 255, 255) for x in range(changed)}
    comparison, _ = compare_images(with_pixels(solid(), pixels), solid(), max_share=0.01)
    assert comparison.differing_pixels == changed
    assert comparison.share == changed / 100
    assert comparison.allowed_pixels == 1
    assert comparison.passed is passed


def test_share_at_a_maximum_that_floats_cannot_hold_exactly_still_passes() -> None:
    # 0.29 * 100 is 28.999999999999996 in floats; 29 of 100 pixels is still exactly 29 %.
    pixels = {(x % 10, x // 10): (0, 0, 0) for x in range(29)}
    comparison, _ = compare_images(with_pixels(solid(), pixels), solid(), max_share=0.29)
    assert comparison.differing_pixels == 29
    assert comparison.allowed_pixels == 29
    assert comparison.passed


def test_diff_image_marks_exactly_the_differing_pixels() -> None:
    reference = Image.new("RGB", (40, 30), (255, 0, 0))  # red page: the diff background must not be red
    ImageDraw.Draw(reference).rectangle((5, 5, 20, 20), fill=(0, 0, 255))
    changed_at = {(1, 1), (7, 9), (39, 29), (12, 0)}
    actual = with_pixels(reference, {xy: (0, 255, 0) for xy in changed_at})
    actual.putpixel((30, 20), (250, 5, 0))  # within the threshold: not marked
    comparison, diff = compare_images(actual, reference)
    assert comparison.differing_pixels == len(changed_at)
    assert red_pixels(diff) == changed_at
    assert not comparison.passed


def test_sizes_that_differ_fail_without_crashing() -> None:
    actual = solid((12, 8))
    comparison, diff = compare_images(actual, solid((10, 10)), max_share=1.0)
    assert comparison.size_mismatch
    assert not comparison.passed  # even though every share is allowed
    assert (comparison.width, comparison.height) == (12, 10)
    assert comparison.total_pixels == 120
    # The common 10x8 area matches; the rest of the 12x10 canvas counts as differing.
    assert comparison.differing_pixels == 120 - 80
    assert diff.size == (12, 10)
    assert red_pixels(diff) == {(x, y) for y in range(10) for x in range(12) if x >= 10 or y >= 8}
    text = comparison.describe()
    assert "size differs: actual 12x8, reference 10x10" in text
    assert "40 of 120" in text


def test_size_mismatch_still_reports_changes_in_the_common_area() -> None:
    actual = with_pixels(solid((10, 9)), {(2, 2): (0, 0, 0)})
    comparison, diff = compare_images(actual, solid((10, 10)))
    assert comparison.differing_pixels == 10 + 1
    assert (2, 2) in red_pixels(diff)
    assert comparison.max_channel_delta == 140


def test_an_empty_image_does_not_divide_by_zero() -> None:
    comparison, _ = compare_images(solid((0, 0)), solid((0, 0)))
    assert comparison.passed
    assert comparison.share == 0.0


def test_rgb_and_opaque_rgba_of_the_same_colour_match() -> None:
    comparison, _ = compare_images(solid(mode="RGB"), solid(colour=(*GREY, 255), mode="RGBA"), max_share=0.0)
    assert comparison.passed
    assert comparison.differing_pixels == 0


def test_a_change_of_alpha_alone_differs() -> None:
    reference = solid(colour=(*GREY, 255), mode="RGBA")
    actual = with_pixels(reference, {(5, 5): (*GREY, 100)})
    comparison, diff = compare_images(actual, reference, max_share=0.0)
    assert comparison.differing_pixels == 1
    assert comparison.max_channel_delta == 155
    assert red_pixels(diff) == {(5, 5)}


def test_colour_under_fully_transparent_pixels_is_invisible_and_ignored() -> None:
    reference = solid(colour=(255, 0, 0, 0), mode="RGBA")
    actual = solid(colour=(0, 255, 0, 0), mode="RGBA")
    comparison, _ = compare_images(actual, reference, pixel_threshold=0, max_share=0.0)
    assert comparison.passed
    assert comparison.differing_pixels == 0


def test_other_modes_are_compared_as_colours() -> None:
    grey = Image.new("L", (4, 4), 200)
    palette = Image.new("RGB", (4, 4), (200, 200, 200)).convert("P")
    comparison, _ = compare_images(grey, palette, max_share=0.0)
    assert comparison.passed


@pytest.mark.parametrize("threshold", [-1, 256])
def test_threshold_out_of_range_is_refused(threshold: int) -> None:
    with pytest.raises(ValueError, match="pixel_threshold must be from 0 to 255"):
        compare_images(solid(), solid(), pixel_threshold=threshold)


@pytest.mark.parametrize("threshold", [1.5, True, "16"])
def test_threshold_of_the_wrong_type_is_refused(threshold: object) -> None:
    with pytest.raises(TypeError, match="pixel_threshold must be an int"):
        compare_images(solid(), solid(), pixel_threshold=threshold)  # type: ignore[arg-type]  # a wrong type on purpose


@pytest.mark.parametrize("share", [-0.01, 1.5, 50, float("nan")])
def test_share_out_of_range_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="max_share must be a share from 0 to 1"):
        compare_images(solid(), solid(), max_share=share)


def test_describe_has_the_numbers() -> None:
    comparison = Comparison(
        width=100, height=100, differing_pixels=320, total_pixels=10_000, share=0.032, max_channel_delta=255,
        pixel_threshold=16, max_share=0.01, passed=False, actual_size=(100, 100), reference_size=(100, 100),
    )
    assert comparison.describe() == (
        "3.20 % of pixels (320 of 10000) differ by more than 16/255 (allowed 1.00 %, 100 pixels); "
        "largest difference 255"
    )


def test_describe_shows_tiny_shares_as_more_than_zero() -> None:
    big = solid((1280, 1024))
    comparison, _ = compare_images(with_pixels(big, {(0, 0): (0, 0, 0)}), big)
    assert "0.000076 % of pixels (1 of 1310720)" in comparison.describe()


def test_a_full_screenshot_compares_fast() -> None:
    # A page-sized screenshot with noise everywhere and a real change: loops in Python would take seconds.
    reference = Image.effect_noise((1280, 1024), 64).convert("RGB")
    actual = reference.copy()
    ImageDraw.Draw(actual).rectangle((100, 100, 199, 199), fill=(255, 0, 255))
    start = time.perf_counter()
    comparison, diff = compare_images(actual, reference)
    elapsed = time.perf_counter() - start
    assert comparison.total_pixels == 1280 * 1024
    assert 0 < comparison.differing_pixels <= 100 * 100
    assert diff.size == (1280, 1024)
    assert elapsed < 2.0, f"comparing 1280x1024 took {elapsed:.2f} s"


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "home-page", "post_1", "post.header", "A1"])
def test_safe_names_are_accepted(name: str) -> None:
    assert check_snapshot_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "a/b", "../home", "..", "a..b", ".hidden", "a\\b", "home page", "x\0y", "-flag", "a" * 201]
)
def test_unsafe_names_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="snapshot name") as caught:
        SnapshotStore(tmp_path / "snapshots").check(
            name, "chromium", png(solid()), update=True, output_dir=tmp_path / "out"
        )
    assert isinstance(caught.value, WasmblogError)
    assert not (tmp_path / "snapshots").exists()
    assert not (tmp_path / "out").exists()


def test_unsafe_names_say_what_is_allowed() -> None:
    with pytest.raises(SnapshotError) as caught:
        check_snapshot_name("pages/home")
    assert "'pages/home' is not a safe file name" in str(caught.value)
    assert "e.g. 'home-page'" in str(caught.value)


def test_an_unsafe_engine_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"engine name '\.\./x'"):
        SnapshotStore(tmp_path).reference_path("home", "../x")


# --- SnapshotStore ---------------------------------------------------------------------------------


def test_reference_path_is_per_engine(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    assert store.reference_path("home", "chromium") == tmp_path / "home.chromium.png"
    assert store.reference_path("home", "webkit") == tmp_path / "home.webkit.png"


def test_store_refuses_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pixel_threshold"):
        SnapshotStore(tmp_path, pixel_threshold=300)
    with pytest.raises(ValueError, match="max_share"):
        SnapshotStore(tmp_path, max_share=2.0)


def test_update_writes_a_missing_reference(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snapshots")
    result = store.check("home", "firefox", png(solid()), update=True, output_dir=tmp_path / "out")
    assert result.passed and result.status == "written"
    assert result.reference_path == tmp_path / "snapshots" / "home.firefox.png"
    with Image.open(result.reference_path) as written:
        assert written.format == "PNG"
        assert compare_images(written, solid(), pixel_threshold=0, max_share=0.0)[0].passed
    assert not (tmp_path / "out").exists()
    result.raise_for_failure()  # no error


def test_update_replaces_a_differing_reference_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SnapshotStore(tmp_path)
    reference = tmp_path / "home.chromium.png"
    reference.write_bytes(png(solid(colour=(0, 0, 0))))
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        replaced.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    result = store.check("home", "chromium", png(solid()), update=True, output_dir=tmp_path / "out")
    assert result.status == "written" and result.passed
    assert result.comparison is not None and not result.comparison.passed
    assert "it differed" in result.message
    assert len(replaced) == 1
    source, target = replaced[0]
    assert target == str(reference)
    assert Path(source).parent == tmp_path and source.endswith(".tmp")
    assert not Path(source).exists()
    assert leftovers(tmp_path) == []
    with Image.open(reference) as written:
        assert written.getpixel((0, 0)) == GREY


def test_update_keeps_a_reference_that_still_matches(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    reference = tmp_path / "home.chromium.png"
    original = png(solid())
    reference.write_bytes(original)
    noisy = with_pixels(solid(), {(0, 0): (GREY[0] + 3, GREY[1], GREY[2])})
    result = store.check("home", "chromium", png(noisy), update=True, output_dir=tmp_path / "out")
    assert result.status == "kept" and result.passed
    assert reference.read_bytes() == original


def test_update_replaces_a_broken_reference(tmp_path: Path) -> None:
    reference = tmp_path / "home.chromium.png"
    reference.write_bytes(b"not a png")
    result = SnapshotStore(tmp_path).check("home", "chromium", png(solid()), update=True, output_dir=tmp_path)
    assert result.status == "written"
    with Image.open(reference) as written:
        assert written.size == (10, 10)


def test_a_failed_write_leaves_the_old_reference_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "home.chromium.png"
    target.write_bytes(b"old")

    class Broken(Exception):
        pass

    class Exploding(Image.Image):
        def save(self, *args: object, **kwargs: object) -> None:
            raise Broken

    with pytest.raises(Broken):
        write_png_atomically(target, Exploding())
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_missing_reference_fails_and_writes_the_actual(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snapshots")
    out = tmp_path / "out"
    result = store.check("home", "webkit", png(solid()), update=False, output_dir=out)
    assert not result.passed and result.status == "missing"
    assert result.actual_path == out / "home.webkit.actual.png"
    assert result.actual_path.is_file()
    assert UPDATE_OPTION == "--wasm-update-snapshots"
    assert "rerun with --wasm-update-snapshots" in result.message
    assert str(tmp_path / "snapshots" / "home.webkit.png") in result.message
    assert str(result.actual_path) in result.message
    assert not (tmp_path / "snapshots").exists()
    with pytest.raises(SnapshotMismatchError, match="--wasm-update-snapshots") as caught:
        result.raise_for_failure()
    assert isinstance(caught.value, AssertionError)
    assert caught.value.result is result


def test_a_match_passes_and_writes_nothing(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snapshots")
    store.check("home", "chromium", png(solid()), update=True, output_dir=tmp_path / "out")
    result = store.check("home", "chromium", png(solid()), update=False, output_dir=tmp_path / "out")
    assert result.passed and result.status == "match"
    assert result.comparison is not None and result.comparison.differing_pixels == 0
    assert "matches its reference" in result.message
    assert not (tmp_path / "out").exists()


def test_a_mismatch_writes_actual_and_diff_and_fails_with_numbers_and_paths(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snapshots", max_share=0.01)
    store.check("home", "chromium", png(solid()), update=True, output_dir=tmp_path / "out")
    changed = with_pixels(solid(), {(x, 0): (255, 255, 255) for x in range(3)})
    out = tmp_path / "out"
    result = store.check("home", "chromium", png(changed), update=False, output_dir=out)
    assert not result.passed and result.status == "mismatch"
    assert result.actual_path == out / "home.chromium.actual.png"
    assert result.diff_path == out / "home.chromium.diff.png"
    with Image.open(result.actual_path) as written:
        assert written.getpixel((0, 0)) == (255, 255, 255)
    with Image.open(result.diff_path) as diff:
        assert red_pixels(diff.convert("RGB")) == {(0, 0), (1, 0), (2, 0)}
    for text in (
        "3.00 % of pixels (3 of 100) differ by more than 16/255",
        "allowed 1.00 %",
        "largest difference 135",
        str(result.reference_path),
        str(result.actual_path),
        str(result.diff_path),
        "--wasm-update-snapshots",
    ):
        assert text in result.message
    assert leftovers(out) == []


def test_per_check_settings_override_the_store(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, max_share=0.0)
    store.check("home", "chromium", png(solid()), update=True, output_dir=tmp_path / "out")
    changed = with_pixels(solid(), {(0, 0): (255, 255, 255)})
    assert not store.check("home", "chromium", png(changed), update=False, output_dir=tmp_path / "out").passed
    assert store.check("home", "chromium", png(changed), update=False, output_dir=tmp_path / "out", max_share=0.01).passed
    assert store.check(
        "home", "chromium", png(changed), update=False, output_dir=tmp_path / "out", pixel_threshold=255
    ).passed


def test_a_size_change_is_a_mismatch(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, max_share=1.0)
    store.check("home", "chromium", png(solid((10, 10))), update=True, output_dir=tmp_path / "out")
    result = store.check("home", "chromium", png(solid((10, 12))), update=False, output_dir=tmp_path / "out")
    assert result.status == "mismatch"
    assert "size differs: actual 10x12, reference 10x10" in result.message


def test_an_image_object_is_accepted_like_png_bytes(tmp_path: Path) -> None:
    result = SnapshotStore(tmp_path).check("home", "chromium", solid(), update=True, output_dir=tmp_path)
    assert result.status == "written"


def test_unreadable_screenshot_bytes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="is not a readable image"):
        SnapshotStore(tmp_path).check("home", "chromium", b"<html>", update=False, output_dir=tmp_path)


def test_an_unreadable_reference_says_how_to_fix_it(tmp_path: Path) -> None:
    (tmp_path / "home.chromium.png").write_bytes(b"garbage")
    with pytest.raises(SnapshotError, match="delete it or rerun with --wasm-update-snapshots"):
        SnapshotStore(tmp_path).check("home", "chromium", png(solid()), update=False, output_dir=tmp_path / "out")
