defmodule SilentStart do
  @moduledoc "Registers its process but never announces readiness (no popcorn_app_ready)."
  def start do
    :erlang.register(:main, self())
    receive do
      :never_sent -> :ok
    end
  end
end
