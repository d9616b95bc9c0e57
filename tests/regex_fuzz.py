"""Random patterns and subjects for the shim-versus-PCRE comparison (seeded: the same cases on
every run). Patterns avoid the two documented differences that are JavaScript semantics, not
translation bugs: back references to groups that may be unset, and repeated groups that can
match the empty string."""

from __future__ import annotations

import random
from dataclasses import dataclass

from regex_host import Atom, Term

LETTERS = ["a", "b", "c", "é", "日", "😀", "A", "1", "-", " "]
ESCAPES = ["\\d", "\\w", "\\s", "\\W", "\\D", "\\S", "\\h", "\\v", "."]
CLASSES = ["[abc]", "[^a]", "[a-cé]", "[^\\s\\d]", "[[:alpha:]]", "[[:^digit:]x]", "[\\w-]", "[日😀]"]
ANCHORS = ["^", "$", "\\b", "\\B", "\\A", "\\z", "\\Z"]
QUANTIFIERS = ["*", "+", "?", "{1,2}", "{2}", "*?", "+?", "??", "{0,2}?", "*+", "++"]
SUBJECT_CHARS = "abcAé日😀 \n\r-1"


@dataclass
class Piece:
    text: str
    nullable: bool  # can match the empty string
    width: int | None  # fixed length in characters, None when it varies


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.groups = 0
        self.closed: list[int] = []  # groups every match of this top-level branch has set so far

    def pattern(self) -> str:
        self.groups = 0
        return self.alternation(depth=0).text

    def alternation(self, depth: int) -> Piece:
        branches = []
        for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
            if depth == 0:
                self.closed = []
            branches.append(self.sequence(depth))
        widths = {b.width for b in branches}
        return Piece("|".join(b.text for b in branches), any(b.nullable for b in branches),
                     widths.pop() if len(widths) == 1 else None)

    def sequence(self, depth: int) -> Piece:
        items = [self.quantified(depth) for _ in range(self.rng.randint(1, 4))]
        width: int | None = 0
        for item in items:
            width = None if width is None or item.width is None else width + item.width
        return Piece("".join(i.text for i in items), all(i.nullable for i in items), width)

    def quantified(self, depth: int) -> Piece:
        mark = len(self.closed)
        atom = self.atom(depth)
        if atom.nullable or self.rng.random() < 0.6 or atom.text in ANCHORS:
            return atom
        del self.closed[mark:]  # a repeated group may be skipped
        q = self.rng.choice(QUANTIFIERS)
        return Piece(atom.text + q, q[0] in "*?" or q.startswith("{0"), None)

    def atom(self, depth: int) -> Piece:
        roll = self.rng.random()
        if roll < 0.33:
            return Piece(self.rng.choice(LETTERS), False, 1)
        if roll < 0.35 and self.closed:
            # Only to a group that always takes part: JavaScript matches a reference to an unset
            # group as empty, PCRE fails it.
            return Piece(f"\\{self.rng.choice(self.closed)}", False, None)
        if roll < 0.5:
            return Piece(self.rng.choice(ESCAPES), False, 1)
        if roll < 0.62:
            return Piece(self.rng.choice(CLASSES), False, 1)
        if roll < 0.7:
            return Piece(self.rng.choice(ANCHORS), True, 0)
        if depth >= 2:
            return Piece(self.rng.choice(LETTERS), False, 1)
        kind = self.rng.choice(["(", "(", "(?:", "(?<n{}>", "(?=", "(?!", "(?<=", "(?<!", "(?>"])
        number = 0
        if kind in ("(", "(?<n{}>"):
            self.groups += 1
            number = self.groups
            kind = kind.format(number)
        inner = self.alternation(depth + 1)
        if kind in ("(?<=", "(?<!") and inner.width is None:
            kind = "(?:"
        lookaround = kind in ("(?=", "(?!", "(?<=", "(?<!")
        if number and depth == 0:
            self.closed.append(number)
        return Piece(f"{kind}{inner.text})", inner.nullable or lookaround, 0 if lookaround else inner.width)

    def subject(self) -> str:
        return "".join(self.rng.choice(SUBJECT_CHARS) for _ in range(self.rng.randint(0, 12)))

    def options(self, subject: str) -> list[Term]:
        picks: list[Term] = [Atom(name) for name in ("caseless", "multiline", "dotall", "ungreedy", "global",
                                                     "notempty", "anchored", "dollar_endonly", "firstline",
                                                     "notbol", "noteol", "notempty_atstart")
                             if self.rng.random() < 0.12]
        if self.rng.random() < 0.3:
            picks.append((Atom("newline"), Atom(self.rng.choice(["cr", "crlf", "anycrlf", "any"]))))
        if self.rng.random() < 0.2:  # past the end, the host's re raises an uncatchable internal_error
            picks.append((Atom("offset"), self.rng.randint(0, min(4, len(subject.encode())))))
        mode = self.rng.choice(["bytes", "unicode", "ucp", "ucp"])
        if mode != "bytes":
            picks.append(Atom("unicode"))
        if mode == "ucp":
            picks.append(Atom("ucp"))
        picks.append((Atom("capture"), Atom("all"), Atom("index")))
        return picks


def cases(seed: int, count: int) -> list[tuple[str, str, list[Term]]]:
    """(id, function, args) cases for regex_host.compare."""
    gen = Generator(seed)
    out: list[tuple[str, str, list[Term]]] = []
    for n in range(count):
        subject = gen.subject()
        out.append((f"fuzz:{n}", "run", [subject, gen.pattern(), gen.options(subject)]))
    return out
