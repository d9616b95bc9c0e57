# Prints, as one JSON object, what the host BEAM (real PCRE) returns for every RegexSite check
# and Regex doctest, mapped with PytestWasmblog.Terms like the VM's bridge maps its replies.
# Run with the site's modules and the bridge's on the code path (tests/test_regex_vm.py).
json = fn term -> PytestWasmblog.JSON.encode!(PytestWasmblog.Terms.to_json_value(term)) end
object = fn pairs -> "{" <> Enum.map_join(pairs, ",", fn {k, v} -> json.(k) <> ":" <> v end) <> "}" end

:persistent_term.put(:regex_site_boot, RegexSite.App.boot_regex())
checks = object.(for name <- RegexSite.checks(), do: {Atom.to_string(name), json.(RegexSite.check(name))})

doctests =
  for n <- 1..RegexSite.Doctests.count() do
    object.([
      {"source", json.(RegexSite.Doctests.source(n))},
      {"host", json.(RegexSite.Doctests.actual(n))},
      {"documented", json.(RegexSite.Doctests.expected(n))}
    ])
  end

IO.puts(object.([{"checks", checks}, {"doctests", "[" <> Enum.join(doctests, ",") <> "]"}]))
