%% OTP's logger needs its server, ets tables and handler processes. This one does what the host
%% does with Elixir's Logger application started, in the calling process:
%% - a primary level (default: the logger app's `level`, else debug, as Logger.App sets it),
%%   module levels, and Elixir's process level (Logger.disable/put_process_level);
%% - metadata: process metadata, then the call's;
%% - OTP reports are translated by the logger app's translators (Logger.Translator: "Task
%%   #PID<...> started from ... terminating", "GenServer ... terminating"); supervisor and
%%   crash reports of the [otp, sasl] domain are dropped as Elixir drops them by default;
%% - one line "HH:MM:SS.mmm key=value [level] message": debug, info and notice to the VM's
%%   stdout, warning and worse to its stderr. Metadata printed: the logger app's
%%   console[:metadata] (a list or :all) when set, else everything the caller gave.
-module(logger).
-export([allow/2, macro_log/3, macro_log/4, macro_log/5, log/2, log/3, log/4,
         emergency/1, emergency/2, emergency/3, alert/1, alert/2, alert/3, critical/1, critical/2,
         critical/3, error/1, error/2, error/3, warning/1, warning/2, warning/3, notice/1,
         notice/2, notice/3, info/1, info/2, info/3, debug/1, debug/2, debug/3,
         compare_levels/2, add_handler/3, remove_handler/1, set_primary_config/1,
         set_primary_config/2, get_primary_config/0, set_handler_config/2, set_handler_config/3,
         update_handler_config/2, update_handler_config/3, set_module_level/2, unset_module_level/0,
         unset_module_level/1, get_module_level/0, get_module_level/1, set_application_level/2,
         unset_application_level/1, update_process_metadata/1, set_process_metadata/1,
         get_process_metadata/0, unset_process_metadata/0, timestamp/0, add_primary_filter/2,
         remove_primary_filter/1, add_handler_filter/3, remove_handler_filter/2, get_config/0,
         get_handler_config/0, get_handler_config/1, get_handler_ids/0, format_report/1,
         format_otp_report/1]).

-define(IS_MSG(Msg), (is_list(Msg) orelse is_binary(Msg) orelse is_map(Msg))).
-define(CONFIG, {wasmblog_logger, primary}).
-define(MODULE_LEVELS, {wasmblog_logger, module_levels}).
%% Keys OTP and Elixir add on their own; the caller's metadata is everything else.
-define(INTERNAL_KEYS, [time, gl, pid, mfa, file, line, domain, report_cb, error_logger, callers, crash_reason,
                        initial_call, registered_name, ancestors, application, module, function,
                        erl_level, logger_formatter]).

%% --- API --------------------------------------------------------------------------------------

allow(Level, Module) -> level_int(Level) =< level_int(effective_level(Module)).

macro_log(Location, Level, StringOrReport) -> dispatch(Level, StringOrReport, #{}, Location).
macro_log(Location, Level, StringOrReport, Meta) when ?IS_MSG(StringOrReport), is_map(Meta) ->
    dispatch(Level, StringOrReport, Meta, Location);
macro_log(Location, Level, FunOrFormat, Args) -> dispatch(Level, {FunOrFormat, Args}, #{}, Location).
macro_log(Location, Level, FunOrFormat, Args, Meta) -> dispatch(Level, {FunOrFormat, Args}, Meta, Location).

log(Level, StringOrReport) -> dispatch(Level, StringOrReport, #{}, #{}).
log(Level, StringOrReport, Meta) when ?IS_MSG(StringOrReport), is_map(Meta) ->
    dispatch(Level, StringOrReport, Meta, #{});
log(Level, FunOrFormat, Args) -> dispatch(Level, {FunOrFormat, Args}, #{}, #{}).
log(Level, FunOrFormat, Args, Meta) -> dispatch(Level, {FunOrFormat, Args}, Meta, #{}).

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
    case level_int(A) < level_int(B) of
        true -> gt;
        false -> lt
    end.

get_primary_config() ->
    case persistent_term:get(?CONFIG, undefined) of
        undefined -> #{level => default_level(), filters => [], filter_default => log, metadata => #{}};
        Config -> Config
    end.
set_primary_config(Config) when is_map(Config) -> persistent_term:put(?CONFIG, maps:merge(get_primary_config(), Config)).
set_primary_config(level, Level) ->
    _ = level_int(Level),
    persistent_term:put(?CONFIG, (get_primary_config())#{level => Level});
set_primary_config(Key, Value) -> persistent_term:put(?CONFIG, (get_primary_config())#{Key => Value}).

set_module_level(Modules, Level) when is_list(Modules) ->
    _ = level_int(Level),
    persistent_term:put(?MODULE_LEVELS, maps:merge(module_levels(), maps:from_keys(Modules, Level)));
set_module_level(Module, Level) -> set_module_level([Module], Level).
unset_module_level() -> persistent_term:put(?MODULE_LEVELS, #{}).
unset_module_level(Modules) when is_list(Modules) ->
    persistent_term:put(?MODULE_LEVELS, maps:without(Modules, module_levels()));
unset_module_level(Module) -> unset_module_level([Module]).
get_module_level() -> lists:sort(maps:to_list(module_levels())).
get_module_level(Modules) when is_list(Modules) -> [P || {M, _} = P <- get_module_level(), lists:member(M, Modules)];
get_module_level(Module) -> get_module_level([Module]).
set_application_level(_App, _Level) -> ok.
unset_application_level(_App) -> ok.

update_process_metadata(Meta) ->
    case get_process_metadata() of
        undefined -> set_process_metadata(Meta);
        Current -> set_process_metadata(maps:merge(Current, Meta))
    end.
set_process_metadata(Meta) when is_map(Meta) -> erlang:put('$logger_metadata$', Meta), ok.
get_process_metadata() ->
    case erlang:get('$logger_metadata$') of
        undefined -> undefined;
        Meta -> Meta
    end.
unset_process_metadata() -> erlang:erase('$logger_metadata$'), ok.

timestamp() -> erlang:system_time(microsecond).

%% Handlers and filters: the output above is the only handler.
add_handler(_Id, _Module, _Config) -> ok.
remove_handler(_Id) -> ok.
set_handler_config(_Id, _Config) -> ok.
set_handler_config(_Id, _Key, _Value) -> ok.
update_handler_config(_Id, _Config) -> ok.
update_handler_config(_Id, _Key, _Value) -> ok.
add_primary_filter(_Id, _Filter) -> ok.
remove_primary_filter(_Id) -> ok.
add_handler_filter(_Handler, _Id, _Filter) -> ok.
remove_handler_filter(_Handler, _Id) -> ok.
get_config() -> #{primary => get_primary_config(), handlers => [], module_levels => get_module_level()}.
get_handler_config() -> [].
get_handler_config(Id) -> {error, {not_found, Id}}.
get_handler_ids() -> [].

format_report(Report) when is_map(Report) -> format_report(maps:to_list(Report));
format_report(Report) when is_list(Report) ->
    {lists:flatten(["    ~tp: ~tp~n" || _ <- Report]), lists:append([[K, V] || {K, V} <- Report])};
format_report(Report) -> {"~tp", [Report]}.
format_otp_report(Report) -> format_report(Report).

%% --- the event path ---------------------------------------------------------------------------

dispatch(Level, Msg, Meta, Location) ->
    Module = case Location of
                 #{mfa := {M, _, _}} -> M;
                 _ -> maps:get(module, Meta, undefined)
             end,
    case allow(Level, Module) andalso not process_level_stops(Level) of
        true -> handle(Level, normalize(Msg), event_metadata(Meta, Location));
        false -> ok
    end.

%% Elixir's Logger.disable/put_process_level keep the process's own level here.
process_level_stops(Level) ->
    case erlang:get(logger_level) of
        undefined -> false;
        ProcessLevel -> compare_levels(Level, ProcessLevel) =:= lt
    end.

%% As OTP: a map or a list of tuples is a report, other lists and binaries are strings.
normalize({Fun, Args}) when is_function(Fun, 1) -> normalize(Fun(Args));
normalize({Format, Args}) when is_list(Args) -> {Format, Args};
normalize(Report) when is_map(Report) -> {report, Report};
normalize([Pair | _] = Report) when is_tuple(Pair) -> {report, Report};
normalize(String) -> {string, String}.

event_metadata(Meta, Location) ->
    Base = #{time => timestamp(), pid => self(), gl => erlang:group_leader()},
    Process = case get_process_metadata() of
                  undefined -> #{};
                  M -> M
              end,
    maps:merge(maps:merge(maps:merge(Base, Process), Location), Meta).

%% Elixir's handler leaves SASL's reports (supervisor progress, proc_lib crash) to SASL.
handle(_Level, _Msg, #{domain := [otp, sasl | _]}) -> ok;
handle(_Level, _Msg, #{domain := [supervisor_report | _]}) -> ok;
handle(Level, Msg, Meta) ->
    case message(Level, Msg, Meta) of
        skip -> ok;
        {Text, Extra} -> write(Level, Text, maps:merge(Meta, Extra))
    end.

message(_Level, {string, String}, _Meta) -> {String, #{}};
message(Level, Msg, Meta) ->
    Data = case Msg of
               {report, #{label := Label, report := Report} = Complete} when map_size(Complete) =:= 2 ->
                   {report, {Label, Report}};
               {report, #{label := {error_logger, _}, format := Format, args := Args}} -> {format, {Format, Args}};
               {report, Report} -> {report, {logger, Report}};
               {Format, Args} -> {format, {Format, Args}}
           end,
    Translators = application:get_env(logger, translators, [{'Elixir.Logger.Translator', translate}]),
    case translate(Translators, Level, Data) of
        none -> {fallback(Msg, Meta), #{}};
        Translated -> Translated
    end.

%% A translator missing from the bundle (left out of a used-modules list) is passed over.
translate([{Module, Function} | Rest], Level, {Kind, Data} = Event) ->
    MinLevel = elixir_level(maps:get(level, get_primary_config())),
    Result = case code:ensure_loaded(Module) of
                 {module, Module} -> Module:Function(MinLevel, elixir_level(Level), Kind, Data);
                 _ -> none
             end,
    case Result of
        {ok, Text} -> {Text, #{}};
        {ok, Text, Extra} -> {Text, maps:from_list(Extra)};
        skip -> skip;
        none -> translate(Rest, Level, Event)
    end;
translate([], _Level, _Event) -> none.

fallback({report, Report}, #{report_cb := Callback}) when is_function(Callback, 1) ->
    {Format, Args} = Callback(Report),
    io_lib:format(Format, Args);
fallback({report, Report}, #{report_cb := Callback}) when is_function(Callback, 2) ->
    Callback(Report, #{depth => unlimited, chars_limit => unlimited, single_line => false});
fallback({report, Report}, _Meta) ->
    {Format, Args} = format_report(Report),
    io_lib:format(Format, Args);
fallback({Format, Args}, _Meta) ->
    try io_lib:format(Format, Args)
    catch _:_ -> io_lib:format("FORMAT ERROR: ~tp - ~tp", [Format, Args])
    end.

write(Level, Text, Meta) ->
    Line = unicode:characters_to_binary([clock(maps:get(time, Meta)), " ", metadata_text(Meta),
                                         "[", atom_to_list(Level), "] ", Text, "\n"]),
    case level_int(Level) =< level_int(warning) of
        true -> erlang:display_string(stderr, binary_to_list(Line));
        false -> console:print(Line)
    end,
    ok.

clock(Microseconds) ->
    {_Date, {H, M, S}} = calendar:system_time_to_universal_time(Microseconds, microsecond),
    io_lib:format("~2..0B:~2..0B:~2..0B.~3..0B", [H, M, S, (Microseconds div 1000) rem 1000]).

metadata_text(Meta) ->
    Keys = case application:get_env(logger, console, []) of
               Console when is_list(Console) -> proplists:get_value(metadata, Console, []);
               _ -> []
           end,
    Shown = case Keys of
                all -> lists:sort(maps:keys(Meta)) -- [time, gl, pid, domain, report_cb, error_logger];
                [] -> lists:sort(maps:keys(Meta)) -- ?INTERNAL_KEYS;
                Wanted -> [K || K <- Wanted, is_map_key(K, Meta)]
            end,
    [[atom_to_list(K), $=, metadata_value(maps:get(K, Meta)), $\s] || K <- Shown].

metadata_value(Value) when is_binary(Value) -> Value;
metadata_value(Value) when is_integer(Value) -> integer_to_list(Value);
metadata_value(Value) when is_float(Value) -> float_to_list(Value, [short]);
metadata_value(Value) when is_pid(Value) -> pid_to_list(Value);
metadata_value(Value) when is_atom(Value) ->
    case atom_to_list(Value) of
        "Elixir." ++ Alias -> Alias;
        Name -> Name
    end;
metadata_value(Value) -> io_lib:format("~tp", [Value]).

%% --- levels -----------------------------------------------------------------------------------

effective_level(Module) ->
    case module_levels() of
        #{Module := Level} -> Level;
        _ -> maps:get(level, get_primary_config())
    end.

module_levels() -> persistent_term:get(?MODULE_LEVELS, #{}).

%% What Elixir's handler gives its translators (Logger.Handler.erlang_level_to_elixir_level/1).
elixir_level(Level) when Level =:= none; Level =:= emergency; Level =:= alert; Level =:= critical -> error;
elixir_level(warning) -> warn;
elixir_level(notice) -> info;
elixir_level(all) -> debug;
elixir_level(Level) -> Level.

default_level() ->
    case application:get_env(logger, level) of
        {ok, warn} -> warning;
        {ok, Level} -> Level;
        undefined -> debug
    end.

level_int(none) -> -1;
level_int(emergency) -> 0;
level_int(alert) -> 1;
level_int(critical) -> 2;
level_int(error) -> 3;
level_int(warning) -> 4;
level_int(notice) -> 5;
level_int(info) -> 6;
level_int(debug) -> 7;
level_int(all) -> 10;
level_int(Other) -> erlang:error(badarg, [Other]).
