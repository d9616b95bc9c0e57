defmodule Receiver do
  @moduledoc "A hand-written receiver (no test bridge) that misbehaves on request."
  @compile {:no_warn_undefined, :emscripten}

  def start do
    pid = :erlang.spawn(fn -> loop() end)
    :erlang.register(:main, pid)
    _ = :emscripten.run_script("Module.sendEvent('popcorn_app_ready', {name: 'main'})", [:main_thread])
    receive do
      :never_sent -> :ok
    end
  end

  defp loop do
    receive do
      {:emscripten, {:call, promise, "\"ping\""}} ->
        :emscripten.promise_resolve(promise, "\"pong\"")
        loop()

      {:emscripten, {:call, _promise, "\"crash\""}} ->
        raise ArgumentError, "the receiver crashed"

      {:emscripten, {:call, _promise, "\"exit\""}} ->
        :ok

      {:emscripten, {:call, _promise, "\"drop\""}} ->
        loop()

      _ ->
        loop()
    end
  end
end
