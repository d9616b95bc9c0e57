"""What every WebKit build needs from its environment."""

from __future__ import annotations

# WebKitGTK (Playwright's Linux WebKit is built on the same port) keeps SharedArrayBuffer off even on
# cross-origin isolated pages; the wasm threads of the VM need it.
SAB_ENV = {"JSC_useSharedArrayBuffer": "1"}
