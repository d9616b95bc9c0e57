defmodule Stdlib.App do
  def start do
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [Stdlib.Cases, Stdlib.Output])
  end
end
