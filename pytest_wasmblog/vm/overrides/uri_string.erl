%% URI hosts that are IP addresses: OTP asks inet, whose other functions open sockets; its parser,
%% inet_parse, is pure and is what inet itself calls for these.
-module(uri_string).
-compile({nowarn_unused_function, [validate_ipv4_address/1, validate_ipv6_address/1,
                                   is_ipv4_address/1, is_ipv6_address/1]}).

validate_ipv4_address(Addr) ->
    case inet_parse:ipv4strict_address(Addr) of
        {ok, _} -> Addr;
        {error, _} -> throw({error, invalid_uri, Addr})
    end.

validate_ipv6_address(Addr) ->
    case inet_parse:ipv6strict_address(Addr) of
        {ok, _} -> Addr;
        {error, _} -> throw({error, invalid_uri, Addr})
    end.

is_ipv4_address(Addr) ->
    case inet_parse:ipv4strict_address(Addr) of
        {ok, _} -> true;
        {error, _} -> false
    end.

is_ipv6_address(Addr) ->
    case inet_parse:ipv6strict_address(Addr) of
        {ok, _} -> true;
        {error, _} -> false
    end.
