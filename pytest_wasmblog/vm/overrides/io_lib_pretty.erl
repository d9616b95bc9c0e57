%% print/2 took its default encoding from epp:default_encoding/0 (utf8), which pulls the
%% preprocessor into the bundle; the same default is written here.
-module(io_lib_pretty).
-export([]).

print(Term, Options) when is_list(Options) ->
    print(Term, get_option(column, Options, 1), get_option(line_length, Options, 80),
          get_option(depth, Options, -1), get_option(line_max_chars, Options, -1),
          get_option(chars_limit, Options, -1), get_option(record_print_fun, Options, no_fun),
          get_option(encoding, Options, utf8), get_option(strings, Options, true));
print(Term, RecDefFun) -> print(Term, -1, RecDefFun).
