"""Visual checks, the image side: compare a screenshot with a stored reference per engine.

Pure Pillow, no browser and no pytest: the `wasm_snapshot` fixture takes the screenshot and hands
its PNG bytes to `SnapshotStore.check`, which compares, writes the actual and diff images for
humans, and returns a result whose message has the numbers and the paths.

A pixel differs when any channel differs by more than `pixel_threshold` (0-255). Channels are
compared premultiplied by alpha, so a change of alpha counts, while a colour change under a fully
transparent pixel (invisible) does not. Images without alpha are opaque.
"""

from __future__ import annotations

import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageChops, UnidentifiedImageError

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.errors import WasmblogError

UPDATE_OPTION = "--wasm-update-snapshots"
DEFAULT_PIXEL_THRESHOLD = 16
DEFAULT_MAX_SHARE = 0.001

# Solid red never occurs in the greyscale background of a diff image, so red pixels are exactly
# the differing ones.
DIFF_COLOUR = (255, 0, 0)
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MAX_NAME_LENGTH = 200

Status = Literal["match", "mismatch", "missing", "written", "kept"]


class SnapshotError(WasmblogError):
    """A snapshot cannot be checked (bad name, unreadable image); the message says what to do."""


class SnapshotMismatchError(WasmblogError, AssertionError):
    """A screenshot differs from its reference, or has none; carries the result with the paths."""

    def __init__(self, result: SnapshotResult) -> None:
        self.result = result
        super().__init__(result.message)


@dataclass(frozen=True)
class Comparison:
    """The numbers of one comparison; `width`/`height` are the compared canvas (both sizes' union)."""

    width: int
    height: int
    differing_pixels: int
    total_pixels: int
    share: float  # differing_pixels / total_pixels, 0..1
    max_channel_delta: int  # largest difference of one channel, 0..255
    pixel_threshold: int
    max_share: float
    passed: bool
    actual_size: tuple[int, int]
    reference_size: tuple[int, int]

    @property
    def size_mismatch(self) -> bool:
        return self.actual_size != self.reference_size

    @property
    def allowed_pixels(self) -> int:
        """How many pixels may differ and still pass (for the same-size case)."""
        return _allowed_pixels(self.max_share, self.total_pixels)

    def describe(self) -> str:
        numbers = (
            f"{_percent(self.share)} of pixels ({self.differing_pixels} of {self.total_pixels}) "
            f"differ by more than {self.pixel_threshold}/255 "
            f"(allowed {_percent(self.max_share)}, {self.allowed_pixels} pixels); "
            f"largest difference {self.max_channel_delta}"
        )
        if not self.size_mismatch:
            return numbers
        return (
            f"size differs: actual {_size(self.actual_size)}, reference {_size(self.reference_size)} "
            f"(pixels outside the common area count as differing); {numbers}"
        )


def compare_images(
    actual: Image.Image,
    reference: Image.Image,
    pixel_threshold: int = DEFAULT_PIXEL_THRESHOLD,
    max_share: float = DEFAULT_MAX_SHARE,
) -> tuple[Comparison, Image.Image]:
    """Compare two images; return the numbers and an RGB diff image (differing pixels in red).

    Images of different sizes never pass: they are compared on their common top-left area, and
    every other pixel of the canvas both sizes span counts as differing.
    """
    _check_threshold(pixel_threshold)
    _check_share(max_share)
    width, height = max(actual.width, reference.width), max(actual.height, reference.height)
    common = (min(actual.width, reference.width), min(actual.height, reference.height))
    deltas = _channel_deltas(_crop(actual, common), _crop(reference, common))
    mask = _differing_mask(deltas, pixel_threshold, (width, height))
    differing = mask.histogram()[255]
    total = width * height
    share = differing / total if total else 0.0
    comparison = Comparison(
        width=width,
        height=height,
        differing_pixels=differing,
        total_pixels=total,
        share=share,
        max_channel_delta=_largest(deltas),
        pixel_threshold=pixel_threshold,
        max_share=max_share,
        passed=actual.size == reference.size and share <= max_share,
        actual_size=actual.size,
        reference_size=reference.size,
    )
    return comparison, _diff_image(reference, mask)


def _check_threshold(pixel_threshold: int) -> None:
    if isinstance(pixel_threshold, bool) or not isinstance(pixel_threshold, int):
        raise TypeError(
            f"pixel_threshold must be an int from 0 to 255, got {pixel_threshold!r}: "
            "pass how far one channel may move and still count as equal, e.g. 16"
        )
    if not 0 <= pixel_threshold <= 255:
        raise ValueError(
            f"pixel_threshold must be from 0 to 255, got {pixel_threshold}: "
            "0 counts any change, 255 ignores colour entirely; 16 ignores anti-aliasing noise"
        )


def _check_share(max_share: float) -> None:
    if isinstance(max_share, bool) or not isinstance(max_share, (int, float)):
        raise TypeError(f"max_share must be a number from 0 to 1, got {max_share!r}: e.g. 0.001 for 0.1 %")
    if not 0.0 <= max_share <= 1.0:  # also refuses NaN
        raise ValueError(
            f"max_share must be a share from 0 to 1, got {max_share}: it is not a percentage, "
            "pass 0.01 for 1 % of pixels"
        )


def _crop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image if image.size == size else image.crop((0, 0, *size))


def _channel_deltas(actual: Image.Image, reference: Image.Image) -> Image.Image:
    """Per pixel, the largest difference of one premultiplied RGBA channel ("L" image)."""
    pairs = zip(_premultiplied_bands(actual), _premultiplied_bands(reference), strict=True)
    deltas = [ImageChops.difference(a, r) for a, r in pairs]
    largest = deltas[0]
    for band in deltas[1:]:
        largest = ImageChops.lighter(largest, band)
    return largest


def _premultiplied_bands(image: Image.Image) -> tuple[Image.Image, ...]:
    return image.convert("RGBA").convert("RGBa").split()


def _differing_mask(deltas: Image.Image, pixel_threshold: int, canvas: tuple[int, int]) -> Image.Image:
    """An "L" mask of the canvas: 255 where a pixel differs (outside the common area too), else 0."""
    table = [0] * (pixel_threshold + 1) + [255] * (255 - pixel_threshold)
    common = deltas.point(table)
    if deltas.size == canvas:
        return common
    mask = Image.new("L", canvas, 255)
    mask.paste(common, (0, 0))
    return mask


def _largest(deltas: Image.Image) -> int:
    histogram = deltas.histogram()
    return max((value for value, count in enumerate(histogram) if count), default=0)


def _diff_image(reference: Image.Image, mask: Image.Image) -> Image.Image:
    """The reference faded to light grey (over white where transparent), differing pixels red."""
    background = Image.new("RGBA", reference.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(background, reference.convert("RGBA")).convert("L")
    faded = grey.point([170 + value // 3 for value in range(256)])
    canvas = Image.new("L", mask.size, 255)
    canvas.paste(faded, (0, 0))
    diff = canvas.convert("RGB")
    diff.paste(DIFF_COLOUR, (0, 0, *mask.size), mask)
    return diff


def _allowed_pixels(max_share: float, total: int) -> int:
    allowed = math.floor(max_share * total)
    # Agree exactly with `share <= max_share` despite float rounding in the product.
    while allowed < total and (allowed + 1) / total <= max_share:
        allowed += 1
    while allowed > 0 and allowed / total > max_share:
        allowed -= 1
    return allowed


def _percent(share: float) -> str:
    percent = share * 100
    if 0 < percent < 0.01:  # two significant digits, so a single pixel never shows as 0.00 %
        return f"{percent:.{1 - math.floor(math.log10(percent))}f} %"
    return f"{percent:.2f} %"


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@dataclass(frozen=True)
class SnapshotResult:
    """What `SnapshotStore.check` found; `message` is the text to fail (or report) with."""

    name: str
    engine: str
    status: Status
    message: str
    reference_path: Path
    actual_path: Path | None = None
    diff_path: Path | None = None
    comparison: Comparison | None = None

    @property
    def passed(self) -> bool:
        return self.status in ("match", "written", "kept")

    def raise_for_failure(self) -> None:
        """Raise SnapshotMismatchError (an AssertionError) unless the check passed."""
        if not self.passed:
            raise SnapshotMismatchError(self)


def check_snapshot_name(name: str, what: str = "snapshot name") -> str:
    """Return `name` if it is safe as part of a file name, else raise SnapshotError saying why."""
    if not isinstance(name, str) or not name:
        raise SnapshotError(f"{what} is empty: give each snapshot a name, e.g. 'home-page'")
    if len(name) > _MAX_NAME_LENGTH:
        raise SnapshotError(f"{what} {name[:40]!r}... is {len(name)} characters long: keep it under {_MAX_NAME_LENGTH}")
    if ".." in name or not _SAFE_NAME.fullmatch(name):
        raise SnapshotError(
            f"{what} {name!r} is not a safe file name: use letters, digits, '_', '-' and single '.', "
            "starting with a letter or digit (no '/', '\\' or '..'), e.g. 'home-page' or 'post.header'"
        )
    return name


class SnapshotStore:
    """Reference screenshots in one directory, as `<snapshot_dir>/<name>.<engine>.png`."""

    def __init__(
        self,
        snapshot_dir: str | os.PathLike[str],
        *,
        pixel_threshold: int = DEFAULT_PIXEL_THRESHOLD,
        max_share: float = DEFAULT_MAX_SHARE,
    ) -> None:
        _check_threshold(pixel_threshold)
        _check_share(max_share)
        self.snapshot_dir = Path(snapshot_dir)
        self.pixel_threshold = pixel_threshold
        self.max_share = max_share

    def reference_path(self, name: str, engine: str) -> Path:
        return self.snapshot_dir / f"{_file_stem(name, engine)}.png"

    def check(
        self,
        name: str,
        engine: str,
        actual_png: bytes | Image.Image,
        *,
        update: bool,
        output_dir: str | os.PathLike[str],
        pixel_threshold: int | None = None,
        max_share: float | None = None,
    ) -> SnapshotResult:
        """Compare a screenshot with its reference, or (with `update`) record it as the reference.

        With `update`, a reference that still matches is kept as it is (no churn from noise);
        a missing or differing one is replaced atomically. Without it, a missing reference or a
        mismatch writes `<output_dir>/<name>.<engine>.actual.png` (and `.diff.png`) and fails.
        """
        stem = _file_stem(name, engine)
        threshold = self.pixel_threshold if pixel_threshold is None else pixel_threshold
        share = self.max_share if max_share is None else max_share
        actual = _load(actual_png, f"the screenshot for snapshot {name!r} on {engine}")
        reference_path = self.reference_path(name, engine)
        reference = _load_reference(reference_path, tolerate_broken=update)
        if reference is None:
            if update:
                return _record(name, engine, actual, reference_path, None)
            return _missing(name, engine, actual, reference_path, Path(output_dir) / f"{stem}.actual.png")
        comparison, diff = compare_images(actual, reference, threshold, share)
        if comparison.passed:
            status: Status = "kept" if update else "match"
            message = _matched(name, engine, comparison)
            return SnapshotResult(name, engine, status, message, reference_path, comparison=comparison)
        if update:
            return _record(name, engine, actual, reference_path, comparison)
        return _mismatch(name, engine, actual, diff, comparison, reference_path, Path(output_dir), stem)


def _record(
    name: str, engine: str, actual: Image.Image, reference_path: Path, comparison: Comparison | None
) -> SnapshotResult:
    write_png_atomically(reference_path, actual)
    why = f" (it differed: {comparison.describe()})" if comparison else ""
    message = f"snapshot {name!r} on {engine}: reference written to {reference_path}{why}"
    return SnapshotResult(name, engine, "written", message, reference_path, comparison=comparison)


def _file_stem(name: str, engine: str) -> str:
    return f"{check_snapshot_name(name)}.{check_snapshot_name(engine, 'engine name')}"


def _load(source: bytes | Image.Image, what: str) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    try:
        image = Image.open(io.BytesIO(source))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise SnapshotError(
            f"{what} is not a readable image ({exc}): pass the PNG bytes a browser screenshot returns"
        ) from exc
    return image


def _load_reference(path: Path, *, tolerate_broken: bool) -> Image.Image | None:
    """The reference image, or None when there is none (or, when updating, a broken one)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return _load(data, f"the reference snapshot {path}")
    except SnapshotError as exc:
        if tolerate_broken:
            return None
        raise SnapshotError(f"{exc}. Fix: delete it or rerun with {UPDATE_OPTION} to record it again") from exc


def _matched(name: str, engine: str, comparison: Comparison) -> str:
    return f"snapshot {name!r} on {engine} matches its reference: {comparison.describe()}"


def _missing(name: str, engine: str, actual: Image.Image, reference_path: Path, actual_path: Path) -> SnapshotResult:
    write_png_atomically(actual_path, actual)
    message = (
        f"snapshot {name!r} has no reference on {engine}: expected {reference_path}\n"
        f"  actual: {actual_path}\n"
        f"Fix: if the actual screenshot looks right, rerun with {UPDATE_OPTION} to record it as the reference"
    )
    return SnapshotResult(name, engine, "missing", message, reference_path, actual_path=actual_path)


def _mismatch(
    name: str,
    engine: str,
    actual: Image.Image,
    diff: Image.Image,
    comparison: Comparison,
    reference_path: Path,
    output_dir: Path,
    stem: str,
) -> SnapshotResult:
    actual_path = output_dir / f"{stem}.actual.png"
    diff_path = output_dir / f"{stem}.diff.png"
    write_png_atomically(actual_path, actual)
    write_png_atomically(diff_path, diff)
    message = (
        f"snapshot {name!r} differs from its reference on {engine}: {comparison.describe()}\n"
        f"  reference: {reference_path}\n"
        f"  actual:    {actual_path}\n"
        f"  diff:      {diff_path} (differing pixels in red)\n"
        f"Fix: if the change is intended, rerun with {UPDATE_OPTION}; if it is noise, raise the "
        "pixel threshold or the allowed share"
    )
    return SnapshotResult(name, engine, "mismatch", message, reference_path, actual_path, diff_path, comparison)


def write_png_atomically(target: Path, image: Image.Image) -> Path:
    """Write `image` as PNG: to a temporary file beside `target`, then renamed over it."""
    png = io.BytesIO()
    image.save(png, format="PNG")
    return write_atomically(target, png.getvalue())
