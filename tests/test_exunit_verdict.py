"""How a test's outcome in the VM is judged against the host's, and what an author's tags mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_wasmblog.bundle import config
from pytest_wasmblog.exunit.plugin import _xfail_browser
from pytest_wasmblog.exunit.project import DEFAULT_TIMEOUT_MS, ExUnitTest, HostResult
from pytest_wasmblog.exunit.verdict import VMTestResult, headline, judge

FAILURE = """  1) test slugify drops punctuation (Blog.SlugTest)
     test/slug_test.exs:5
     ** (FunctionClauseError) no function clause matching in Blog.Slug.slugify/1
"""


def test_the_same_outcome_in_both_places_passes_or_fails_plainly() -> None:
    assert judge("webkit", HostResult("passed"), VMTestResult("passed")).passed
    both = judge("webkit", HostResult("failed", FAILURE), VMTestResult("failed", FAILURE))
    assert not both.passed and not both.divergence
    assert both.message.startswith("fails on host and in webkit: ** (FunctionClauseError) no function clause")


def test_a_test_that_passes_on_the_host_only_is_a_divergence_naming_both_outcomes() -> None:
    verdict = judge("webkit", HostResult("passed"), VMTestResult("failed", FAILURE))
    assert verdict.divergence and not verdict.passed
    first, *rest = verdict.message.splitlines()
    assert first == "passes on host; in webkit: ** (FunctionClauseError) no function clause matching in Blog.Slug.slugify/1"
    assert "  1) test slugify drops punctuation (Blog.SlugTest)" in rest


def test_a_test_that_passes_only_in_the_vm_is_a_divergence_too() -> None:
    verdict = judge("firefox", HostResult("failed", FAILURE), VMTestResult("passed"))
    assert verdict.divergence and verdict.message.startswith("fails on host; passes in firefox")
    assert "** (FunctionClauseError)" in verdict.message


def test_a_vm_that_died_or_answered_nonsense_fails_the_test_with_why() -> None:
    crashed = VMTestResult.from_job(None, "Warning: module gen_tcp cannot be resolved.")
    verdict = judge("chromium", HostResult("passed"), crashed)
    assert verdict.message.startswith("passes on host; in chromium: the VM died running it: Warning: module gen_tcp")
    assert VMTestResult.from_job({"state": "weird"}, None).state == "crashed"
    assert VMTestResult.from_job({"state": "passed", "output": "hi\n"}, None).output == "hi\n"


def test_headline_skips_exunits_numbered_title_and_location() -> None:
    assert headline(FAILURE) == "** (FunctionClauseError) no function clause matching in Blog.Slug.slugify/1"
    assert headline("plain text") == "plain text"
    assert headline("") == "(no message)"


def _test(**tags: object) -> ExUnitTest:
    return ExUnitTest("Shop.CartTest", "test x", 3, None, "test", dict(tags))


def test_xfail_browser_tags_read_as_engines_with_reasons() -> None:
    assert _xfail_browser(_test()) == {}
    assert _xfail_browser(_test(xfail_browser="webkit")) == {"webkit": "a known divergence (@tag xfail_browser)"}
    assert _xfail_browser(_test(xfail_browser=[["webkit", "no SAB"], "firefox"])) == {
        "webkit": "no SAB", "firefox": "a known divergence (@tag xfail_browser)"}
    with pytest.raises(pytest.UsageError, match="names 'safari'; engines are chromium, firefox, webkit"):
        _xfail_browser(_test(xfail_browser="safari"))


def test_a_timeout_tag_sets_the_vms_limit_too() -> None:
    assert _test().timeout_ms == DEFAULT_TIMEOUT_MS
    assert _test(timeout=300).timeout_ms == 300
    assert _test(timeout="infinity").timeout_ms == DEFAULT_TIMEOUT_MS


def _site(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / config.CONFIG_NAME).write_text('[bundle]\nstart_module = "A.App"\n' + extra)
    return tmp_path


def test_tests_default_to_the_test_folder_when_it_exists(tmp_path: Path) -> None:
    site = _site(tmp_path, "")
    assert config.load(site).tests == ()
    (site / "test").mkdir()
    assert config.load(site).tests == (site / "test",)


def test_tests_paths_and_libraries_are_checked(tmp_path: Path) -> None:
    site = _site(tmp_path, '[tests]\npaths = ["spec"]\n')
    with pytest.raises(config.SiteConfigError, match=r"\[tests\] paths: folder .*spec does not exist"):
        config.load(site)
    (site / "spec").mkdir()
    assert config.load(site).tests == (site / "spec",)
    (site / config.CONFIG_NAME).write_text('[bundle]\nstart_module = "A.App"\nlibraries = ["mix"]\n')
    with pytest.raises(config.SiteConfigError, match=r"libraries: 'mix' cannot be packed; the choices are 'ex_unit'"):
        config.load(site)
