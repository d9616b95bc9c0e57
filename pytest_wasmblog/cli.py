"""`wasmblog` / `python -m pytest_wasmblog`: build a site's bundle, validate one, explain a module."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pytest_wasmblog import ci_workflow, report_cli, size_report, troubleshooting
from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.bundle import avm
from pytest_wasmblog.bundle.build import REPORT_NAME, build_site
from pytest_wasmblog.bundle.config import module_atom
from pytest_wasmblog.bundle.why import explain
from pytest_wasmblog.conformance import compat_doc, known, suite
from pytest_wasmblog.deploy import configs
from pytest_wasmblog.deploy.rules import DEFAULT_WORKER, DeployError
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import ISOLATION_MODES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wasmblog", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="compile the site's Elixir, pack bundle.avm and lay out SITE/dist")
    build.add_argument("site", type=Path)
    build.add_argument("--why", metavar="MODULE", action="append", default=[],
                       help="after building, say why MODULE is (or is not) in the bundle")
    build.add_argument("--all-modules", action="store_true",
                       help="pack the whole static closure, ignoring [bundle] used_modules (to record a new list)")
    build.add_argument("--wasm-debug", choices=("strip", "names", "keep"),
                       help="AtomVM.wasm without debug sections (strip), with function names (names) or as "
                       "published (keep); overrides [site] wasm_debug")
    check = commands.add_parser("validate", help="check an .avm bundle the way the plugin does before serving it")
    check.add_argument("bundle", type=Path)
    why = commands.add_parser("why", help="why a module is in a built site's bundle (reads dist/build-report.json)")
    why.add_argument("site", type=Path)
    why.add_argument("module")
    size = commands.add_parser("size", help="what a built site weighs: assets raw/gzip/brotli, bundle modules "
                               "by origin, and the import chain of each large module")
    size.add_argument("site", type=Path, help="the site folder (with dist/) or the built folder")
    size.add_argument("--json", type=Path, metavar="PATH", help="also write the report as JSON")
    size.add_argument("--png", type=Path, metavar="PATH", help="also draw it as a treemap PNG")
    size.add_argument("--largest", type=int, default=15, help="modules to list with their import chain")
    trouble = commands.add_parser("troubleshooting",
                                  help="write the README's troubleshooting section from the plugin's real errors")
    trouble.add_argument("readme", type=Path)
    trouble.add_argument("--check", action="store_true", help="only check that the section is up to date")
    conformance = commands.add_parser("conformance", help="build the conformance suite (Elixir's doctest examples "
                                      "run on the host, and the bundle that runs them in the VM); run it with "
                                      "`pytest --wasm-conformance`")
    conformance.add_argument("--modules", help="comma-separated Elixir modules (default: the whole suite)")
    compatibility = commands.add_parser("compatibility", help="write docs/compatibility.md from the suite and "
                                        "the known failures")
    compatibility.add_argument("doc", type=Path)
    compatibility.add_argument("--report", type=Path, help="a run's --wasm-conformance-report, for the times")
    compatibility.add_argument("--check", action="store_true", help="only check that the document is up to date")
    deploy = commands.add_parser("deploy-config", help="the header/serving configuration a web server or static "
                                 "host needs for a built site (isolation headers, types, precompressed files, caching)")
    deploy.add_argument("site", type=Path, help="the site folder (with dist/) or the built folder")
    deploy.add_argument("--target", required=True, help=f"one of {', '.join(configs.TARGETS)}")
    deploy.add_argument("--out", type=Path, metavar="PATH", help="write it here instead of standard output")
    deploy.add_argument("--isolation", default="require-corp", help=f"one of {', '.join(ISOLATION_MODES)} "
                        "(default: %(default)s)")
    deploy.add_argument("--root", type=Path, metavar="DIR", help="the document root on the server "
                        "(nginx/caddy/apache; default: the built folder)")
    deploy.add_argument("--port", type=int, default=configs.DEFAULT_PORT, help="the port to listen on "
                        "(nginx/caddy/apache)")
    deploy.add_argument("--service-worker", default=DEFAULT_WORKER, metavar="NAME",
                        help="the site's service worker script, never cached (default: %(default)s)")
    report_cli.add_commands(commands)
    ci = commands.add_parser("ci", help="write a CI workflow that builds, tests an engine x shard matrix, and "
                             "merges and checks the reports")
    ci.add_argument("provider", choices=["github"], help="github: a GitHub Actions workflow")
    ci.add_argument("--site", required=True, help="the site folder (with wasmblog.toml), relative to the repository root")
    ci.add_argument("--tests", nargs="+", required=True, metavar="PATH", help="what pytest runs, e.g. tests")
    ci.add_argument("--engine", action="append", choices=ENGINES, help="an engine of the matrix (repeatable; "
                    "default all three)")
    ci.add_argument("--shards", type=int, default=2, help="shards per engine (default %(default)s)")
    ci.add_argument("--baseline", metavar="PATH", help="the committed baseline report the merged report must hold to")
    ci.add_argument("--budgets", metavar="PATH", help="the committed budgets file (one budget per line)")
    ci.add_argument("--plugin", default="pytest-wasmblog", help="what pip installs (default %(default)s)")
    ci.add_argument("--out", type=Path, default=Path(ci_workflow.DEFAULT_OUT),
                    help="where to write it (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            result = build_site(args.site, all_modules=args.all_modules, wasm_debug=args.wasm_debug)
            for module in args.why:
                print("\n".join(explain(result.dist / REPORT_NAME, _atom(module))))
        elif args.command == "validate":
            entries = avm.validate_file(args.bundle)
            print(f"{args.bundle}: valid, {len(entries)} entries, start module {entries[0].name}")
        elif args.command == "why":
            print("\n".join(explain(args.site / "dist" / REPORT_NAME, _atom(args.module))))
        elif args.command == "size":
            report = size_report.measure(args.site)
            print(report.text(args.largest))
            for path, write in ((args.json, size_report.write_json), (args.png, size_report.write_treemap)):
                if path is not None:
                    print(f"wrote {write(report, path)}")
        elif args.command == "deploy-config":
            return write_deploy_config(args)
        elif args.command == "ci":
            return write_ci_workflow(args)
        elif args.command == "merge-reports":
            return report_cli.run_merge(args)
        elif args.command == "check-report":
            return report_cli.run_check(args)
        elif args.command == "troubleshooting":
            return write_troubleshooting(args.readme, check=args.check)
        elif args.command == "conformance":
            return build_conformance(args.modules)
        elif args.command == "compatibility":
            return write_compatibility(args.doc, args.report, check=args.check)
    except WasmblogError as exc:
        print(f"wasmblog: error: {exc}", file=sys.stderr)
        return 1
    return 0


def write_deploy_config(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.is_dir():
        example = args.out / configs.FILE_NAMES.get(args.target, "deploy.conf")
        raise DeployError(f"--out {args.out} is a folder: give a file path, such as {example}")
    config = configs.render_config(args.site, args.target, args.isolation, root=args.root, listen=args.port,
                                   service_worker=args.service_worker)
    if args.target not in configs.SERVER_TARGETS and (args.root is not None or args.port != configs.DEFAULT_PORT):
        print(f"wasmblog: note: --root and --port are for nginx, caddy and apache; {args.target} ignores them",
              file=sys.stderr)
    for note in config.notes:
        print(f"wasmblog: note: {note}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(config.text)
    else:
        write_atomically(args.out, config.text.encode())
        print(f"wrote {args.out} ({args.target}; the host expects it as {config.file_name})")
    return 0


def write_ci_workflow(args: argparse.Namespace) -> int:
    options = ci_workflow.WorkflowOptions(
        site=args.site, tests=tuple(args.tests), engines=tuple(args.engine or ENGINES), shards=args.shards,
        baseline=args.baseline, budgets=args.budgets, plugin=args.plugin)
    text = ci_workflow.render_github_workflow(options)
    if args.out.is_dir():
        raise ci_workflow.WorkflowError(f"--out {args.out} is a folder: give a file path, such as "
                                        f"{args.out / 'wasmblog.yml'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(args.out, text.encode())
    jobs = len(options.engines) * options.shards
    print(f"wrote {args.out}: build, {jobs} test jobs ({len(options.engines)} engines x {options.shards} shards), "
          "report")
    return 0


def write_troubleshooting(readme: Path, check: bool) -> int:
    current = readme.read_text()
    wanted = troubleshooting.replace_section(current, troubleshooting.render())
    if wanted == current:
        return 0
    if check:
        print(f"{readme}: the troubleshooting section is stale; run "
              f"`python -m pytest_wasmblog troubleshooting {readme}`", file=sys.stderr)
        return 1
    write_atomically(readme, wanted.encode())
    print(f"{readme}: troubleshooting section rewritten")
    return 0


def build_conformance(modules: str | None) -> int:
    names = tuple(m.strip() for m in modules.split(",")) if modules else suite.MODULES
    built = suite.build(names)
    counts = ", ".join(f"{n} {klass}" for klass, n in sorted(built.counts().items()))
    print(f"{len(built.examples)} examples from {len(built.modules)} modules ({counts})")
    print(f"bundle: {built.dist}; run it with `pytest --wasm-conformance -m wasm_conformance --wasm-browser all`")
    return 0


def write_compatibility(doc: Path, report: Path | None, check: bool) -> int:
    current = doc.read_text() if doc.is_file() else ""
    times = compat_doc.times_from_report(report) if report else compat_doc.current_times(current)
    wanted = compat_doc.render(suite.extract(log=lambda _: None), known.load(), times)
    if wanted == current:
        return 0
    if check:
        print(f"{doc} is stale; run `wasmblog compatibility {doc}`", file=sys.stderr)
        return 1
    write_atomically(doc, wanted.encode())
    print(f"{doc} rewritten")
    return 0


def _atom(name: str) -> str:
    return module_atom(name)


if __name__ == "__main__":
    sys.exit(main())
