"""A PNG of the page's viewport, or of one element cut out of it (every backend can screenshot the
viewport; not every one can screenshot an element)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image

from .browsers.base import BrowserPage

_RECT = """async (selector) => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const r = element.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom, window.devicePixelRatio || 1];
}"""


def screenshot_png(page: BrowserPage, selector: str | None = None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="wasmblog-shot-") as folder:
        path = Path(folder) / "shot.png"
        page.screenshot(path)
        data = path.read_bytes()
    if selector is None:
        return data
    rect = page.evaluate(_RECT, selector)
    if rect is None:
        raise AssertionError(f"nothing on the page matches {selector!r}, so there is nothing to compare")
    assert isinstance(rect, list)  # the script returns [left, top, right, bottom, scale] or null
    left, top, right, bottom, scale = (float(v) for v in rect)
    with Image.open(io.BytesIO(data)) as image:
        box = (max(0, round(left * scale)), max(0, round(top * scale)),
               min(image.width, round(right * scale)), min(image.height, round(bottom * scale)))
        if box[2] <= box[0] or box[3] <= box[1]:
            raise AssertionError(f"{selector!r} is outside the viewport or has no size ({rect})")
        out = io.BytesIO()
        image.crop(box).save(out, format="PNG")
    return out.getvalue()
