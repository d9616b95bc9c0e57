%% An I/O server for the VM: OTP's io module sends io_request messages to the group leader,
%% and this VM has none (io:put_chars fails with calling_self). The boot wrapper starts one for
%% stdout, makes it the group leader of the start process (so every process inherits it) and
%% registers another as standard_error.
-module(wasmblog_io).
-export([start/0]).

start() ->
    Out = spawn(fun() -> loop(stdout) end),
    Err = spawn(fun() -> loop(stderr) end),
    catch register(user, Out),
    catch register(standard_error, Err),
    group_leader(Out, self()),
    ok.

loop(Stream) ->
    receive
        {io_request, From, ReplyAs, Request} ->
            From ! {io_reply, ReplyAs, request(Stream, Request)},
            loop(Stream);
        _Other ->
            loop(Stream)
    end.

request(Stream, {put_chars, Encoding, Chars}) -> write(Stream, Encoding, Chars);
request(Stream, {put_chars, Chars}) -> write(Stream, latin1, Chars);
request(Stream, {put_chars, Encoding, M, F, A}) ->
    try write(Stream, Encoding, apply(M, F, A))
    catch _:_ -> {error, {put_chars, M, F, A}}
    end;
request(Stream, {put_chars, M, F, A}) -> request(Stream, {put_chars, latin1, M, F, A});
request(Stream, {requests, Requests}) ->
    lists:foldl(fun(R, ok) -> request(Stream, R); (_, Error) -> Error end, ok, Requests);
request(_Stream, {get_chars, _, _, _}) -> eof;
request(_Stream, {get_line, _, _}) -> eof;
request(_Stream, {get_until, _, _, _, _, _}) -> eof;
request(_Stream, {get_geometry, _}) -> {error, enotsup};
request(_Stream, getopts) -> [{binary, false}, {encoding, unicode}];
request(_Stream, {setopts, _}) -> ok;
request(_Stream, _Other) -> {error, request}.

write(Stream, Encoding, Chars) ->
    try unicode:characters_to_binary(Chars, Encoding, unicode) of
        Binary when is_binary(Binary) -> emit(Stream, Binary), ok;
        _ -> {error, put_chars}
    catch _:_ -> {error, put_chars}
    end.

emit(stdout, Binary) -> console:print(Binary);
emit(stderr, Binary) ->
    try erlang:display_string(stderr, binary_to_list(Binary))
    catch _:_ -> console:print(Binary)
    end.
