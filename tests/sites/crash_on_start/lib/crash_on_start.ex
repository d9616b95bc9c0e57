defmodule CrashOnStart do
  def start do
    settings = %{mode: :broken}
    # Raises a MatchError: the start process dies and the app never becomes ready.
    %{mode: :working} = settings
    :ok
  end
end
