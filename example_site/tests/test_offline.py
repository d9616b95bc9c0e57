"""The blog offline: its service worker, a boot with no network, the reading list and the network badge.

Each test gets fresh browser contexts (`wasm_app_factory`), so every first visit really is one:
no service worker, no cache, no storage.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import BlogPage, PostFile
from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.browsers.base import CAP_OFFLINE, BrowserSession
from pytest_wasmblog.bundle.build import build_site
from pytest_wasmblog.errors import NavigationError
from pytest_wasmblog.network import Network
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.settings import Settings
from pytest_wasmblog.vm_errors import BootTimeoutError, VMCrashError

NOT_PRECACHED = {"sw.js", "build-report.json"}
EXAMPLE_SITE = Path(__file__).resolve().parent.parent
NEW_POST_TITLE = "Deployed While You Were Away"
NEW_POST = f"""---
title: {NEW_POST_TITLE}
date: 2099-01-01
tags: meta
---
This post only exists in the next deployment of the blog.
"""


# The .gz/.br copies a server picks by Accept-Encoding: the worker caches what the browser decoded.
PRECOMPRESSED = (".gz", ".br")


def precache_version(site: Path) -> str:
    return str(json.loads((site / "build-report.json").read_text())["precache"]["version"])


def expected_cache(site: Path) -> dict[str, list[str]]:
    """What the worker must have cached: every file of the build but itself and the build report."""
    paths = sorted("/" + p.relative_to(site).as_posix() for p in site.rglob("*")
                   if p.is_file() and p.name not in NOT_PRECACHED and p.suffix not in PRECOMPRESSED)
    return {f"wasm-blog-{precache_version(site)}": paths}


@pytest.fixture
def visited(wasm_app_factory: Any, network: Network) -> PopcornApp:
    """The blog after one online visit: its service worker controls the page and has precached the site."""
    app = wasm_app_factory()
    network.wait_until_controlled(app)
    return app


def dataset(app: PopcornApp) -> dict[str, str]:
    return dict(app.evaluate("async () => ({ ...document.body.dataset })"))


def test_the_first_visit_precaches_runtime_bundle_and_page(visited: PopcornApp, network: Network,
                                                           wasm_settings: Settings) -> None:
    site = wasm_settings.require_site()
    state = network.service_worker(visited)
    assert state.controlled and state.script_url and state.script_url.endswith("/sw.js")
    assert {k: sorted(v) for k, v in state.caches.items()} == expected_cache(site)
    assert {"/AtomVM.wasm", "/AtomVM.mjs", "/bundle.avm", "/index.html"} <= state.cached_paths()
    assert visited.wait_for("document.body.dataset.offline") == "controlled"
    assert visited.wait_for("document.body.dataset.swVersion") == precache_version(site)


def test_the_app_boots_and_renders_posts_with_the_network_gone(visited: PopcornApp, network: Network,
                                                               wasm_server: StaticSiteServer,
                                                               posts: list[PostFile]) -> None:
    served_here = isinstance(wasm_server, StaticSiteServer)  # a deployment's host keeps its own log
    if served_here:
        wasm_server.clear_log()
    with network.offline():
        visited.reload()
        blog = BlogPage(visited)
        blog.goto("#/")
        assert blog.texts(".post-summary h2") == [p.title for p in posts]
        blog.goto(f"#/post/{posts[-1].slug}")
        assert blog.text("article.post h1") == posts[-1].title
        assert visited.call({"bridge": "ping"}).ok
    # Whatever reached the server meanwhile (update checks of sw.js) was dropped, not answered.
    reached = [(r.path, r.status) for r in wasm_server.requests()] if served_here else []
    assert all(status == 0 for _, status in reached), reached


def test_without_a_first_visit_there_is_nothing_to_boot_offline(wasm_app_factory: Any, network: Network) -> None:
    with network.offline(), pytest.raises((NavigationError, BootTimeoutError, VMCrashError)):
        wasm_app_factory(boot_timeout_s=5)


def test_the_reading_list_survives_an_offline_reload(visited: PopcornApp, network: Network,
                                                     posts: list[PostFile]) -> None:
    blog = BlogPage(visited)
    first, second = posts[0], posts[-1]
    for post in (first, second):
        blog.goto(f"#/post/{post.slug}")
        assert blog.attrs("#save", "data-saved") == ["false"]
        save_and_wait(blog)
        assert blog.attrs("#save", "data-saved") == ["true"]
    with network.offline():
        visited.reload()
        blog.goto("#/reading-list")
        assert blog.attrs(".reading-item", "data-slug") == [first.slug, second.slug]
        assert blog.text("#reading-count") == "2"
        # Changed offline, by Elixir: marking one read moves its minutes out of the unread total.
        blog.app.evaluate("async () => { delete document.body.dataset.rendered; "
                          "document.querySelector('.reading-item input.read').click(); }")
        visited.wait_for("document.body.dataset.rendered")
        assert blog.attrs(".reading-item", "data-read") == ["true", "false"]
        minutes = first.reading_minutes + second.reading_minutes
        assert blog.text(".reading-summary") == (
            f"2 saved, 1 unread · {second.reading_minutes} of {minutes} min left")
        stored = json.loads(visited.evaluate("async () => localStorage.getItem('wasm-blog.reading-list')"))
    assert stored == [{"slug": first.slug, "read": True}, {"slug": second.slug, "read": False}]


def save_and_wait(blog: BlogPage) -> None:
    blog.app.evaluate("async () => { delete document.body.dataset.rendered; document.getElementById('save').click(); }")
    blog.app.wait_for("document.body.dataset.rendered")


def test_the_network_badge_follows_the_browsers_events(visited: PopcornApp, network: Network,
                                                       wasm_browser: BrowserSession) -> None:
    assert visited.wait_for("document.body.dataset.network") == "online"
    assert visited.evaluate("async () => document.getElementById('network').textContent") == "online"
    with network.offline():
        if wasm_browser.has(CAP_OFFLINE):
            assert visited.wait_for("document.body.dataset.network === 'offline' && "
                                    "document.getElementById('network').textContent")== "offline"
        else:
            # WebDriver cannot tell WebKitGTK it is offline, so navigator.onLine stays true and
            # no event fires; the badge must still match the browser, not guess.
            assert visited.evaluate("async () => [navigator.onLine, document.body.dataset.network]") == [True, "online"]
    assert visited.wait_for("document.body.dataset.network === 'online' && document.body.dataset.network") == "online"


@pytest.fixture(scope="session")
def next_deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blog rebuilt with one more post: what its owners deploy next (a changed bundle)."""
    work = tmp_path_factory.mktemp("next-deployment") / "example_site"
    shutil.copytree(EXAMPLE_SITE, work, ignore=shutil.ignore_patterns("dist", "dist.*", "tests", "__pycache__"))
    (work / "posts" / "deployed-while-you-were-away.md").write_text(NEW_POST)
    return build_site(work, log=lambda _: None).dist


@pytest.mark.wasm_served_here("deploys a second build on a server of its own")
def test_a_new_deployment_is_picked_up_online_and_the_old_cache_removed(
    wasm_app_factory: Any, wasm_serve: Any, network: Network, wasm_settings: Settings, next_deployment: Path,
) -> None:
    site = wasm_settings.require_site()
    old, new = precache_version(site), precache_version(next_deployment)
    assert old != new, "the rebuilt bundle must make a new precache version"
    server = wasm_serve(site)  # its own origin: this test's deployments touch no other test
    app = wasm_app_factory(server=server)
    network.wait_until_controlled(app)
    assert list(network.service_worker(app).caches) == [f"wasm-blog-{old}"]

    server.deploy(next_deployment)
    app.reload()  # the next online visit: the browser checks sw.js, installs the new version
    app.wait_for(f"document.body.dataset.updateReady === 'true' && document.body.dataset.swVersion === '{new}'",
                 timeout_s=30)
    state = network.service_worker(app)
    assert {k: sorted(v) for k, v in state.caches.items()} == expected_cache(next_deployment)

    with network.offline():
        app.reload()
        blog = BlogPage(app)
        blog.goto("#/")
        assert blog.texts(".post-summary h2")[0] == NEW_POST_TITLE  # the new bundle, from the new cache
