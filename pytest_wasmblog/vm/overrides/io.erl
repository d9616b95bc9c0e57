-module(io).
-export([printable_range/0]).
-compile({nowarn_unused_function, [bc_req/3]}).

%% The host's default (erl without +pc unicode): ~tp prints lists of code points above 255 as lists.
printable_range() -> latin1.

%% One node: every I/O server speaks unicode. OTP asks net_kernel:dflag_unicode_io/1 (a BIF of the
%% distribution, which bundles do not hold) before each get_chars/get_line/format request.
bc_req(_Pid, Request, _MaybeConvert) -> {false, Request}.
