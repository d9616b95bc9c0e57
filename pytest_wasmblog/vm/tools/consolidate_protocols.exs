# Consolidates protocols for a bundle, as `mix` does for a release: each protocol's dispatch becomes
# a fixed table of the implementations packed beside it. Dispatch on a type without one then raises
# Protocol.UndefinedError, instead of calling a module that is in no pack (which this VM cannot
# recover from), and no longer builds module names at run time.
#
#   elixir -pa DIR... consolidate_protocols.exs OUT Protocol=Type,Type ...
#
# Modules are given by their BEAM names (Elixir.Enumerable=Elixir.List,Elixir.Map).
[out | specs] = System.argv()
File.mkdir_p!(out)

for spec <- specs do
  [protocol, types] = String.split(spec, "=", parts: 2)
  protocol = String.to_atom(protocol)
  types = for type <- String.split(types, ",", trim: true), do: String.to_atom(type)

  case Protocol.consolidate(protocol, types) do
    {:ok, binary} -> File.write!(Path.join(out, "#{protocol}.beam"), binary)
    {:error, reason} -> raise "cannot consolidate #{inspect(protocol)}: #{inspect(reason)}"
  end
end
