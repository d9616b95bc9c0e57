-module(file).
-export([native_name_encoding/0]).

native_name_encoding() -> utf8.
