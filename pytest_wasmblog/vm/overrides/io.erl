-module(io).
-export([printable_range/0]).

printable_range() -> unicode.
