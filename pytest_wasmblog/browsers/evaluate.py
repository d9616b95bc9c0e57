"""Running a page function with a timeout and a JS error envelope, the same on every backend.

Neither Playwright's evaluate nor WebDriver's scripts have a timeout, so the user's function
races a timer in the page. Results come back in an envelope so JS errors keep their stack:
[0, json] | [1, message, stack] | [2] (timed out). A page whose main thread is blocked (busy
loop) never fires the timer: that hangs, as in every JS harness.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import EvaluateTimeoutError, JavaScriptError

EVALUATE_WRAPPER = """async ([__arg, __timeoutMs]) => {
  const __fn = (%s);
  const __timedOut = Symbol("wasmblog-timeout");
  let __timer;
  const __timer_promise = new Promise((resolve) => {
    __timer = setTimeout(() => resolve(__timedOut), __timeoutMs);
  });
  try {
    const __value = await Promise.race([
      Promise.resolve().then(() => __fn(__arg)),
      __timer_promise,
    ]);
    if (__value === __timedOut) return [2];
    // JSON, not Playwright's own serialisation: every engine's backend returns the same values.
    const __json = JSON.stringify(__value);
    return [0, __json === undefined ? "null" : __json];
  } catch (e) {
    const message = (e && typeof e === "object" && "message" in e)
      ? `${e.name || "Error"}: ${e.message}` : `Uncaught (non-Error) ${String(e)}`;
    return [1, message, (e && e.stack) ? String(e.stack) : ""];
  } finally {
    clearTimeout(__timer);
  }
}"""


def wrap(js_function_source: str) -> str:
    """An `async ([arg, timeoutMs]) => envelope` function around the user's function."""
    return EVALUATE_WRAPPER % js_function_source.strip().rstrip(";")


def unwrap(envelope: Any, timeout_s: float) -> object:
    if not isinstance(envelope, list) or not envelope:
        raise JavaScriptError(f"unexpected evaluate envelope: {json.dumps(envelope, default=str)[:200]}")
    if envelope[0] == 0:
        return json.loads(envelope[1])
    if envelope[0] == 2:
        raise EvaluateTimeoutError(timeout_s)
    raise JavaScriptError(str(envelope[1]), str(envelope[2]))
