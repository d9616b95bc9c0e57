"""The VM's `re` (pytest_wasmblog/vm/shims/re.erl + re.js) against the host's real `re`, with no
browser: every case runs in one Erlang VM through both modules, re.js in Node, and the results
must be equal term for term (byte offsets, unset groups, error messages and positions)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex_fuzz
from regex_host import Atom, Chars, Outcome, Term, build_shim, compare

A = Atom
GLOBAL = A("global")
UNICODE = A("unicode")
UCP = A("ucp")
U: list[Term] = [UNICODE, UCP]  # Elixir's /u


def cap(spec: Term, kind: str = "index") -> Term:
    return (A("capture"), spec, A(kind))


BIN = cap(A("all"), "binary")
LIST = cap(A("all"), "list")

# (id, pattern, subject, options): re:run(Subject, Pattern, Options)
RUNS: list[tuple[str, Term, Term, list[Term]]] = [
    # captures and their forms
    ("plain", "c(d)", "abcd", []),
    ("plain-binary", "c(d)", "abcd", [BIN]),
    ("plain-list", "c(d)", "abcd", [LIST]),
    ("first", "c(d)", "abcd", [cap(A("first"), "binary")]),
    ("all-but-first", "c(d)(e)?", "abcd", [cap(A("all_but_first"), "binary")]),
    ("none", "c(d)", "abcd", [cap(A("none"))]),
    ("none-nomatch", "x", "abcd", [cap(A("none"))]),
    ("empty-list", "c(d)", "abcd", [cap([])]),
    ("index-list", "(a)(b)?(c)", "ac", [cap([3, 2, 0, 9])]),
    ("names-list", "(?<x>a)(?<y>q)?", "ab", [cap([A("y"), A("x"), A("z")], "list")]),
    ("names-strings", "(?<year>\\d+)-(?<mon>\\d+)", "2024-05", [cap([Chars("mon"), "year"], "binary")]),
    ("all-names", "(?<b>x)(?<a>y)", "xy", [cap(A("all_names"), "binary")]),
    ("all-names-none", "(x)", "x", [cap(A("all_names"), "binary")]),
    ("unset-trailing", "(a)|(b)", "a", []),
    ("unset-middle", "(a)|(b)", "b", [LIST]),
    ("unset-binary", "(a)?(b)(c)?", "b", [BIN]),
    ("nomatch", "e", "abcd", []),
    ("charlist-subject", "b+", Chars("abbc"), [BIN]),
    ("iolist-subject", "bc", ["a", [b"b", "c"]], []),
    ("charlist-pattern", Chars("b(c)"), "abc", [LIST]),
    # global scans, empty matches
    ("scan", "c(d|e)", "abcd abce", [GLOBAL, BIN]),
    ("scan-index", "=+", "=ü†ƒ8===", [GLOBAL]),
    ("scan-empty", "", "abc", [GLOBAL]),
    ("scan-empty-alt", "a|", "ab", [GLOBAL]),
    ("scan-lazy", "x*?", "xxay", [GLOBAL]),
    ("scan-empty-first", "|b", "ab", [GLOBAL]),
    ("scan-lookahead-quirk", "(?=b)|b", "abab", [GLOBAL]),
    ("scan-lookahead-quirk2", "(?=a)|a", "xaay", [GLOBAL]),
    ("scan-empty-utf8", "", "aé€😀", [GLOBAL, UNICODE]),
    ("scan-empty-bytes", "", "é", [GLOBAL]),
    ("scan-crlf", "", "a\r\nb", [GLOBAL, (A("newline"), A("crlf"))]),
    ("scan-crlf-lf", "", "a\r\nb", [GLOBAL]),
    ("scan-none", "a", "aba", [GLOBAL, cap(A("none"))]),
    ("scan-offset", "a", "aaa", [GLOBAL, (A("offset"), 1)]),
    ("scan-offset-end", "a", "aaa", [GLOBAL, (A("offset"), 3)]),
    ("scan-offset-past", "a", "aaa", [GLOBAL, (A("offset"), 9)]),
    ("scan-groups-unset", "(a)|(b)", "ab", [GLOBAL, LIST]),
    # non-ASCII subjects: byte offsets
    ("utf8-offsets", "ü(.)", "aüb€c", [UNICODE]),
    ("utf8-binary", "\\p{Sc}", "$, £, and €", [GLOBAL, *U, BIN]),
    ("utf8-word", "\\w+", "héllo wörld 𝔘nicode", [GLOBAL, *U, BIN]),
    ("utf8-word-noucp", "\\w+", "héllo wörld ÿ ŝ", [GLOBAL, UNICODE, BIN]),
    ("utf8-list", "(.)(.)", "é😀", [UNICODE, LIST]),
    ("utf8-astral", "😀+", "a😀😀b", [UNICODE]),
    ("utf8-dot-astral", "a.b", "a😀b", [UNICODE]),
    ("utf8-offset", "é", "éaé", [UNICODE, (A("offset"), 2)]),
    ("utf8-offset-mid-char", "a", "éa", [UNICODE, (A("offset"), 1)]),
    ("utf8-invalid-subject", "a", b"a\xff", [UNICODE]),
    ("bytes-dot", ".", "é", [LIST]),
    ("bytes-word", "\\w+", "héllo wörld", [GLOBAL, BIN]),
    ("bytes-space", "\\s", "a\u00a0b c", [GLOBAL]),
    ("bytes-caseless", "é", "É", [A("caseless")]),
    ("bytes-caseless-class", "[à-ä]+", "ÀÄ", [A("caseless"), GLOBAL]),
    ("bytes-class-high", "[\\x80-\\xff]+", "aé€b", [GLOBAL]),
    ("bytes-caseless-backref", b"(\xe9)\\1", b"\xe9\xc9", [A("caseless")]),
    ("bytes-caseless-negated-latin1", b"[^\xe9]+", b"\xc9\xe9a\xb5", [A("caseless"), GLOBAL]),
    ("bytes-caseless-micro", b"\xb5\xff", b"\xb5\xff", [A("caseless")]),
    ("bytes-negated-class", "[^a]+", "aéa", [GLOBAL]),
    ("utf8-caseless", "straße", "STRASSE STRAẞE straße", [*U, A("caseless"), GLOBAL]),
    ("utf8-caseless-greek", "σ+", "ΣσςΣ", [*U, A("caseless"), GLOBAL]),
    ("utf8-ucp-digit", "\\d+", "12٣٤5", [*U, GLOBAL]),
    ("utf8-noucp-digit", "\\d+", "12٣٤5", [UNICODE, GLOBAL]),
    ("utf8-ucp-space", "\\s+", "a\u00a0\u2003b\u3000c", [*U, GLOBAL]),
    ("utf8-noucp-space", "\\s+", "a\u00a0\u2003b c", [UNICODE, GLOBAL]),
    ("utf8-boundary-ucp", "\\bé\\w*", "é éclair xé", [*U, GLOBAL, BIN]),
    ("utf8-boundary-noucp", "\\b\\w+\\b", "é éclair xé", [UNICODE, GLOBAL, BIN]),
    ("bytes-boundary", "\\b\\w+\\b", "é éclair", [GLOBAL, BIN]),
    ("property-letter", "\\p{L}+", "abc日本語123", [UNICODE, GLOBAL]),
    ("property-negated", "\\P{L}+", "abc日本語123", [UNICODE, GLOBAL]),
    ("property-caret", "\\p{^Lu}+", "abCDef", [UNICODE, GLOBAL]),
    ("property-short", "\\pN+", "a12b", [UNICODE, GLOBAL]),
    ("property-script", "\\p{Greek}+", "abc αβγ", [UNICODE, GLOBAL]),
    ("property-l-amp", "\\p{L&}+", "aΣ日", [UNICODE, GLOBAL]),
    ("property-xan", "\\p{Xan}+", "a1_日", [UNICODE, GLOBAL]),
    ("property-bytes", "\\p{L}+", "aé1", [GLOBAL]),
    ("property-in-class", "[\\p{Lu}\\d]+", "abCD12ef", [UNICODE, GLOBAL]),
    ("property-neg-in-class", "[^\\P{Lu}]+", "abCDef", [UNICODE, GLOBAL]),
    # named groups and back references
    ("named-angle", "(?<year>\\d{4})-(?<m>\\d\\d)", "on 2024-05-01", [BIN]),
    ("named-quote", "(?'w'\\w+) \\k'w'", "hey hey", [BIN]),
    ("named-python", "(?P<w>\\w+) (?P=w)", "hey hey", [BIN]),
    ("named-k-brace", "(?<w>a)\\k{w}\\k<w>", "aaa", [BIN]),
    ("backref", "(\\w)\\1", "abccd", [BIN]),
    ("backref-g", "(a)(b)\\g{-1}\\g1\\g{2}", "abbab", [BIN]),
    ("backref-caseless", "(a)\\1", "aA", [A("caseless"), BIN]),
    ("backref-10", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10", "abcdefghijj", [cap(A("first"))]),
    ("octal-not-backref", "(a)\\12", "a\n", []),
    ("escaped-8", "\\8", "8", []),
    # anchors and newlines
    ("caret", "^a", "ba\na", [GLOBAL]),
    ("caret-multiline", "^a", "a\na\n", [GLOBAL, A("multiline")]),
    ("caret-multiline-end", "^", "a\n", [GLOBAL, A("multiline")]),
    ("caret-offset", "^b", "ab", [(A("offset"), 1)]),
    ("dollar", "a$", "a\n", []),
    ("dollar-two-newlines", "a$", "a\n\n", []),
    ("dollar-endonly", "a$", "a\n", [A("dollar_endonly")]),
    ("dollar-multiline", "a$", "a\na\nb", [GLOBAL, A("multiline")]),
    ("dollar-empty", "$", "a\nb\n", [GLOBAL]),
    ("A-z-Z", "\\Aa|b\\z|c\\Z", "abc\n", [GLOBAL]),
    ("Z-newline", "c\\Z", "c\n", []),
    ("crlf-dollar", "a$", "a\r\n", [(A("newline"), A("crlf"))]),
    ("anycrlf-caret", "^", "a\r\nb\rc", [A("multiline"), GLOBAL, (A("newline"), A("anycrlf"))]),
    ("anycrlf-dollar", "$", "a\r\nb\rc", [A("multiline"), GLOBAL, (A("newline"), A("anycrlf"))]),
    ("any-caret", "^.", "a\u2028b\x85c", [*U, A("multiline"), GLOBAL, (A("newline"), A("any")), BIN]),
    ("cr-dot", ".+", "a\rb\nc", [GLOBAL, (A("newline"), A("cr"))]),
    ("crlf-dot", ".+", "a\rb\r\nc", [GLOBAL, (A("newline"), A("crlf"))]),
    ("lf-dot-cr", ".+", "a\rb\nc", [GLOBAL]),
    ("notbol", "^a", "aa", [A("notbol")]),
    ("notbol-multiline", "^a", "a\na", [A("notbol"), A("multiline")]),
    ("noteol", "a$", "a", [A("noteol")]),
    ("noteol-multiline", "a$", "a\na", [A("noteol"), A("multiline")]),
    # escapes
    ("escapes", "\\t\\n\\r\\f\\e\\a", "\t\n\r\f\x1b\x07", []),
    ("hex", "\\x41\\x{42}\\x{e9}", "ABé", [UNICODE]),
    ("hex-short", "\\x4g", "\x04g", []),
    ("hex-empty", "a\\xb", "a\x0bb", []),
    ("octal", "\\101\\0\\o{102}", "A\x00B", []),
    ("control", "\\cA\\c[", "\x01\x1b", []),
    ("h-v", "\\h+\\v+", "a \t\u00a0\n\x0b\r", [UNICODE]),
    ("H-V", "\\H\\V", "ab", []),
    ("R", "a\\Rb", "a\r\nb a\nb a\rb", [GLOBAL]),
    ("R-no-split", "\\R\\n", "\r\n", []),
    ("N", "\\N+", "ab\ncd", [GLOBAL]),
    ("quote", "\\Qa.b*\\E+c", "a.b**c", []),
    ("quote-unterminated", "x\\Q(a", "x(a", []),
    ("escaped-punct", "\\.\\*\\{\\}\\[\\]\\-\\/", ".*{}[]-/", []),
    ("unknown-letter-escape", "\\y\\m", "ym", []),
    ("literal-braces", "a{,3}b{x}c{", "a{,3}b{x}c{", []),
    ("literal-close-bracket", "a]b}", "a]b}", []),
    # classes
    ("class-range", "[a-c]+", "xabcx", []),
    ("class-negated", "[^a-c]+", "abcxyz", []),
    ("class-bracket-first", "[]a]+", "]a]", []),
    ("class-negated-bracket-first", "[^]a]+", "]abc", []),
    ("class-dash", "[a-]+|[-z]+", "a-z-", [GLOBAL]),
    ("class-escapes", "[\\d\\s]+", "a1 2b", []),
    ("class-escape-dash", "[\\d-z]+", "1-z", []),
    ("class-negated-escapes", "[^\\d\\s]+", "12ab 3", []),
    ("class-neg-escape-in-pos", "[\\D1]+", "a1b2", [GLOBAL]),
    ("class-S-in-negated", "[^\\S\\n]+", "a \t\nb", [GLOBAL]),
    ("class-W-ucp", "[\\W]+", "aé €!", [*U, GLOBAL]),
    ("class-backspace", "[\\b]", "a\x08", []),
    ("class-octal", "[\\1]", "\x01", []),
    ("class-quote", "[\\Q]a\\E]+", "]a]", []),
    ("posix", "[[:alpha:]]+", "ab12cd", [GLOBAL]),
    ("posix-negated", "[[:^digit:]]+", "ab12cd", [GLOBAL]),
    ("posix-mixed", "[[:digit:][:upper:]_]+", "aB1_c", [GLOBAL]),
    ("posix-ucp", "[[:alpha:]]+", "añb日1", [*U, GLOBAL]),
    ("posix-punct-ucp", "[[:punct:]]+", "a!¿«»$+b", [*U, GLOBAL]),
    ("posix-bytes-latin1", "[[:alpha:]]+", "añb1", [GLOBAL]),
    ("caseless-class", "[a-c]+", "ABCabc", [A("caseless")]),
    ("caseless-negated-class", "[^a]+", "AaBb", [A("caseless"), GLOBAL]),
    # quantifiers
    ("greedy", "a.*b", "aXbXb", []),
    ("lazy", "a.*?b", "aXbXb", []),
    ("ungreedy", "a.*b", "aXbXb", [A("ungreedy")]),
    ("ungreedy-lazy", "a.*?b", "aXbXb", [A("ungreedy")]),
    ("ungreedy-inline", "(?U)a.+", "abc", []),
    ("braces", "a{2}b{1,}c{0,2}", "aabbbccc", []),
    ("braces-lazy", "a{2,}?", "aaaa", []),
    ("possessive", "a++b", "aaab", []),
    ("possessive-fails", "a++a", "aaa", []),
    ("possessive-star", "\"[^\"]*+\"", "x\"abc\"y", []),
    ("possessive-group", "(ab)*+c", "ababc", [LIST]),
    ("atomic", "(?>a+)b", "aaab", []),
    ("atomic-fails", "(?>a|ab)c", "abc", []),
    ("atomic-captures", "(?>(a)+)(b)", "aab", [LIST]),
    ("quantified-lookahead", "(?=a)?b", "b", []),
    # lookaround
    ("lookahead", "\\w+(?=!)", "hi! there", []),
    ("neg-lookahead", "\\d+(?!px)\\b", "10px 20em", []),
    ("lookbehind", "(?<=\\$)\\d+", "cost: $42", []),
    ("neg-lookbehind", "(?<!\\$)\\b\\d+", "$42 17", []),
    ("lookbehind-alternatives", "(?<=ab|c)x", "abx cx", [GLOBAL]),
    ("lookbehind-capture", "(?<=(a)(b))c", "abc", [LIST]),
    ("lookbehind-offset", "(?<=a)b", "ab", [(A("offset"), 1)]),
    # options
    ("caseless", "HeLLo", "hello", [A("caseless")]),
    ("inline-caseless", "(?i)hello", "HELLO", []),
    ("inline-caseless-off", "(?-i)hello", "HELLO", [A("caseless")]),
    ("dotall", "a.b", "a\nb", [A("dotall")]),
    ("inline-dotall", "(?s)a.b", "a\nb", []),
    ("inline-dotall-mid", "a.(?s:.)b|x(?s).y", "a\n\nb x\n\ny", [GLOBAL]),
    ("inline-multiline-mid", "a(?m)$", "a\nb", []),
    ("extended", " a b # comment\n c ", "abc", [A("extended")]),
    ("extended-class-spaces", "[a ]+", "a a", [A("extended")]),
    ("extended-escaped-space", "a\\ b", "a b", [A("extended")]),
    ("extended-quantifier", "a +", "aaa", [A("extended")]),
    ("inline-extended", "(?x) a b", "ab", []),
    ("inline-extended-group", "(?x: a b ) c", "ab c", []),
    ("comment-group", "a(?#comment)b", "ab", []),
    ("comment-group-quantifier", "a(?#x)+", "aaa", []),
    ("firstline", "b", "a\nb", [A("firstline")]),
    ("firstline-ok", "a", "xa\nb", [A("firstline")]),
    ("firstline-spans", "a\nb", "a\nb", [A("firstline")]),
    ("anchored", "b", "ab", [A("anchored")]),
    ("anchored-offset", "b", "ab", [A("anchored"), (A("offset"), 1)]),
    ("anchored-global", "a", "aab", [A("anchored"), GLOBAL]),
    ("no-auto-capture", "(a)(?<n>b)", "ab", [A("no_auto_capture"), LIST]),
    ("notempty", "x*|b", "ab", [A("notempty")]),
    ("notempty-none", "x*", "ab", [A("notempty")]),
    ("notempty-atstart", "x*|b", "ab", [A("notempty_atstart")]),
    ("notempty-atstart-offset", "x*|b", "ab", [A("notempty_atstart"), (A("offset"), 1)]),
    ("notempty-global", "a*", "baac", [A("notempty"), GLOBAL]),
    ("bsr-anycrlf", "\\R", "\x0b\n", [A("bsr_anycrlf")]),
    ("verbs-utf8", "(*UTF8)é", "é", []),
    ("verbs-crlf", "(*CRLF)a$", "a\r\n", []),
    ("verb-fail", "a(*FAIL)|b", "ab", []),
    ("elixir-uri", "^(([a-z][a-z0-9\\+\\-\\.]*):)?(//([^/?#]*))?([^?#]*)(\\?([^#]*))?(#(.*))?",
     "https://user@example.com:8080/path/to?q=1#frag", [A("caseless"), cap(A("all"), "binary")]),
    ("elixir-authority", "(^(.*)@)?(\\[[a-zA-Z0-9:.]*\\]|[^:]*)(:(\\d*))?", "user@example.com:8080",
     [cap(A("all"), "binary")]),
    ("elixir-s-option", "a.b$", "a\rb\r", [A("dotall"), (A("newline"), A("anycrlf"))]),
    # PCRE does not start a match between CR and LF unless the pattern names CR or LF itself
    ("crlf-skip-s", "\\s(?=b)", "a\r\nb", [(A("newline"), A("crlf"))]),
    ("crlf-skip-class-range", "[\\x00-\\x1f](?=b)", "a\r\nb", [(A("newline"), A("crlf"))]),
    ("crlf-skip-literal", "\\n|b", "a\r\nb", [GLOBAL, (A("newline"), A("anycrlf"))]),
    ("crlf-skip-offset", "[\\s\\S]", "a\r\nb", [(A("newline"), A("crlf")), (A("offset"), 2)]),
    ("crlf-skip-any", ".(?=b)|\\d", "a\r\n1b", [GLOBAL, (A("newline"), A("any"))]),
    # the first repeats of \w and \W in UTF-8 mode without ucp are checked as ASCII (PCRE 8.45)
    ("utf8-w-plus", "\\w+", "é ab éa", [UNICODE, GLOBAL]),
    ("utf8-w-range", "\\w{1,2}|\\w{2,3}", "éé aé", [UNICODE, GLOBAL]),
    ("utf8-W-plus", "\\W+", "é!a", [UNICODE, GLOBAL]),
    ("utf8-w-lazy", "\\w+?b", "aéb", [UNICODE]),
    ("named-backref-g-name", "(?<x>a)\\g{x}", "aa", []),
    ("inline-options-twice", "(?i)(?-i)a", "A", []),
    ("inline-options-reset", "(?i)(?m)^a$", "x\nA", []),
    ("quote-in-class-range", "[\\Qa-c\\E]+", "-abc", []),
    ("escaped-E-alone", "a\\Eb", "ab", []),
]

# (id, pattern, options): re:compile/2, including errors with PCRE's message and position
COMPILES: list[tuple[str, Term, list[Term]]] = [
    ("groups", "(a)(?:b)(?<n>c)(?=(d))", []),
    ("unicode-flag", "a", [UNICODE]),
    ("crlf-flag", "a", [(A("newline"), A("crlf"))]),
    ("nothing-to-repeat", "*foo", []),
    ("nothing-to-repeat-plus", "a|+", []),
    ("nothing-to-repeat-caret", "^*", []),
    ("nothing-to-repeat-b", "\\b*", []),
    ("nothing-to-repeat-twice", "a**", []),
    ("nothing-to-repeat-braces", "a{2}{3}", []),
    ("nothing-to-repeat-leading-braces", "{2}a", []),
    ("unmatched-paren", "a)", []),
    ("missing-paren", "(a", []),
    ("missing-paren-nested", "((a)", []),
    ("missing-bracket", "[a", []),
    ("missing-bracket-caret", "[^]", []),
    ("range-order", "[z-a]", []),
    ("backslash-end", "a\\", []),
    ("lookbehind-variable", "(?<=a+)b", []),
    ("lookbehind-alternation-inner", "(?<=a(b|cd))x", []),
    ("lookbehind-backref", "(a)(?<=\\1)", []),
    ("missing-group", "\\2(a)", []),
    ("missing-named", "\\k<nope>(?<yes>a)", []),
    ("braces-order", "a{3,2}", []),
    ("braces-too-big", "a{70000}", []),
    ("name-digit", "(?<1a>x)", []),
    ("name-terminator", "(?<a-b>x)", []),
    ("name-too-long", "(?<" + "n" * 33 + ">x)", []),
    ("unknown-property", "\\p{Foo}", [UNICODE]),
    ("malformed-property", "\\p{Lu", []),
    ("unknown-posix", "[[:foo:]]", []),
    ("posix-outside", "[:alpha:]", []),
    ("posix-collating", "[[.a.]]", []),
    ("unsupported-u", "\\u0041", []),
    ("unsupported-L", "a\\Lb", []),
    ("bad-group-char", "(?z)", []),
    ("duplicate-names", "(?<a>x)(?<a>y)", []),
    ("hex-too-large", "\\x{100}", []),
    ("hex-too-large-utf8", "\\x{110000}", [UNICODE]),
    ("hex-surrogate", "\\x{d800}", [UNICODE]),
    ("octal-too-large", "\\777", []),
    ("control-end", "\\c", []),
    ("invalid-utf8", b"a\xff", [UNICODE]),
    ("invalid-utf8-late", b"abc\xc3(", [UNICODE]),
    ("g-zero", "(a)\\g0", []),
    ("g-relative-missing", "\\g{-2}(a)", []),
    ("k-malformed", "\\kx", []),
    ("class-escape-R", "[\\R]", []),
    ("verb-unknown", "(*FOO)", []),
    ("comment-unterminated", "a(?#b", []),
    ("bad-option", "a", [A("no_such_option")]),
    ("bad-newline", "a", [(A("newline"), A("nl"))]),
    ("never-utf", "(*UTF8)a", [A("never_utf")]),
    ("range-to-escape", "[a-\\d]", []),
    ("control-non-ascii", "\\cé", [UNICODE]),
    ("name-non-ascii", "(?<né>a)", [UNICODE]),
    ("relative-forward", "(a)\\g{+1}(b)", []),
    ("k-unknown-name", "\\k{nope}", []),
    ("empty-name", "(?<>a)", []),
    ("p-end", "\\p", []),
    ("o-missing-brace", "\\o1", []),
    ("posix-range-end", "[a-[:digit:]]", []),
]

# (id, pattern, subject, replacement, options): re:replace/4
REPLACES: list[tuple[str, Term, Term, Term, list[Term]]] = [
    ("group", "a(b|d)c", "abcadc", "[\\1]", [GLOBAL, (A("return"), A("list"))]),
    ("first-only", "a", "aaa", "b", [(A("return"), A("binary"))]),
    ("ampersand", "b", "abc", "[&]", [(A("return"), A("list"))]),
    ("backslash-zero", "b", "abc", "[\\0]", [(A("return"), A("list"))]),
    ("g-braces", "(b)", "abc", "<\\g{1}\\g1>", [(A("return"), A("binary"))]),
    ("escaped", "b", "abc", "\\&\\\\", [(A("return"), A("binary"))]),
    ("missing-group", "b", "abc", "[\\5]", [(A("return"), A("binary"))]),
    ("nomatch", "x", "abc", "y", [(A("return"), A("binary"))]),
    ("unicode", "é", "aébé", "€", [UNICODE, GLOBAL, (A("return"), A("list"))]),
    ("empty-global", "", "abc", "-", [GLOBAL, (A("return"), A("binary"))]),
    ("iodata", "b", "abc", "x", []),
]

# (id, pattern, subject, options): re:split/3
SPLITS: list[tuple[str, Term, Term, list[Term]]] = [
    ("simple", "-", "a-b-c", [(A("return"), A("list"))]),
    ("empty-pattern", "", "abc", [(A("return"), A("list"))]),
    ("trim", "-", "a-b-c--", [A("trim"), (A("return"), A("list"))]),
    ("parts", "-", "a-b-c", [(A("parts"), 2), (A("return"), A("binary"))]),
    ("parts-zero", "-", "a-b--", [(A("parts"), 0), (A("return"), A("binary"))]),
    ("captures", "(x)", "Elixir", [(A("return"), A("binary"))]),
    ("group", "a(b)c", "abc", [A("group")]),
    ("unset-group", "(a)|(b)", "xbx", [(A("return"), A("binary"))]),
    ("nomatch", "z", "abc", [(A("return"), A("binary"))]),
    ("leading", "-", "-a", [(A("return"), A("binary"))]),
    ("unicode", "é", "aébéc", [UNICODE, (A("return"), A("list"))]),
]

# Sweeps: a class run against every code point below U+3000 (every byte in byte mode). PCRE
# 8.45's Unicode tables are older (7.0) than the browser's, so the Unicode sweeps use only the
# characters whose general category both sides agree on (see `stable_sweep`).
SWEEP = "".join(chr(c) for c in range(1, 0x3000) if not 0xD800 <= c <= 0xDFFF)
LATIN1 = bytes(range(1, 256))
UNICODE_SUBJECT = "<sweep>"  # replaced by the stable sweep
CATEGORIES = ("Cc", "Cf", "Cn", "Co", "Ll", "Lm", "Lo", "Lt", "Lu", "Mc", "Me", "Mn", "Nd", "Nl", "No",
              "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Sc", "Sk", "Sm", "So", "Zl", "Zp", "Zs")
MODES: dict[str, list[Term]] = {"ucp": [UNICODE, UCP], "utf8": [UNICODE], "bytes": []}
SWEEP_CLASSES = [("w", "\\w+"), ("d", "\\d+"), ("s", "\\s+"), ("W", "\\W+"), ("b", "\\b"), ("h", "\\h+"),
                 ("v", "\\v+"), ("dot", ".+"), ("R", "\\R"), ("caseless", "(?i)[a-zà-ÿ]+"),
                 *((name, f"[[:{name}:]]+") for name in
                   ("alpha", "lower", "upper", "alnum", "ascii", "blank", "cntrl", "digit", "graph", "print",
                    "punct", "space", "word", "xdigit"))]
SWEEP_PROPERTIES = ("L", "Lu", "Ll", "N", "Nd", "P", "S", "Z", "Zs", "M", "Cc", "Xan", "Xps", "Xsp", "Xwd", "Xuc")


def sweep(case_id: str, pattern: str, mode: str) -> tuple[str, Term, Term, list[Term]]:
    return case_id, pattern, LATIN1 if mode == "bytes" else UNICODE_SUBJECT, [GLOBAL, *MODES[mode]]


SWEEPS = [sweep(f"{name}-{mode}", pattern, mode) for name, pattern in SWEEP_CLASSES for mode in MODES]
SWEEPS += [sweep(f"prop-{prop}", f"\\p{{{prop}}}+", "utf8") for prop in SWEEP_PROPERTIES]

CASES: list[tuple[str, str, list[Term]]] = [
    *((f"run:{i}", "run", [subject, pattern, opts]) for i, pattern, subject, opts in RUNS),
    *((f"compile:{i}", "compile", [pattern, opts]) for i, pattern, opts in COMPILES),
    *((f"replace:{i}", "replace", [subject, pattern, repl, opts]) for i, pattern, subject, repl, opts in REPLACES),
    *((f"split:{i}", "split", [subject, pattern, opts]) for i, pattern, subject, opts in SPLITS),
    *((f"sweep:{i}", "run", [subject, pattern, opts]) for i, pattern, subject, opts in SWEEPS),
    ("crun:precompiled", "crun", ["(?<y>\\d+)", [UNICODE], "a 2024", [cap(A("all_names"), "binary")]]),
    ("crun:compile-option-with-mp", "crun", ["a", [], "A", [A("caseless")]]),
    ("crun:global-anchored", "crun", ["\\d", [A("anchored")], "12a3", [GLOBAL]]),
    ("inspect:namelist", "inspect", ["(?<zz>a)(?<b>c)(?<Ab>c)", []]),
    ("inspect:none", "inspect", ["(a)", []]),
]

# Cases whose difference is known and documented (docs/regex.md); not compared.
KNOWN_DIFFERENCES: dict[str, str] = {}


# Characters whose category changed between PCRE's Unicode 7.0 and the browser's Unicode (and
# so are not "unassigned" in PCRE's tables either): checked by test_unicode_data_differences.
RECATEGORIZED = {
    0x0295: "Ll in PCRE's tables, Lo now",
    **{c: "Georgian Mkhedruli: Lo in PCRE's tables, Ll since Unicode 11"
       for c in [*range(0x10D0, 0x10FB), *range(0x10FD, 0x1100)]},
    **{c: "Cherokee capitals: Lo in PCRE's tables, Lu since Unicode 8" for c in range(0x13A0, 0x13F5)},
    0x166D: "Canadian syllabics chi sign: Po in PCRE's tables, So now",
    0x1734: "Hanunoo pamudpod: Mn in PCRE's tables, Mc now",
    0x1885: "Mongolian: Lo in PCRE's tables, Mn since Unicode 9",
    0x1886: "Mongolian: Lo in PCRE's tables, Mn since Unicode 9",
    **{c: "New Tai Lue vowels: Mc in PCRE's tables, Lo since Unicode 8"
       for c in [*range(0x19B0, 0x19C1), 0x19C8, 0x19C9]},
    0x1CF2: "Vedic signs: Mc in PCRE's tables, Lo now",
    0x1CF3: "Vedic signs: Mc in PCRE's tables, Lo now",
}


@pytest.fixture(scope="module")
def shim_ebin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shim(tmp_path_factory.mktemp("regex-host"))


@pytest.fixture(scope="module")
def categories(shim_ebin: Path) -> dict[int, tuple[str, str]]:
    """Each sweep character's general category as (host PCRE, browser), where they differ."""
    runs = compare(shim_ebin, [(c, "run", [SWEEP, f"\\p{{{c}}}+", [GLOBAL, UNICODE]]) for c in CATEGORIES])
    data = SWEEP.encode()
    host: dict[int, str] = {}
    shim: dict[int, str] = {}
    for category, outcome in runs.items():
        for side, text in ((host, outcome.host), (shim, outcome.shim)):
            for start, length in re.findall(r"\{(\d+),(\d+)\}", text):
                for ch in data[int(start):int(start) + int(length)].decode():
                    side[ord(ch)] = category
    return {ord(ch): (host.get(ord(ch), "?"), shim.get(ord(ch), "?")) for ch in SWEEP
            if host.get(ord(ch)) != shim.get(ord(ch))}


def stable_sweep(categories: dict[int, tuple[str, str]]) -> str:
    return "".join(ch for ch in SWEEP if ord(ch) not in categories)


@pytest.fixture(scope="module")
def outcomes(shim_ebin: Path, categories: dict[int, tuple[str, str]]) -> dict[str, Outcome]:
    stable = stable_sweep(categories)
    cases = [(i, f, [stable if a == UNICODE_SUBJECT else a for a in args]) for i, f, args in CASES]
    return compare(shim_ebin, cases)


def test_unicode_data_differences_are_only_newer_unicode(categories: dict[int, tuple[str, str]]) -> None:
    """The characters left out of the sweeps: new since Unicode 7.0 (unassigned, Cn, in PCRE's
    tables) or known to have changed category since."""
    unexplained = {f"U+{c:04X}": cats for c, cats in categories.items() if cats[0] != "Cn" and c not in RECATEGORIZED}
    assert not unexplained
    assert len(categories) < 2000


@pytest.mark.parametrize("case_id", [case[0] for case in CASES])
def test_same_result_as_the_hosts_pcre(case_id: str, outcomes: dict[str, Outcome],
                                       categories: dict[int, tuple[str, str]]) -> None:
    if case_id in KNOWN_DIFFERENCES:
        pytest.xfail(KNOWN_DIFFERENCES[case_id])
    outcome = outcomes[case_id]
    if case_id.startswith("sweep:") and not outcome.same:
        subject = next(case[2][0] for case in CASES if case[0] == case_id)
        pytest.fail(sweep_difference(stable_sweep(categories) if subject == UNICODE_SUBJECT else subject, outcome))
    assert outcome.same, f"\nhost: {outcome.host[:3000]}\nshim: {outcome.shim[:3000]}"


def sweep_difference(subject: Term, outcome: Outcome) -> str:
    """Which characters only one side matched, for a sweep (the raw results are long)."""
    data = subject if isinstance(subject, bytes) else str(subject).encode()

    def matched(text: str) -> set[int]:
        spans = [(int(a), int(b)) for a, b in re.findall(r"\{(\d+),(\d+)\}", text)]
        return {i for start, length in spans for i in range(start, start + max(length, 1))}

    def chars(offsets: set[int]) -> str:
        starts = sorted(o for o in offsets if isinstance(subject, bytes) or (data[o] & 0xC0) != 0x80)
        shown = [f"{data[o]:#x}" if isinstance(subject, bytes)
                 else f"U+{ord(data[o:o + 4].decode(errors='ignore')[:1] or '?'):04X}"
                 for o in starts[:40]]
        return ", ".join(shown) + (f" ... ({len(starts)})" if len(starts) > 40 else "")

    host, shim = matched(outcome.host), matched(outcome.shim)
    return f"only the host matched: {chars(host - shim)}\nonly the shim matched: {chars(shim - host)}"


# Valid PCRE the browser cannot run the same way: a compile error naming the feature and the
# pattern, where the host compiles it.
UNSUPPORTED = [
    ("a(?R)", "recursion", 1),
    ("(a)(?1)", "recursion", 3),
    ("(?<n>a)(?&n)", "recursion", 7),
    ("(?P>n)(?<n>a)", "subroutine", 0),
    ("\\g<1>(a)", "subroutine", 0),
    ("(a)?(?(1)b|c)", "conditional", 4),
    ("a(?C1)", "callout", 1),
    ("\\Ga", "\\G", 0),
    ("a\\Kb", "\\K", 1),
    ("\\X", "grapheme", 0),
    ("(?|(a)|(b))", "branch reset", 0),
    ("a(?i)b", "case sensitivity", 1),
    ("a(?i:b)", "case sensitivity", 1),
    ("a(*COMMIT)b", "(*COMMIT)", 1),
    ("(?J)(?<n>a)|(?<n>b)", "duplicate group name", 15),
    # JavaScript matches a reference to an unset group as empty; PCRE fails it.
    ("(a)?\\1", "back reference to group 1", 4),
    ("\\1(a)", "back reference to group 1", 0),
    ("(a\\1)", "back reference to group 1", 2),
    ("(?:(a)|b)\\k<x>(?<x>c)?", "back reference to group 2", 9),
    # JavaScript drops a repeat that matched empty, with its captures; PCRE keeps it.
    ("(a|)*", "repeated group that can match the empty string", 0),
    ("x(a?)+", "repeated group that can match the empty string", 1),
]


@pytest.fixture(scope="module")
def unsupported_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    ebin = build_shim(tmp_path_factory.mktemp("regex-host-unsupported"))
    cases: list[tuple[str, str, list[Term]]] = [(f"u{i}", "compile", [p, []]) for i, (p, _, _) in enumerate(UNSUPPORTED)]
    cases += [(f"r{i}", "run", ["x", p, []]) for i, (p, _, _) in enumerate(UNSUPPORTED)]
    return compare(ebin, cases)


@pytest.mark.parametrize("index", range(len(UNSUPPORTED)), ids=[u[0] for u in UNSUPPORTED])
def test_untranslatable_patterns_fail_at_compile_time(index: int, unsupported_outcomes: dict[str, Outcome]) -> None:
    _pattern, feature, position = UNSUPPORTED[index]
    compiled = unsupported_outcomes[f"u{index}"]
    assert compiled.host.startswith("{ok,"), compiled.host
    assert compiled.shim.startswith("{error,{"), compiled.shim
    assert feature in compiled.shim and "not supported by the browser's RegExp engine" in compiled.shim
    assert re.search(rf",\s*{position}\}}\}}$", compiled.shim), compiled.shim
    # re:run/3 on such a source raises Regex.CompileError's struct, with the same message.
    ran = unsupported_outcomes[f"r{index}"]
    assert ran.shim.startswith("{raised,"), ran.shim
    assert f"at position {position}" in ran.shim


def test_translation_is_visible_for_debugging() -> None:
    from regex_host import node_translate

    assert node_translate("a(?<n>b)c", []) == {"source": "(?:a(b)c)", "flags": "udg", "groups": 1, "names": [["n", 1]]}
    assert node_translate("a++", [])["source"] == "(?:(?:(?=(a+))\\1))"
    assert node_translate("(?i)x", [])["flags"] == "uidg"


def test_random_patterns_agree_with_pcre(shim_ebin: Path) -> None:
    """2000 seeded random patterns (groups, lookaround, atomic and possessive repeats, classes,
    anchors, back references) on random subjects with random options, shim against PCRE."""
    cases = regex_fuzz.cases(seed=20240521, count=2000)
    outcomes = compare(shim_ebin, cases)
    differ = [(args, outcomes[case_id]) for case_id, _, args in cases if not outcomes[case_id].same]
    shown = "\n".join(f"re:run({a[0]!r}, {a[1]!r}, {a[2]!r})\n  host {o.host[:300]}\n  shim {o.shim[:300]}"
                      for a, o in differ[:10])
    assert not differ, f"{len(differ)} of {len(cases)} differ:\n{shown}"
