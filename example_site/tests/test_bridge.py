"""The raw Popcorn bridge (`popcorn` fixture) and the error mapping of the `elixir` fixture."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from pytest_wasmblog.terms import Atom, Opaque, TermEncodingError
from pytest_wasmblog.vm_errors import ElixirError, VMCrashError


def apply_request(module, function, args):
    return {"bridge": "apply", "module": module, "function": function, "args": args}


# ---------------------------------------------------------------------------
# Raw calls
# ---------------------------------------------------------------------------


def test_raw_apply_reply_shape_and_duration(popcorn):
    before = len(popcorn.call_durations_ms)
    result = popcorn.call(apply_request("Blog.Slug", "slugify", ["Raw Call Works"]))
    assert result.ok is True
    assert result.error_code is None and result.error_message is None
    assert result.data == {"ok": True, "value": "raw-call-works"}
    assert result.duration_ms > 0
    assert popcorn.call_durations_ms[before:] == [result.duration_ms]


def test_raw_ping(popcorn, elixir):
    assert popcorn.call({"bridge": "ping"}).data == {"ok": True, "value": "pong"}
    assert elixir.ping() is True


def test_raw_call_reaches_the_page_handler(popcorn, posts):
    result = popcorn.call({"page": "index"})
    assert result.ok and result.data["ok"] is True
    value = result.data["value"]
    assert [p["slug"] for p in value["posts"]] == [p.slug for p in posts]
    assert {"tag": "elixir", "count": sum("elixir" in p.tags for p in posts)} in value["tags"]


def test_raw_tagged_values_in_reply(popcorn):
    data = popcorn.call(apply_request("Blog.Posts", "fetch", ["hello-world"])).data
    assert data["ok"] is True
    # {:ok, post} travels as a tagged tuple whose first element is a tagged atom
    assert data["value"]["__tuple__"][0] == {"__atom__": "ok"}
    assert data["value"]["__tuple__"][1]["__map__"]  # atom keys: not a plain JSON object


def test_handler_bad_request_reply(popcorn):
    data = popcorn.call({"page": "nope"}).data
    assert data["ok"] is True
    assert data["value"]["error"] == "bad_request"
    assert 'unknown page "nope"' in data["value"]["message"]


@pytest.mark.parametrize(
    ("request_", "fragment"),
    [
        ({"bridge": "frobnicate"}, "unknown bridge request"),
        ({"bridge": "apply", "function": "all", "args": []}, 'needs "module"'),
        ({"bridge": "apply", "module": "Blog.Posts", "args": []}, 'needs "function"'),
        ({"bridge": "apply", "module": "Blog.Posts", "function": "get", "args": "hello-world"}, "must be a list"),
        (apply_request(":lists", "max", [[1]] * 13), "too many arguments"),
        (apply_request("Blog.Posts", "get", [{"__opaque__": "pid"}]), "cannot decode the arguments"),
        (apply_request("Blog.Posts", "get", [{"__nonsense__": 1}]), "cannot decode the arguments"),
    ],
)
def test_malformed_bridge_requests_are_bad_request_replies(popcorn, request_, fragment):
    result = popcorn.call(request_)
    assert result.ok is True  # the bridge answers, it does not reject the promise
    data = result.data
    assert data["ok"] is False
    assert data["kind"] == "bad_request"
    assert fragment in data["message"]
    assert data["stacktrace"] == []


# ---------------------------------------------------------------------------
# Casts and VM output
# ---------------------------------------------------------------------------


def test_cast_is_accepted_and_runs(popcorn):
    marker = f"cast-{uuid.uuid4().hex[:12]}"
    before = len(popcorn.call_durations_ms)
    assert popcorn.cast(apply_request(":erlang", "display", [marker])) is None
    assert len(popcorn.call_durations_ms) == before  # a cast is not a timed call
    popcorn.wait_for(
        f"window.__wasmblog.snapshot().stdout.some((line) => line.includes({marker!r}))", timeout_s=5
    )
    assert any(marker in line for line in popcorn.stdout)


def test_cast_is_handled_before_a_later_call(popcorn, elixir):
    key = Atom(f"cast_order_{uuid.uuid4().hex[:8]}")
    popcorn.cast(apply_request(":erlang", "apply",
                               [{"__atom__": "persistent_term"}, {"__atom__": "put"},
                                [{"__atom__": key.name}, "set-by-cast"]]))
    value = elixir.apply(":erlang", "apply", [Atom("persistent_term"), Atom("get"), [key, None]])
    assert value == "set-by-cast"


def test_failing_cast_does_not_hurt_the_vm(popcorn, elixir):
    popcorn.cast(apply_request("Blog.Posts", "get", ["no-such-post"]))
    popcorn.cast(apply_request("Nope.Module", "x", []))
    assert elixir.apply("Blog.Slug", "slugify", ["Still Alive"]) == "still-alive"


def test_vm_stdout_is_visible(popcorn, elixir):
    marker = f"stdout-{uuid.uuid4().hex[:12]}"
    assert not any(marker in line for line in popcorn.stdout)
    assert elixir.apply(":erlang", "display", [marker]) is True
    popcorn.wait_for(
        f"window.__wasmblog.snapshot().stdout.some((line) => line.includes({marker!r}))", timeout_s=5
    )
    lines = [line for line in popcorn.stdout if marker in line]
    assert lines == [f'<<"{marker}">>']  # :erlang.display/1 prints the binary in Erlang syntax
    assert not any(marker in line for line in popcorn.stderr)


def test_page_evaluate_sees_the_vm_instance(popcorn):
    assert popcorn.evaluate("async () => typeof window.popcorn.call") == "function"
    assert popcorn.evaluate("async () => window.crossOriginIsolated") is True


# ---------------------------------------------------------------------------
# Errors through the elixir fixture
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("module", "label"), [("Blog.Secret", "Blog.Secret"), ("os", ":os"), (":os", ":os"),
                                                ("Elixir.File", "File")])
def test_module_outside_allow_list_is_not_allowed(elixir, popcorn, module, label):
    before = popcorn.stdout
    with pytest.raises(ElixirError) as info:
        elixir.apply(module, "cmd", ["echo hi"])
    error = info.value
    assert error.kind == "not_allowed"
    assert error.exception is None
    assert error.message.startswith(f"module {label} is not in the bridge allow list")
    for allowed in ("Blog.Posts", ":erlang"):
        assert allowed in error.message
    assert error.stacktrace == []
    assert "(not_allowed)" in str(error)
    assert popcorn.stdout == before


@pytest.mark.parametrize("module", ["Blog.Posts", "Elixir.Blog.Posts"])
def test_alias_spellings_are_accepted(elixir, module):
    assert elixir.apply(module, "fetch", ["nope"]) == Atom("error")


@pytest.mark.parametrize("module", ["lists", ":lists"])
def test_erlang_module_spellings_are_accepted(elixir, module):
    assert elixir.apply(module, "reverse", [[1, 2, 3]]) == [3, 2, 1]


def test_wrong_argument_type_is_function_clause_error(elixir):
    with pytest.raises(ElixirError) as info:
        elixir.apply("Blog.Slug", "slugify", [42])
    assert info.value.kind == "error"
    assert info.value.exception == "FunctionClauseError"
    assert info.value.message == "no function clause matching in Blog.Slug.slugify/1"
    assert info.value.stacktrace[0][:3] == ["Elixir.Blog.Slug", "slugify", 1]


@pytest.mark.parametrize(("function", "args", "mfa"), [("slugify", [], "Blog.Slug.slugify/0"),
                                                      ("no_such_function", ["x"], "Blog.Slug.no_such_function/1")])
def test_wrong_arity_or_unknown_function_names_the_function(elixir, function, args, mfa):
    with pytest.raises(ElixirError) as info:
        elixir.apply("Blog.Slug", function, args)
    assert info.value.exception == "UndefinedFunctionError"
    assert info.value.message == f"function {mfa} is undefined or private"


def test_unknown_function_is_undefined_function_error(elixir):
    with pytest.raises(ElixirError) as info:
        elixir.apply("Blog.Slug", "no_such_function", ["x"])
    assert info.value.kind == "error"
    assert info.value.exception == "UndefinedFunctionError"


def test_erlang_errors_are_normalised(elixir):
    with pytest.raises(ElixirError) as info:
        elixir.apply(":erlang", "error", [Atom("badarg")])
    assert (info.value.exception, info.value.message) == ("ArgumentError", "argument error")
    with pytest.raises(ElixirError) as info:
        elixir.apply(":erlang", "error", [(Atom("badkey"), Atom("nope"))])
    assert (info.value.exception, info.value.message) == ("KeyError", "key :nope not found")


def test_throw_and_exit_kinds(elixir):
    with pytest.raises(ElixirError) as info:
        elixir.apply(":erlang", "throw", [(Atom("oops"), 1)])
    assert (info.value.kind, info.value.exception, info.value.message) == ("throw", None, "{:oops, 1}")
    with pytest.raises(ElixirError) as info:
        elixir.apply(":erlang", "exit", [Atom("bye")])
    assert (info.value.kind, info.value.message) == ("exit", ":bye")


def test_vm_survives_errors(elixir):
    for _ in range(3):
        with pytest.raises(ElixirError):
            elixir.apply("Blog.Posts", "get", ["missing"])
    assert elixir.apply("Blog.Posts", "fetch", ["hello-world"])[0] == Atom("ok")


# ---------------------------------------------------------------------------
# Term encoding
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "path"),
    [
        (object(), "args[0]"),
        (float("nan"), "args[0]"),
        (float("inf"), "args[0]"),
        ({1, 2}, "args[0]"),
        ([1, [2, object()]], "args[0][1][1]"),
        ({"key": object()}, "args[0]['key']"),
        (Opaque("pid"), "args[0]"),
    ],
)
def test_unencodable_argument_raises_before_sending(elixir, popcorn, bad, path):
    calls_before = len(popcorn.call_durations_ms)
    with pytest.raises(TermEncodingError) as info:
        elixir.apply("Blog.Slug", "slugify", [bad])
    assert info.value.path == path
    assert path in str(info.value)
    assert len(popcorn.call_durations_ms) == calls_before, "nothing should have been sent to the VM"


@pytest.mark.parametrize(
    "value",
    [
        0, -7, 2**40, 2**53, -(2**53), 1.5, "", "héllo ✓ 🚀", "tab\tquote\"nul\x00", None, True, False,
        Atom("ok"), Atom("with space"), Atom.alias("Blog.Posts"),
        (), (1, "two", Atom("three")), [], [1, [2, [3]]],
        {"plain": "map"}, {Atom("k"): 1}, {1: "int key"}, {(1, 2): "tuple key"}, {"__atom__": "not a tag"},
        b"\xff\x00\x80",
    ],
    ids=repr,
)
def test_terms_round_trip_through_the_vm(elixir, value):
    # :lists.nth(1, [x]) hands the decoded term straight back
    assert elixir.apply(":lists", "nth", [1, [value]]) == value


@pytest.mark.parametrize(
    ("value", "guard"),
    [(Atom("x"), "is_atom"), ("x", "is_binary"), ((1, 2), "is_tuple"), ([1, 2], "is_list"),
     ({Atom("a"): 1}, "is_map"), (b"\xff", "is_binary"), (1.5, "is_float"), (1, "is_integer")],
)
def test_python_values_arrive_as_the_documented_elixir_types(elixir, value, guard):
    assert elixir.apply(":erlang", guard, [value]) is True


def test_utf8_bytes_are_the_same_term_as_a_string(elixir):
    # Elixir has no separate string type: valid UTF-8 bytes come back as str (documented mapping)
    assert elixir.apply(":lists", "nth", [1, [b"abc"]]) == "abc"
    assert elixir.apply(":erlang", "byte_size", [b"abc"]) == 3
    assert elixir.apply(":erlang", "byte_size", ["é"]) == 2


@pytest.mark.parametrize("raw", [
    b"\xff", b"\xc0\x80",  # a byte that never starts a character; an overlong encoding of NUL
    b"\xed\xa0\x80", b"\xf4\x90\x80\x80",  # a UTF-16 surrogate; a code point past U+10FFFF
    b"\xe2\x82", b"ok\xe2\x82",  # cut off in the middle of a character
])
def test_bytes_that_are_not_utf8_come_back_as_bytes(elixir, raw):
    # The reply's check of each binary (a NIF on this VM) must be as strict as Elixir's <<_::utf8>>.
    assert elixir.apply(":lists", "nth", [1, [raw]]) == raw


@pytest.mark.parametrize("text", ["", "plain", "é", "€ and 𝄞", "quote \" backslash \\ tab \t nul \x00 bell \x07"])
def test_utf8_text_with_every_kind_of_character_comes_back_unchanged(elixir, text):
    assert elixir.apply(":lists", "nth", [1, [text]]) == text


def test_integral_floats_stay_floats(elixir):
    assert elixir.apply(":erlang", "is_float", [1.0]) is True
    result = elixir.apply(":erlang", "float", [1])
    assert isinstance(result, float)


@pytest.mark.parametrize("big", [2**53 + 1, 2**60, -(2**60) - 1, 2**70])
def test_big_integers_are_exact(elixir, big):
    got = elixir.apply(":lists", "nth", [1, [big]])
    assert got == big and isinstance(got, int)
    assert elixir.apply(":erlang", "integer_to_binary", [big]) == str(big)


def test_strings_are_not_atoms_and_lists_are_not_tuples(elixir):
    assert elixir.apply(":erlang", "is_atom", ["ok"]) is False
    assert elixir.apply(":erlang", "is_tuple", [[1, 2]]) is False
    assert elixir.apply(":erlang", "is_list", [(1, 2)]) is False
    assert elixir.apply(":erlang", "tuple_size", [(1, 2, 3)]) == 3


def test_opaque_results(elixir):
    assert elixir.apply(":erlang", "self") == Opaque("pid")
    assert elixir.apply(":erlang", "make_ref") == Opaque("reference")


def test_a_call_that_needs_a_module_the_bundle_left_out_fails_at_once(elixir, wasm_settings):
    # The bundle holds only what the suite loads (modules.txt): Enum.take_random/2 needs :rand,
    # which is left out. The call must fail within a poll interval, naming the module, not hang.
    report = json.loads((wasm_settings.require_site() / "build-report.json").read_text())
    assert "rand" in report["unused"], "rand is packed now: pick another left-out module for this test"
    started = time.monotonic()
    with pytest.raises(VMCrashError, match="module rand cannot be resolved") as caught:
        elixir.apply("Enum", "take_random", [[1, 2, 3], 1])
    assert time.monotonic() - started < 5
    assert "used_modules" in str(caught.value)
