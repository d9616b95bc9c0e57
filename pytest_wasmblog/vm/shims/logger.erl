%% OTP's logger needs its server, ets tables and handlers. This one writes errors to the VM's
%% stderr, where the test harness watches for crash reports, and drops everything else.
-module(logger).
-export([allow/2, macro_log/3, macro_log/4, macro_log/5, log/2, log/3, log/4,
         emergency/1, emergency/2, emergency/3, alert/1, alert/2, alert/3, critical/1, critical/2,
         critical/3, error/1, error/2, error/3, warning/1, warning/2, warning/3, notice/1,
         notice/2, notice/3, info/1, info/2, info/3, debug/1, debug/2, debug/3,
         compare_levels/2, add_handler/3, remove_handler/1, set_primary_config/1,
         set_primary_config/2, get_primary_config/0, set_handler_config/3, set_module_level/2,
         update_process_metadata/1, set_process_metadata/1, get_process_metadata/0,
         unset_process_metadata/0, timestamp/0, add_primary_filter/2, remove_primary_filter/1,
         add_handler_filter/3, get_config/0, get_handler_config/0, get_handler_config/1]).

-define(LEVELS, [emergency, alert, critical, error, warning, notice, info, debug]).

allow(Level, _Module) -> compare_levels(Level, error) =/= lt.

macro_log(Location, Level, Msg) -> emit(Level, Msg, Location).
macro_log(Location, Level, FormatOrFun, Args) -> emit(Level, {FormatOrFun, Args}, Location).
macro_log(Location, Level, FormatOrFun, Args, _Meta) -> emit(Level, {FormatOrFun, Args}, Location).

log(Level, Msg) -> emit(Level, Msg, #{}).
log(Level, FormatOrReport, ArgsOrMeta) -> emit(Level, {FormatOrReport, ArgsOrMeta}, #{}).
log(Level, Format, Args, _Meta) -> emit(Level, {Format, Args}, #{}).

emergency(M) -> log(emergency, M).
emergency(M, A) -> log(emergency, M, A).
emergency(M, A, Meta) -> log(emergency, M, A, Meta).
alert(M) -> log(alert, M).
alert(M, A) -> log(alert, M, A).
alert(M, A, Meta) -> log(alert, M, A, Meta).
critical(M) -> log(critical, M).
critical(M, A) -> log(critical, M, A).
critical(M, A, Meta) -> log(critical, M, A, Meta).
error(M) -> log(error, M).
error(M, A) -> log(error, M, A).
error(M, A, Meta) -> log(error, M, A, Meta).
warning(M) -> log(warning, M).
warning(M, A) -> log(warning, M, A).
warning(M, A, Meta) -> log(warning, M, A, Meta).
notice(M) -> log(notice, M).
notice(M, A) -> log(notice, M, A).
notice(M, A, Meta) -> log(notice, M, A, Meta).
info(M) -> log(info, M).
info(M, A) -> log(info, M, A).
info(M, A, Meta) -> log(info, M, A, Meta).
debug(M) -> log(debug, M).
debug(M, A) -> log(debug, M, A).
debug(M, A, Meta) -> log(debug, M, A, Meta).

compare_levels(Same, Same) -> eq;
compare_levels(A, B) ->
    case index(A, ?LEVELS, 1) < index(B, ?LEVELS, 1) of
        true -> gt;
        false -> lt
    end.

index(Level, [Level | _], N) -> N;
index(Level, [_ | Rest], N) -> index(Level, Rest, N + 1);
index(_Level, [], N) -> N.

emit(Level, Msg, _Location) ->
    case allow(Level, undefined) of
        true -> erlang:display_string(stderr, lists:flatten([banner(Msg), " ", atom_to_list(Level), ": ", render(Msg), "\n"]));
        false -> ok
    end,
    ok.

%% The harness fails a test fast when it sees a crash report.
banner(#{label := {proc_lib, crash}}) -> "CRASH REPORT";
banner({#{label := {proc_lib, crash}}, _}) -> "CRASH REPORT";
banner(_) -> "LOG".

render({report, Report}) -> io_lib:format("~w", [Report]);
render({string, String}) -> String;
render({Format, Args}) when is_list(Format), is_list(Args) ->
    try io_lib:format(Format, Args) catch _:_ -> io_lib:format("~w ~w", [Format, Args]) end;
render(Other) -> io_lib:format("~w", [Other]).

add_handler(_Id, _Module, _Config) -> ok.
remove_handler(_Id) -> ok.
set_primary_config(_Config) -> ok.
set_primary_config(_Key, _Value) -> ok.
get_primary_config() -> #{level => error, filters => [], filter_default => log, metadata => #{}}.
set_handler_config(_Id, _Key, _Value) -> ok.
set_module_level(_Modules, _Level) -> ok.
update_process_metadata(Meta) -> set_process_metadata(maps:merge(get_process_metadata(), Meta)).
set_process_metadata(Meta) -> erlang:put('$logger_metadata$', Meta), ok.
get_process_metadata() ->
    case erlang:get('$logger_metadata$') of
        undefined -> #{};
        Meta -> Meta
    end.
unset_process_metadata() -> erlang:erase('$logger_metadata$'), ok.
timestamp() -> erlang:system_time(microsecond).
add_primary_filter(_Id, _Filter) -> ok.
remove_primary_filter(_Id) -> ok.
add_handler_filter(_Handler, _Id, _Filter) -> ok.
get_config() -> #{primary => get_primary_config(), handlers => [], module_levels => []}.
get_handler_config() -> [].
get_handler_config(_Id) -> {error, {not_found, _Id}}.
