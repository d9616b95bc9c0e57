"""`fresh_wasm_app`: a separate page with its own, freshly booted VM."""

from __future__ import annotations

import uuid

from pytest_wasmblog.elixir import ElixirBridge
from pytest_wasmblog.terms import Atom


def pt_put(elixir, key, value):
    # :persistent_term is VM-global state; reached through :erlang.apply/3 (:erlang is allowed)
    return elixir.apply(":erlang", "apply", [Atom("persistent_term"), Atom("put"), [key, value]])


def pt_get(elixir, key):
    return elixir.apply(":erlang", "apply", [Atom("persistent_term"), Atom("get"), [key, None]])


def test_state_in_the_shared_vm_is_not_in_a_fresh_vm(elixir, fresh_wasm_app):
    key = Atom(f"wasmblog_test_{uuid.uuid4().hex[:10]}")
    assert pt_put(elixir, key, "shared") == Atom("ok")
    assert pt_get(elixir, key) == "shared"  # the state is really there, and global to that VM

    fresh = ElixirBridge(fresh_wasm_app)
    assert pt_get(fresh, key) is None
    assert pt_put(fresh, key, "fresh") == Atom("ok")
    assert pt_get(fresh, key) == "fresh"
    assert pt_get(elixir, key) == "shared"  # and the fresh VM did not write into the shared one


def test_fresh_app_is_a_separate_page(popcorn, fresh_wasm_app):
    assert fresh_wasm_app is not popcorn
    marker = uuid.uuid4().hex
    popcorn.evaluate("async (m) => { window.__wasmblogMarker = m; }", marker)
    assert fresh_wasm_app.evaluate("async () => window.__wasmblogMarker ?? null") is None
    assert popcorn.evaluate("async () => window.__wasmblogMarker") == marker


def test_fresh_vm_output_starts_empty(popcorn, elixir, fresh_wasm_app):
    marker = f"shared-only-{uuid.uuid4().hex[:10]}"
    elixir.apply(":erlang", "display", [marker])
    popcorn.wait_for(f"window.__wasmblog.snapshot().stdout.some((l) => l.includes({marker!r}))", timeout_s=5)
    assert not any(marker in line for line in fresh_wasm_app.stdout)
    assert fresh_wasm_app.stderr == []


def test_fresh_vm_boot_time_is_recorded(fresh_wasm_app, wasm_settings):
    assert isinstance(fresh_wasm_app.boot_ms, float)
    assert 0 < fresh_wasm_app.boot_ms < wasm_settings.boot_timeout_s * 1000
    assert fresh_wasm_app.boot_wall_s is not None and 0 < fresh_wasm_app.boot_wall_s < wasm_settings.boot_timeout_s
    assert fresh_wasm_app.healthy()


def test_fresh_vm_serves_the_blog(fresh_wasm_app, posts):
    fresh_wasm_app.wait_for("document.body.dataset.rendered === '#/'")
    slugs = fresh_wasm_app.evaluate(
        "async () => [...document.querySelectorAll('article.post-summary')].map((a) => a.dataset.slug)"
    )
    assert slugs == [p.slug for p in posts]
    fresh = ElixirBridge(fresh_wasm_app)
    assert fresh.ping() is True
    assert fresh.apply("Blog.Posts", "fetch", ["hello-world"])[0] == Atom("ok")
    assert fresh_wasm_app.call_durations_ms and all(d > 0 for d in fresh_wasm_app.call_durations_ms)


def test_booting_a_fresh_vm_leaves_the_shared_one_alone(popcorn, elixir, request):
    boot_ms = popcorn.boot_ms
    key = Atom(f"wasmblog_survives_{uuid.uuid4().hex[:10]}")
    pt_put(elixir, key, 1)
    fresh = request.getfixturevalue("fresh_wasm_app")
    assert fresh.healthy()
    assert popcorn.healthy()
    assert popcorn.boot_ms == boot_ms  # not rebooted
    assert pt_get(elixir, key) == 1
