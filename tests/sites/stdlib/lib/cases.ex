defmodule Stdlib.Cases do
  @moduledoc """
  One public zero-arity function per case. tests/test_stdlib_in_vm.py calls each in the VM and
  on the host BEAM and compares the results, so a case returns only what both must agree on
  (no pids, timestamps or hash-dependent orders).
  """

  require Integer
  require Logger

  # --- maps -----------------------------------------------------------------------------------

  def map_enum_map, do: Enum.map(%{a: 1, b: 2, c: 3}, fn {k, v} -> {k, v * 10} end)
  def map_enum_sort, do: Enum.sort(%{b: 2, a: 1, c: 3})
  def map_for, do: for({k, v} <- %{x: 1, y: 2}, do: {v, k})
  def map_for_into, do: for({k, v} <- %{x: 1, y: 2}, into: %{}, do: {v, k})
  def map_reduce, do: Enum.reduce(%{a: 1, b: 2, c: 3}, 0, fn {_k, v}, acc -> v + acc end)

  def map_large do
    map = Map.new(1..100, &{&1, &1 * &1})
    {map_size(map), Enum.sum(Map.values(map)), Enum.sort(Map.keys(map)) == Enum.to_list(1..100), map[57],
     Enum.count(map, fn {k, _} -> rem(k, 2) == 0 end)}
  end

  def map_enum_functions do
    map = %{"one" => 1, "two" => 2, "three" => 3}

    {Enum.count(map), Enum.member?(map, {"two", 2}), Enum.into([a: 1], %{}),
     Enum.sort(Enum.filter(map, fn {_k, v} -> v > 1 end)), Enum.find(map, fn {_k, v} -> v == 3 end),
     Enum.sort(Enum.to_list(map)), Enum.max_by(map, fn {_k, v} -> v end), Map.new([{:b, 1}, {:a, 2}]),
     Enum.sort(Enum.flat_map(map, fn {k, v} -> [k, v] end), &(inspect(&1) <= inspect(&2)))}
  end

  def map_module do
    map = %{a: 1, b: 2, c: 3}

    {Map.merge(map, %{c: 30, d: 4}), Map.update!(map, :a, &(&1 + 1)), Map.update(map, :z, 0, &(&1 + 1)),
     Map.delete(map, :b), Map.take(map, [:a, :c, :x]), Map.drop(map, [:a]), Map.filter(map, fn {_k, v} -> v > 1 end),
     Map.to_list(map), Map.pop(map, :a), Map.get_and_update(map, :b, &{&1, &1 * 2}), Map.split(map, [:a]),
     Map.fetch(map, :c), Map.fetch(map, :x), Map.keys(map), Map.values(map), Map.put_new(map, :a, 9),
     Map.merge(map, %{a: 5}, fn _k, v1, v2 -> v1 + v2 end), Map.from_struct(%URI{host: "h"}) |> Map.get(:host)}
  end

  def erlang_maps do
    map = %{a: 1, b: 2, c: 3}

    {:maps.fold(fn k, v, acc -> [{k, v} | acc] end, [], map), :maps.map(fn _k, v -> v * 2 end, map),
     :maps.filter(fn _k, v -> v != 2 end, map), :maps.keys(map), :maps.values(map), :maps.to_list(map),
     iterate(:maps.next(:maps.iterator(map)), []), :maps.with([:a, :c], map), :maps.without([:a], map),
     :maps.merge_with(fn _k, a, b -> a + b end, map, %{a: 10}), :maps.update_with(:a, &(&1 + 100), map),
     :maps.intersect(map, %{b: 0, z: 1}), :maps.from_keys([:x, :y], 0), :maps.get(:q, map, :default),
     :maps.groups_from_list(&rem(&1, 2), [1, 2, 3, 4, 5]), :maps.find(:b, map), :maps.is_key(:c, map),
     :maps.size(map), :maps.take(:a, map), :maps.remove(:c, map)}
  end

  defp iterate(:none, acc), do: Enum.reverse(acc)
  defp iterate({k, v, next}, acc), do: iterate(:maps.next(next), [{k, v} | acc])

  # --- Enum, MapSet, Keyword, Range, Integer, Base -------------------------------------------

  def enum_functions do
    people = [%{name: "ann", age: 31}, %{name: "bob", age: 25}, %{name: "cid", age: 31}]

    {Enum.sort_by(people, & &1.age), Enum.sort_by(people, & &1.name, :desc), Enum.group_by(people, & &1.age, & &1.name),
     Enum.frequencies(~w(a b a c a)), Enum.chunk_every(1..7, 3), Enum.uniq_by([1, 2, 3, 4], &rem(&1, 2)),
     Enum.min_max_by(people, & &1.age), Enum.with_index(~w(x y)), Enum.zip([1, 2], [:a, :b]),
     Enum.reduce_while(1..10, 0, fn x, acc -> if acc > 10, do: {:halt, acc}, else: {:cont, acc + x} end),
     Enum.split_with(1..6, &(rem(&1, 3) == 0)), Enum.dedup([1, 1, 2, 2, 1]), Enum.join(["a", "b"], ", "),
     Enum.map_join(1..3, "-", &(&1 * 2)), Enum.sum(1..100), Enum.product(1..10), Enum.sort([3, 1, 2], :desc),
     Enum.sort([~D[2024-02-01], ~D[2023-12-31]], Date), Enum.scan(1..4, &+/2), Enum.slide([:a, :b, :c, :d], 0, 2),
     Enum.chunk_by([1, 1, 2, 3, 3], & &1), Enum.take_every(1..10, 3), Enum.zip_with([1, 2], [3, 4], &+/2)}
  end

  def mapset_functions do
    a = MapSet.new([1, 2, 3, 4])
    b = MapSet.new([3, 4, 5])

    {MapSet.to_list(MapSet.union(a, b)), MapSet.to_list(MapSet.intersection(a, b)),
     MapSet.to_list(MapSet.difference(a, b)), MapSet.member?(a, 2), MapSet.subset?(MapSet.new([1]), a),
     MapSet.size(a), MapSet.to_list(MapSet.put(b, 9)), MapSet.to_list(MapSet.delete(a, 1)), Enum.sum(a),
     MapSet.disjoint?(a, MapSet.new([7])), MapSet.equal?(a, MapSet.new([4, 3, 2, 1])), MapSet.new([2, 1]) == MapSet.new([1, 2])}
  end

  def keyword_functions do
    kw = [a: 1, b: 2, a: 3]

    {Keyword.get(kw, :a), Keyword.get_values(kw, :a), Keyword.put(kw, :c, 4), Keyword.merge(kw, b: 20, d: 5),
     Keyword.delete(kw, :a), Keyword.keys(kw), Keyword.values(kw), Keyword.take(kw, [:b]), Keyword.drop(kw, [:b]),
     Keyword.update!([a: 1], :a, &(&1 * 5)), Keyword.has_key?(kw, :b), Keyword.keyword?(kw), Keyword.keyword?([{1, 2}]),
     Keyword.validate([a: 1], [:a, b: 2]), Keyword.validate([z: 1], [:a]), Keyword.pop(kw, :b), Keyword.fetch(kw, :x)}
  end

  def range_functions do
    {Enum.to_list(1..10//3), Range.size(1..10), Enum.sum(1..100), Enum.to_list(5..1//-1), Range.new(1, 5, 2),
     Range.disjoint?(1..3, 4..6), Enum.member?(1..10//2, 4), Enum.count(10..1//-3), Enum.reverse(1..4),
     Enum.slice(1..20, 3..5), Enum.at(1..10, 4)}
  end

  def integer_functions do
    {Integer.digits(123_456), Integer.digits(255, 16), Integer.parse("42abc"), Integer.parse("ff", 16),
     Integer.parse("x"), Integer.to_string(255, 16), Integer.to_string(-255, 2), Integer.undigits([1, 2, 3]),
     Integer.pow(2, 100), Integer.gcd(12, 18), Integer.mod(-7, 3), Integer.floor_div(-7, 2),
     Integer.extended_gcd(240, 46), Integer.is_even(4), Integer.to_charlist(10, 8), String.to_integer("-99"),
     div(2 ** 70, 3), rem(-2 ** 65, 7), 2 ** 64 * 2 ** 64}
  end

  def base_functions do
    {Base.encode64("hello world"), Base.decode64!("aGVsbG8gd29ybGQ="), Base.decode16("48656C6C6F"),
     Base.encode16("Hello", case: :lower), Base.url_encode64(<<255, 254, 253>>), Base.encode32("abc"),
     Base.decode32("MFRGG==="), Base.decode64("not base64!"), Base.encode64(<<0, 1, 2>>, padding: false),
     Base.hex_decode32("C5H66==="), Base.decode16!("ff", case: :mixed)}
  end

  # --- inspect ----------------------------------------------------------------------------------

  def inspect_atoms,
    do: Enum.map([:ok, :"with space", nil, true, Foo.Bar, :"Elixir.foo", :"9x", :<>, :"a-b", :é, :&&], &inspect/1)

  def inspect_strings,
    do: Enum.map(["hi", "tab\there \"q\" \\ é", "nul\0byte", "\e[1m", "#{<<0xE2, 0x82, 0xAC>>}"], &inspect/1)

  def inspect_charlists,
    do: [inspect('abc'), inspect([1, 2, 3]), inspect('abc', charlists: :as_lists), inspect('héllo'), inspect([?a, 0])]

  def inspect_lists,
    do: [inspect([1, [2, [3]], "x"]), inspect([a: 1, b: "two"]), inspect([{:a, 1}, 2]), inspect([1 | 2]), inspect([])]

  def inspect_tuples, do: [inspect({1, :a, "b"}), inspect({}), inspect({:ok, {:nested, [1]}})]

  def inspect_maps,
    do: [inspect(%{a: 1, b: 2}), inspect(%{"b" => 2, 1 => :x}), inspect(%{}), inspect(%{[1] => {2}, {3} => [4]})]

  def inspect_structs do
    [inspect(MapSet.new([3, 1, 2])), inspect(1..10), inspect(1..10//2), inspect(~D[2024-01-02]),
     inspect(~T[10:11:12.5]), inspect(~N[2024-01-02 03:04:05]), inspect(DateTime.from_unix!(0)),
     inspect(%URI{scheme: "https", host: "example.org", port: 443, path: "/p"}), inspect(Version.parse!("1.2.3-rc.1")),
     inspect(%RuntimeError{message: "x"}), inspect(%{__struct__: NotAStruct, a: 1}), inspect(MapSet.new([1]), structs: false)]
  end

  def inspect_numbers do
    [inspect(1.5), inspect(0.1), inspect(1.0e20), inspect(-0.0), inspect(2 ** 100), inspect(-123), inspect(1.0e-7),
     inspect(123_456_789.125), inspect(255, base: :hex), inspect(5, base: :binary), inspect(1_000_000)]
  end

  def inspect_binaries do
    [inspect(<<255, 0, 1>>), inspect(<<"abc", 0>>), inspect("abc", binaries: :as_binaries),
     inspect(<<1, 2, 3>>, base: :hex)]
  end

  def inspect_functions do
    [inspect(&Enum.map/2), inspect(&:lists.reverse/1), inspect(&String.Chars.to_string/1)]
  end

  # The same compiled module on both sides: the fun's index and uniq agree.
  def inspect_anonymous_function do
    captured = 5
    [inspect(fn x -> x end), inspect(fn -> captured end), inspect(&inspect_anonymous_function/0)]
  end

  # How many numbers a reference has is the runtime's business (the VM prints 3, BEAM 4).
  def inspect_pid_ref do
    pid = inspect(self())
    ref = inspect(make_ref())
    {String.starts_with?(pid, "#PID<0."), String.ends_with?(pid, ">"), length(String.split(pid, ".")),
     String.starts_with?(ref, "#Reference<0."), String.ends_with?(ref, ">")}
  end

  def inspect_options do
    [inspect(Enum.to_list(1..100), limit: 5), inspect(%{a: [1, 2, 3], b: "x"}, pretty: true, width: 10),
     inspect({:a, "b", [1, 2]}, syntax_colors: []), inspect("a\nb", printable_limit: 2),
     inspect(~w(alpha beta gamma delta), pretty: true, width: 20), inspect([1, 2], limit: :infinity),
     inspect(%{b: 1, a: 2}, custom_options: [sort_maps: true]), inspect('abc', charlists: :as_charlists)]
  end

  def to_string_and_chars do
    [to_string(:atom), to_string(12), to_string(1.5), to_string('list'), to_string(~D[2024-05-06]),
     to_string(Version.parse!("2.0.1")), to_string(%URI{scheme: "http", host: "h", path: "/x"}),
     to_string(~N[2020-01-01 00:00:00]), to_string(["a", ?b, 'c'])]
  end

  # --- processes --------------------------------------------------------------------------------

  def task_async_await do
    task = Task.async(fn -> 1 + 1 end)
    tasks = Enum.map(1..5, fn i -> Task.async(fn -> i * i end) end)
    {Task.await(task), Task.await_many(tasks), Task.yield(Task.async(fn -> :done end), 1000)}
  end

  def task_async_stream do
    Task.async_stream(1..4, fn x -> x * 3 end) |> Enum.to_list()
  end

  def task_start_and_await_message do
    parent = self()
    {:ok, _pid} = Task.start(fn -> send(parent, {:from_task, 42}) end)

    receive do
      {:from_task, value} -> value
    after
      2000 -> :timeout
    end
  end

  def task_supervisor do
    {:ok, sup} = Task.Supervisor.start_link()
    task = Task.Supervisor.async(sup, fn -> :supervised end)
    nolink = Task.Supervisor.async_nolink(sup, fn -> {:nolink, 7} end)
    values = {Task.await(task), Task.await(nolink)}
    # A task ends just after replying, and its supervisor forgets it when the exit reaches it.
    emptied = Enum.any?(1..200, fn _ -> Task.Supervisor.children(sup) == [] or (Process.sleep(5) && false) end)
    result = {values, emptied}
    Supervisor.stop(sup)
    result
  end

  def agent_functions do
    {:ok, agent} = Agent.start_link(fn -> %{count: 0} end)
    :ok = Agent.update(agent, &Map.update!(&1, :count, fn c -> c + 5 end))
    got = Agent.get(agent, & &1.count)
    swapped = Agent.get_and_update(agent, fn s -> {s.count, %{s | count: 0}} end)
    :ok = Agent.cast(agent, fn s -> Map.put(s, :cast, true) end)
    state = Agent.get(agent, & &1)
    :ok = Agent.stop(agent)
    {got, swapped, state, Process.alive?(agent)}
  end

  def genserver_functions do
    {:ok, pid} = Stdlib.Counter.start_link(10)
    :ok = GenServer.cast(pid, {:add, 5})
    value = GenServer.call(pid, :get)
    slow = try do
      GenServer.call(pid, {:sleep, 500}, 50)
    catch
      :exit, {reason, {GenServer, :call, [_, {:sleep, 500}, 50]}} -> {:exited, reason}
    end
    send(pid, {:info, 2})
    after_info = GenServer.call(pid, :get, 5000)
    :ok = GenServer.stop(pid)
    {value, slow, after_info, Process.alive?(pid)}
  end

  def supervisor_restarts do
    {:ok, sup} = Supervisor.start_link([{Agent, fn -> :fresh end}], strategy: :one_for_one)
    {:ok, dyn} = DynamicSupervisor.start_link(strategy: :one_for_one)
    {:ok, _} = DynamicSupervisor.start_child(dyn, {Agent, fn -> :dynamic end})
    restarted = for s <- [sup, dyn], do: kill_and_wait_for_restart(s)
    counts = {Supervisor.count_children(sup), DynamicSupervisor.count_children(dyn)}
    :ok = Supervisor.stop(sup)
    :ok = DynamicSupervisor.stop(dyn)
    {restarted, counts}
  end

  defp kill_and_wait_for_restart(sup) do
    [{_, first, :worker, [Agent]}] = Supervisor.which_children(sup)
    ref = Process.monitor(first)
    Process.exit(first, :kill)
    receive do: ({:DOWN, ^ref, :process, _, reason} -> reason)
    second = Enum.find_value(1..100, fn _ ->
      case Supervisor.which_children(sup) do
        [{_, pid, :worker, _}] when is_pid(pid) and pid != first -> pid
        _ -> Process.sleep(10) && nil
      end
    end)
    {is_pid(second), Agent.get(second, & &1)}
  end

  def process_functions do
    ref = Process.send_after(self(), :tick, 10)
    got = receive do
      :tick -> :tick
    after
      1000 -> :no_tick
    end

    cancel_ref = Process.send_after(self(), :never, 5000)
    cancelled = Process.cancel_timer(cancel_ref)
    Process.put(:stdlib_key, 1)
    pid = spawn(fn -> receive do: (:stop -> :ok) end)
    monitor = Process.monitor(pid)
    send(pid, :stop)
    down = receive do
      {:DOWN, ^monitor, :process, ^pid, reason} -> reason
    after
      1000 -> :no_down
    end

    {is_reference(ref), got, is_integer(cancelled), Process.get(:stdlib_key),
     match?({:message_queue_len, n} when is_integer(n), Process.info(self(), :message_queue_len)),
     down, Process.alive?(pid), Keyword.keys(Process.info(self(), [:message_queue_len]))}
  end

  # --- errors and functions -------------------------------------------------------------------

  def exception_functions do
    stack = [{Stdlib.Cases, :demo, 1, [file: 'lib/cases.ex', line: 3]}]

    {Exception.message(%RuntimeError{message: "x"}), Exception.message(%ArgumentError{}),
     Exception.format(:error, %RuntimeError{message: "boom"}, []), Exception.format(:throw, :thrown, []),
     Exception.format(:exit, :normal, []), Exception.format(:error, %ArgumentError{message: "two"}),
     Exception.format_banner(:error, :badarg),
     Exception.normalize(:error, :badarg, []), Exception.format(:error, %KeyError{key: :k, term: %{}}, stack),
     Exception.message(Exception.normalize(:error, {:badkey, :x}, [])), Exception.format_exit({:shutdown, :x}),
     Exception.format_stacktrace_entry(hd(stack)), Exception.exception?(%RuntimeError{}),
     missing_key(fn -> Map.fetch!(%{}, :missing) end), missing_key(fn -> Map.replace!(%{a: 1}, :b, 2) end),
     raised(fn -> String.to_integer("x") end),
     caught(fn -> raise "plain" end), caught(fn -> :erlang.error(:badarith) end)}
  end

  # Not the message: Elixir reads the map for "... not found in: %{}" from the stacktrace's
  # arguments, which the VM's stacktraces do not carry.
  defp missing_key(fun) do
    fun.()
  rescue
    e in KeyError -> {e.key, e.message}
  end

  # Not the message either: OTP's extended error information ("errors were found at the given
  # arguments: ...") comes with the BIF's error_info, which the VM does not give.
  defp raised(fun) do
    fun.()
  rescue
    e -> e.__struct__
  end

  defp caught(fun) do
    fun.()
  rescue
    e -> {e.__struct__, Exception.message(e)}
  end

  def function_functions do
    {inspect(Function.capture(Enum, :map, 2)), Function.info(&Enum.map/2), Function.info(&Enum.map/2, :arity),
     Function.info(fn a, b -> a + b end, :arity), Function.identity(:same), Function.info(&Enum.map/2, :type),
     is_function(Function.capture(String, :upcase, 1), 1), Function.capture(String, :upcase, 1).("x")}
  end

  # --- dates and times --------------------------------------------------------------------------

  def calendar_functions do
    [Calendar.strftime(~N[2024-03-05 14:07:09], "%Y-%m-%d %H:%M:%S %a %b %j %p %I %y %%"),
     Calendar.strftime(~D[2024-12-25], "%A %B %-d %u"), Calendar.strftime(~U[2024-01-02 03:04:05Z], "%c %z %Z"),
     Calendar.strftime(~T[08:09:10.123], "%H:%M:%S.%f %P"), Calendar.ISO.leap_year?(2000)]
  end

  def date_functions do
    date = Date.new!(2024, 2, 29)

    {date, Date.add(date, 1), Date.add(date, -60), Date.diff(~D[2024-12-25], date), Date.day_of_week(date),
     Enum.to_list(Date.range(~D[2024-01-30], ~D[2024-02-02])), Date.leap_year?(date), Date.end_of_month(~D[2023-02-10]),
     Date.beginning_of_month(date), Date.from_iso8601!("2020-06-15"), Date.to_iso8601(date), Date.compare(date, ~D[2025-01-01]),
     Date.new(2023, 2, 29), Date.day_of_year(date), Date.quarter_of_year(date), Date.to_erl(date), Date.from_erl!({2000, 1, 1}),
     Enum.count(Date.range(~D[2024-01-01], ~D[2024-12-31])), Date.utc_today().year >= 2024}
  end

  def time_functions do
    {Time.add(~T[10:00:00], 3661), Time.add(~T[23:59:59], 2), Time.diff(~T[10:00:00], ~T[09:30:00]), Time.new!(1, 2, 3),
     Time.to_iso8601(~T[07:08:09.012]), Time.truncate(~T[10:00:00.123456], :millisecond), Time.from_seconds_after_midnight(3600),
     Time.compare(~T[01:00:00], ~T[02:00:00]), Time.from_iso8601("25:00:00"), Time.to_erl(~T[12:34:56])}
  end

  def datetime_functions do
    dt = DateTime.from_unix!(1_700_000_000)

    {dt, DateTime.to_iso8601(dt), DateTime.shift_zone(dt, "Etc/UTC"), DateTime.from_unix(1_700_000_000_123, :millisecond),
     DateTime.add(dt, 86_400), DateTime.diff(DateTime.add(dt, 90), dt), DateTime.to_date(dt), DateTime.to_time(dt),
     DateTime.from_iso8601("2024-01-02T03:04:05Z"), DateTime.from_iso8601("2024-01-02T03:04:05+02:00"), DateTime.to_unix(dt),
     DateTime.truncate(DateTime.from_unix!(1_700_000_000_123_456, :microsecond), :second), DateTime.from_unix(-1),
     DateTime.to_naive(dt), DateTime.compare(dt, DateTime.add(dt, 1)), DateTime.shift_zone(dt, "Europe/Paris"),
     DateTime.new!(~D[2024-01-01], ~T[00:00:00]), DateTime.from_unix!(1_700_000_000_000_000_000, :nanosecond)}
  end

  def naive_datetime_functions do
    naive = NaiveDateTime.new!(2024, 1, 31, 23, 0, 0)

    {naive, NaiveDateTime.add(naive, 3600), NaiveDateTime.to_string(naive), NaiveDateTime.from_iso8601!("2024-05-06T07:08:09"),
     NaiveDateTime.diff(NaiveDateTime.add(naive, 100), naive), NaiveDateTime.to_date(naive),
     NaiveDateTime.to_erl(naive), NaiveDateTime.add(naive, 1500, :millisecond)}
  end

  def time_units do
    {System.convert_time_unit(1, :second, :native), System.convert_time_unit(1_000_000_000, :native, :millisecond),
     System.convert_time_unit(5, :second, :millisecond), :erlang.convert_time_unit(3, :millisecond, :microsecond),
     System.convert_time_unit(1_500, :millisecond, :second), :erlang.convert_time_unit(-1, :native, :second),
     :erlang.convert_time_unit(1, :second, 1000), System.convert_time_unit(7, :microsecond, :nanosecond)}
  end

  @doc "Clock readings in seconds; the test compares them with the host's clock and with each other."
  def clocks do
    %{
      "datetime_utc_now" => DateTime.to_unix(DateTime.utc_now()),
      "naive_utc_now" => NaiveDateTime.diff(NaiveDateTime.utc_now(), ~N[1970-01-01 00:00:00]),
      "system_time_second" => System.system_time(:second),
      "system_time_millisecond" => div(System.system_time(:millisecond), 1000),
      "system_time_native" => System.convert_time_unit(System.system_time(), :native, :second),
      "os_system_time" => :os.system_time(:second),
      "os_system_time_native" => System.convert_time_unit(:os.system_time(), :native, :second),
      "os_time" => System.os_time(:second),
      "system_time_integer_unit" => div(System.system_time(1000), 1000),
      "os_time_integer_unit" => div(System.os_time(10), 10),
      "erlang_system_time" => :erlang.system_time(:second),
      "time_offset_plus_monotonic" =>
        System.convert_time_unit(System.monotonic_time() + System.time_offset(), :native, :second),
      "os_timestamp" => elem(:os.timestamp(), 0) * 1_000_000 + elem(:os.timestamp(), 1),
      "utc_today_in_days" => Date.diff(Date.utc_today(), ~D[1970-01-01])
    }
  end

  @doc "Elapsed time over a 200 ms sleep in several units; the test checks they agree."
  def monotonic do
    start_native = System.monotonic_time()
    start_ms = System.monotonic_time(:millisecond)
    start_us = System.monotonic_time(:microsecond)
    start_per_1000 = System.monotonic_time(1000)
    Process.sleep(200)

    {System.convert_time_unit(System.monotonic_time() - start_native, :native, :millisecond),
     System.monotonic_time(:millisecond) - start_ms, div(System.monotonic_time(:microsecond) - start_us, 1000),
     System.monotonic_time(1000) - start_per_1000}
  end

  # --- floats -----------------------------------------------------------------------------------

  def float_functions do
    {Float.round(3.14159, 2), Float.round(2.5), Float.round(-1.235, 2), Float.round(1.0e-10, 5), Float.round(123.456, 0),
     Float.ceil(1.21, 1), Float.floor(-1.29, 1), Float.ceil(5.0), Float.floor(-0.5), Float.to_string(0.1),
     Float.to_string(1.0e20), Float.to_string(-3.5e-7), Float.parse("3.14abc"), Float.parse("1e3"), Float.parse("-.5"),
     Float.parse("12"), Float.ratio(0.75), Float.ratio(3.14), Float.ratio(0.1), Float.to_charlist(2.25),
     Float.round(0.1 + 0.2, 15), Float.round(1.0e300, 2), Float.floor(12_345.678, 2), Float.ceil(-12_345.678, 2),
     Float.min_finite(), Float.max_finite(), Float.pow(2.0, 10), String.to_float("2.5e2")}
  end

  @doc "Float.round/ceil/floor of 400 values, tiny to huge, at five precisions: one checksum of the bits per value."
  def float_rounding_sweep do
    for i <- 1..400 do
      x = (rem(i * 7919, 100_003) - 50_000) / 997 * :math.pow(10, rem(i, 21) - 10)

      for precision <- [0, 1, 2, 5, 15], f <- [&Float.round/2, &Float.ceil/2, &Float.floor/2], reduce: 0 do
        acc ->
          # Every intermediate below 2^63: the VM's rem/div are wrong on integers in [2^63, 2^64).
          <<high::32, low::32>> = <<f.(x, precision)::float>>
          rem(rem(acc * 31 + high, 1_000_003) * 4_294_967_296 + low, 1_000_003)
      end
    end
  end

  def float_formatting do
    {:erlang.float_to_binary(1.5, [:short]), :erlang.float_to_binary(2 / 3, decimals: 4),
     :erlang.float_to_binary(1234.5, [{:scientific, 3}]), :erlang.float_to_list(0.5, [:compact, {:decimals, 3}]),
     :erlang.float_to_binary(0.1), round(2.5), trunc(-2.7), Float.round(-0.0, 1), 1.0e15 + 0.3, 7 / 2}
  end

  # --- io_lib -----------------------------------------------------------------------------------

  def io_lib_format do
    [
      :io_lib.format("~p ~w ~s ~b ~.2f ~e ~.16b ~10.3f|", [[1, 2], {:a, "b"}, 'str', 42, 3.14159, 1.5, 255, 2.0]),
      :io_lib.format("~p", [%{a: 1, b: [1, 2, 3]}]),
      :io_lib.format("~tp ~ts", [[1024, 233], "é"]),
      :io_lib.format("~-8s|~8s|~c~n", ['ab', 'cd', ?x]),
      :io_lib.format("~p", [Enum.to_list(1..30)]),
      :io_lib.format("~P", [Enum.to_list(1..30), 5]),
      :io_lib.format("~w ~p", [<<1, 2>>, "bin"]),
      :io_lib.format("~i~s", [:ignored, "shown"]),
      :io_lib.write({:ok, [1, "x"], 2.5}),
      :io_lib.write_atom(:"needs quotes"),
      :io_lib.write_string('quote"d'),
      :io_lib.fwrite("~5.1.0f", [3.14159])
    ]
    |> Enum.map(&IO.chardata_to_string/1)
  end

  # --- streams ----------------------------------------------------------------------------------

  def stream_functions do
    {Stream.map(1..5, &(&1 * 2)) |> Enum.to_list(), Stream.filter(1..10, &(rem(&1, 3) == 0)) |> Enum.to_list(),
     Stream.iterate(1, &(&1 * 2)) |> Enum.take(8), Stream.unfold(5, fn 0 -> nil; n -> {n, n - 1} end) |> Enum.to_list(),
     Stream.cycle([:a, :b]) |> Enum.take(5), Stream.chunk_every(1..7, 2) |> Enum.to_list(),
     Stream.with_index(~w(a b)) |> Enum.to_list(), Stream.zip(1..3, ~w(x y z)) |> Enum.to_list(),
     Stream.resource(fn -> 3 end, fn 0 -> {:halt, 0}; n -> {[n], n - 1} end, fn _ -> :ok end) |> Enum.to_list(),
     Stream.transform(1..4, 0, fn x, acc -> {[acc + x], acc + x} end) |> Enum.to_list(),
     Stream.take_while(1..100, &(&1 < 4)) |> Enum.to_list(), Stream.dedup([1, 1, 2]) |> Enum.to_list(),
     Stream.flat_map(1..3, &[&1, &1]) |> Stream.take(4) |> Enum.to_list(), Stream.concat([1..2, [3]]) |> Enum.to_list(),
     Stream.map(%{a: 1}, fn {k, v} -> {v, k} end) |> Enum.to_list(), Stream.repeatedly(fn -> :r end) |> Enum.take(2),
     Stream.interval(1) |> Enum.take(3), Stream.run(Stream.map(1..3, & &1))}
  end

  # --- strings ----------------------------------------------------------------------------------

  def string_case do
    {String.upcase("straße é ǆ ﬁ ω"), String.downcase("ÀÉÎ ΣΑΣ ǅ"), String.capitalize("élan vital"),
     String.capitalize("ǆemal"), String.upcase("i", :turkic), String.downcase("ΣΑΣ", :greek), String.downcase("İ"),
     String.upcase("hello"), String.capitalize("ñandú"), String.downcase("ÅNGSTRÖM", :ascii)}
  end

  def string_unicode do
    text = "e\u0301👍🏽 🇫🇷 ok"

    {String.graphemes(text), String.length(text), String.codepoints("é"), String.normalize("é", :nfd) |> byte_size(),
     String.normalize("e\u0301", :nfc), String.normalize("ﬁ", :nfkd), String.normalize("Å", :nfkc) |> String.codepoints(),
     String.reverse("héllo 👍🏽"), String.slice("héllo wörld", 1, 4), String.at("héllo", 1), String.first("👍🏽x"),
     String.last("x👍🏽"), String.valid?(<<0xFF>>), String.printable?("a\u0000"), String.equivalent?("é", "e\u0301"),
     String.split_at("héllo", 2), String.next_grapheme("é!"), String.pad_leading("é", 3, "·")}
  end

  def string_split_and_trim do
    {String.split("  a b\tc\n d  "), String.split("a,b,,c", ","), String.split("a,b,,c", ",", trim: true),
     String.split("a b c", " ", parts: 2), String.trim("\u00a0 x \n"), String.trim_leading("--x--", "-"),
     String.split("\u2003wide\u3000space "), String.splitter("a b c", " ") |> Enum.to_list(),
     String.replace("a-b-c", "-", "_"), String.replace("aaa", "a", "b", global: false), String.duplicate("ab", 3),
     String.pad_trailing("x", 4, "."), String.contains?("hello", ["x", "ll"]), String.starts_with?("hello", "he")}
  end

  def string_distances do
    {String.jaro_distance("martha", "marhta"), String.jaro_distance("dixon", "dicksonx"), String.jaro_distance("", ""),
     String.bag_distance("abc", "cbx"), String.myers_difference("abc", "adc"), String.jaro_distance("héllo", "hello")}
  end

  def string_conversions do
    {String.to_charlist("héllo"), List.to_string([104, 233]), String.to_atom("dyn_atom"), String.to_existing_atom("ok"),
     :unicode.characters_to_binary('é'), :unicode.characters_to_list("ü"), String.Chars.to_string(42), String.to_float("1.5"),
     :binary.bin_to_list("ab"), :unicode.characters_to_nfc_binary("e\u0301"), :string.uppercase("straße"),
     :string.titlecase("ǆa"), :string.length("e\u0301x"), :string.split("a b c", " ", :all), :string.trim("  x  ")}
  end

  # --- misc: Version, URI, Path, OptionParser -------------------------------------------------

  def version_functions do
    {Version.parse("1.2.3-rc.1+build.5"), Version.compare("1.2.3", "1.10.0"), Version.compare("2.0.0-beta", "2.0.0"),
     Version.match?("1.2.3", "~> 1.2"), Version.match?("2.0.0", ">= 1.0.0 and < 2.0.0"), Version.parse("nope"),
     to_string(Version.parse!("1.0.0-alpha")), Version.parse_requirement("~> 2.1") |> elem(0),
     Version.compare(Version.parse!("1.0.0"), Version.parse!("1.0.0"))}
  end

  def uri_functions do
    uri = %URI{scheme: "https", host: "example.org", port: 443, path: "/a b", query: "x=1"}

    {URI.to_string(uri), URI.encode_query(%{"a" => "1 2", "b" => "é"}), URI.decode_query("a=1&b=%C3%A9"),
     URI.encode("a b/é"), URI.decode("a%20b"), URI.encode_www_form("a b&c"), URI.decode_www_form("a+b%26c"),
     URI.default_port("https"), URI.char_reserved?(?:),
     URI.merge(%URI{scheme: "http", host: "h", path: "/a/b"}, %URI{path: "c"}) |> to_string()}
  end

  def path_functions do
    {Path.join(["a", "b", "c.txt"]), Path.join("a/", "/b"), Path.expand("/a/b/../c"), Path.expand("b", "/a"),
     Path.basename("/x/y/z.tar.gz"), Path.extname("z.tar.gz"), Path.dirname("/x/y/z"), Path.rootname("f.ex"),
     Path.split("/a/b/c"), Path.relative_to("/a/b/c", "/a"), Path.type("/a"), Path.type("a/b"),
     Path.basename("/x/y/z.ex", ".ex"), Path.absname("b", "/a")}
  end

  def option_parser_functions do
    {OptionParser.parse(["--name", "x", "-v", "file", "--count", "3"],
       strict: [name: :string, verbose: :boolean, count: :integer], aliases: [v: :verbose]),
     OptionParser.parse(["--no-color", "--level=2", "rest"], switches: [color: :boolean, level: :integer]),
     OptionParser.parse(["--unknown", "x"], strict: [known: :string]), OptionParser.split("a 'b c' \"d e\" f\\ g"),
     OptionParser.to_argv(name: "x", verbose: true, count: 3), OptionParser.parse_head(["--a", "1", "cmd", "--b"], switches: [a: :integer])}
  end

  # --- Logger -----------------------------------------------------------------------------------

  def logger_levels do
    previous = Logger.level()
    :ok = Logger.configure(level: :warning)
    filtered = Logger.level()
    :ok = Logger.configure(level: :debug)
    debug = Logger.level()
    :ok = Logger.configure(level: previous)
    {previous, filtered, debug, Logger.compare_levels(:info, :error), Logger.compare_levels(:error, :error)}
  end

  def logger_metadata do
    Logger.reset_metadata(request_id: "r1")
    Logger.metadata(user_id: 7)
    first = Enum.sort(Logger.metadata())
    Logger.metadata(user_id: nil)
    second = Logger.metadata()
    Logger.reset_metadata()
    {first, second, Logger.metadata()}
  end

  def logger_enable_disable do
    Logger.disable(self())
    disabled = Logger.enabled?(self())
    Logger.enable(self())
    {disabled, Logger.enabled?(self())}
  end
end

defmodule Stdlib.Counter do
  use GenServer

  def start_link(initial), do: GenServer.start_link(__MODULE__, initial)

  @impl true
  def init(initial), do: {:ok, initial}

  @impl true
  def handle_call(:get, _from, state), do: {:reply, state, state}

  def handle_call({:sleep, ms}, _from, state) do
    Process.sleep(ms)
    {:reply, :slept, state}
  end

  @impl true
  def handle_cast({:add, n}, state), do: {:noreply, state + n}

  @impl true
  def handle_info({:info, n}, state), do: {:noreply, state * n}
end
