"""The `curate` command line: a thin layer over the engine, the reports and the gates.

Mistakes (bad arguments, a bad rule set, a missing input) print one line on stderr and exit with 2,
before anything is written. Heavy libraries are imported only by the commands that need them, so
`curate --help` answers at once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from curate import __version__
from curate.errors import UsageError

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage + message)
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _common(p: argparse.ArgumentParser, *, out: bool) -> None:
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="jsonl, jsonl.gz, json, parquet, csv or txt files, folders of them, a "
        "save_to_disk folder, or hf:owner/name[@config][:split]",
    )
    p.add_argument(
        "--rules",
        required=True,
        metavar="RULESET",
        help="a rule-set YAML file or a built-in name (see `curate rules`)",
    )
    p.add_argument(
        "--text-column", help="column holding the text (default: the rule set's, else text)"
    )
    p.add_argument("--id-column", help="column identifying a row in reports")
    p.add_argument(
        "--report-dir",
        type=Path,
        metavar="DIR",
        help="where report.json/.md/.html go" + (" (default: reports/<name>/)" if out else ""),
    )
    p.add_argument("--name", help="run name shown in the report (default: from --out or the input)")
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="processes working on the shards, this one included (default: every core)",
    )
    p.add_argument("--engine", choices=("local", "ray"), default="local")
    p.add_argument("--ray-address", metavar="ADDR", help="join this Ray cluster (--engine ray)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="curate",
        description="Evaluate text collections and curate them into clean training data.",
    )
    parser.add_argument("--version", action="version", version=f"curate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="clean a corpus: write the cleaned dataset and a report")
    _common(run, out=True)
    run.add_argument("--out", required=True, type=Path, metavar="OUT_DIR")
    run.add_argument(
        "--format",
        choices=("hf", "parquet", "jsonl"),
        default="hf",
        help="hf: a DatasetDict saved with save_to_disk (default)",
    )
    run.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    run.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its finished shards"
    )

    rep = sub.add_parser("report", help="evaluate only: write the report, nothing else")
    _common(rep, out=True)

    chk = sub.add_parser("check", help="CI gate: exit 0 pass, 1 a gate failed, 2 bad usage/input")
    _common(chk, out=False)
    chk.add_argument(
        "--junit", type=Path, metavar="FILE", help="write JUnit XML, one testcase per gate"
    )
    chk.add_argument(
        "--baseline",
        type=Path,
        metavar="REPORT_JSON",
        help="an earlier report.json: also fail when a gated value got worse than it "
        "by more than the rule set's tolerance (gates.baseline.tolerance)",
    )

    dif = sub.add_parser("diff", help="compare two reports: what got better or worse, per rule")
    dif.add_argument("report_a", metavar="REPORT_A", help="report.json (or its folder) of run A")
    dif.add_argument("report_b", metavar="REPORT_B", help="report.json (or its folder) of run B")
    dif.add_argument(
        "--format",
        choices=("text", "md", "json"),
        default="text",
        help="text: a table (default); md: for a pull-request comment; json",
    )

    rules = sub.add_parser(
        "rules", help="list the rules, or print one rule's documentation or a rule set's YAML"
    )
    rules.add_argument("name", nargs="?", metavar="NAME")
    return parser


# main() runs as the program (the `curate` script, python -m curate: it reads sys.argv), not
# called by a program that goes on after it: only then does it ignore Ctrl-C once its work is done
_as_program = False


def main(argv: list[str] | None = None) -> int:
    global _as_program
    _as_program = argv is None
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_USAGE
        code = {
            "run": cmd_run,
            "report": cmd_report,
            "check": cmd_check,
            "diff": cmd_diff,
            "rules": cmd_rules,
        }[args.command](args)
        _done(args)
        return code
    except UsageError as e:
        print(f"curate: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `curate ... | head`: the reader left, nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("curate: interrupted; rerun with --resume to continue", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line unless asked for the traceback
        if os.environ.get("CURATE_DEBUG"):
            raise
        print(
            f"curate: internal error: {e.__class__.__name__}: {e} "
            "(set CURATE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _done(args) -> None:
    """The command's work is complete (a run's output in place, a report written, the gates
    measured): Ctrl-C is ignored from here, so that it cannot turn that outcome into exit 130.
    What is left is a summary and the interpreter's exit, which restores SIGINT's default action
    before it frees its modules (polars, Arrow, the rules: a few tenths of a second): a Ctrl-C
    then killed the process without a word. (Not with Ray, whose own exit may need one.)"""
    if not _as_program or getattr(args, "engine", "local") != "local":
        return
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # (not the main thread: Python's signal handling is not this thread's)
        pass


# -- commands --------------------------------------------------------------------------------------


def _prepare(args):
    if args.engine == "local":
        # This process is one of the run's workers (the only one with --workers 1), each on one
        # core: polars would start a thread per core here (worker processes get one:
        # _worker.init). Alone, on a 200,000-document run, that cost ~12 % more CPU, spent
        # waiting and switching, and no wall time was saved; beside the pool's processes it
        # takes their cores. polars reads this once, when it loads: that is below
        # (load_ruleset), unless the caller imported it already. The same for numpy's BLAS, as
        # in the pool's processes (_worker.init).
        for var in (
            "POLARS_MAX_THREADS",
            "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
        ):
            os.environ.setdefault(var, "1")
    from curate.config import load_ruleset

    ruleset = load_ruleset(args.rules).with_overrides(args.text_column, args.id_column)
    if args.workers < 0:
        raise UsageError("--workers must be 0 (every core) or more")
    if args.ray_address and args.engine != "ray":
        raise UsageError("--ray-address goes with --engine ray")
    return ruleset


def _options(args, own_paths: dict[Path, str] | None = None):
    from curate.engine import RunOptions

    return RunOptions(
        workers=args.workers,
        engine=args.engine,
        ray_address=args.ray_address,
        progress=sys.stderr.isatty() and not args.quiet,
        own_paths={str(p): label for p, label in (own_paths or {}).items()},
    )


def _check_writable(folder: Path, option: str, given: Path) -> None:
    """A usage error now, before any work, for a folder that cannot be made or written in (a file
    in the way, /proc, a read-only disk): the run would otherwise fail at its end, its output
    half in place. A probe folder is made and removed: permissions alone do not tell (root may
    write anywhere by them, and in /proc nobody can)."""
    if given.exists() and not given.is_dir():
        raise UsageError(f"{option} {given}: is a file, not a folder; give a folder name")
    base = folder
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise UsageError(f"{option} {given}: {base} is a file, not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".curate-probe-", dir=base))
    except OSError as e:
        raise UsageError(
            f"{option} {given}: cannot make a folder in {base} ({e.strerror or e})"
        ) from None


def _report_files(report_dir: Path) -> dict[Path, str]:
    """The files write_reports writes (a report.json in an input folder would be read as input;
    the folder may hold the inputs too: `--report-dir .`)."""
    return {
        report_dir / name: "--report-dir" for name in ("report.json", "report.md", "report.html")
    }


def _require_usable_input(args, result, report) -> None:
    """The usage error `check`, `run` and `report` give alike when the rules ran on no rows of an
    input (none found, none readable, or the rest of a file unreadable): a dataset or report of
    data that was never seen would pass for a good one (docs/ci.md)."""
    from curate import gate

    if args.command == "check":
        problems = gate.unreadable_inputs(report)
    else:
        problems = gate.unreadable_inputs(report, "fix the file or leave it out")
    if not problems:
        return
    if report["documents"]["input"] == 0:
        why = _skipped(result) if result.skipped_files else "no rows in the given files or folders"
        raise UsageError(f"input {' '.join(args.inputs)}: no documents found ({why})")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise UsageError(problems[0] + more)


def _skipped(result) -> str:
    """Files of the input folders that no reader takes (a .html, a .docx), in a few words."""
    files = result.skipped_files
    return (
        f"skipped {len(files):,} file{'s' if len(files) > 1 else ''} of other types, "
        f"first {files[0]}; inputs are .jsonl, .jsonl.gz, .json, .parquet, .csv or .txt"
    )


def _default_name(args) -> str:
    if args.name:
        return args.name
    if getattr(args, "out", None):
        return Path(args.out).resolve().name
    first = args.inputs[0]
    return first[3:].replace("/", "_") if first.startswith("hf:") else Path(first).resolve().stem


def _command_line() -> str:
    return " ".join(["curate", *sys.argv[1:]])


def cmd_run(args) -> int:
    from curate import _pool

    # the worker processes import polars and the rules while this process loads them too; a
    # run that stops before its first pass (a usage error, Ctrl-C while they start) stops them
    try:
        _pool.prestart(args.inputs, args.workers, args.engine)
        return _run_command(args)
    finally:
        _pool.release()


def _run_command(args) -> int:
    from curate import engine
    from curate.io.writers import hf_needs_datasets, write_output
    from curate.report import write_reports
    from curate.report.card import render_card

    ruleset = _prepare(args)
    out: Path = args.out
    _check_writable(out.parent, "--out", out)  # (the work folder is made beside it)
    if out.exists() and not (args.overwrite or args.resume):
        raise UsageError(f"--out {out}: already exists; use --overwrite to replace it")
    work = out.parent / f".{out.name}.curate-tmp"
    if work.exists() and not (args.resume or args.overwrite):
        raise UsageError(
            f"an interrupted run left {work}; use --resume to continue it "
            "or --overwrite to start over"
        )
    if out.exists() and args.resume and not work.exists():
        raise UsageError(f"--out {out}: already complete; nothing to resume")
    name = _default_name(args)
    report_dir = args.report_dir or Path("reports") / name
    _check_writable(report_dir, "--report-dir", report_dir)
    old = out.parent / f".{out.name}.curate-old"
    own = {out: "--out", work: "--out", old: "--out", **_report_files(report_dir)}
    options = _options(args, own)
    if args.format == "hf" and hf_needs_datasets():  # loaded while the workers run, not after
        options.while_waiting = _load_hf_writer
    result, prefixes = engine.run(args.inputs, ruleset, options, work, resume=args.resume)
    report = _build_report(args, ruleset, result)
    try:
        _require_usable_input(args, result, report)
    except UsageError:
        shutil.rmtree(work)  # nothing of the run is left (an earlier --out stays as it was)
        raise
    final = work / "out"
    if final.exists():
        shutil.rmtree(final)
    write_output(prefixes, final, args.format, ruleset.text_column)
    (final / "README.md").write_text(render_card(report, args.format), encoding="utf-8")
    _done(args)  # the dataset goes in place and the report follows, whatever Ctrl-C says
    if out.exists():  # --overwrite: the old output goes only once the new one is complete
        os.replace(out, old)
        os.replace(final, out)
        shutil.rmtree(old)
    else:
        os.replace(final, out)
    shutil.rmtree(work)
    # the report's files once the dataset is in place (~0.05 CPU s for a 200,000-document run)
    write_reports(report, report_dir)
    if not args.quiet:
        _summary(report, result, f"{out} ({args.format})", report_dir)
    return EXIT_OK


def _load_hf_writer() -> None:
    # only for a datasets version whose metadata the writer does not write itself
    import datasets  # noqa: F401  (~0.75 CPU s)


def _build_report(args, ruleset, result) -> dict:
    from curate import engine
    from curate.report.build import build_report

    return build_report(
        result,
        ruleset,
        name=_default_name(args),
        command=_command_line(),
        engine=args.engine,
        workers=engine.Runner(ruleset, _options(args)).workers,
    )


def _evaluate(args, ruleset, report_dir: Path | None):
    """The run's result and report, for a command that writes no output (`report`, `check`), or
    a usage error for an input the rules saw no usable rows of. Nothing is written, so an OSError
    or Arrow error can only come from an input a reader cannot parse at all."""
    import pyarrow as pa

    from curate import engine

    if report_dir is not None:
        _check_writable(report_dir, "--report-dir", report_dir)
    own = _report_files(report_dir) if report_dir is not None else {}
    try:
        result, _ = engine.run(args.inputs, ruleset, _options(args, own), None)
    except (OSError, pa.ArrowException) as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise UsageError(
            f"input {' '.join(args.inputs)}: a file cannot be read "
            f"({e.__class__.__name__}: {detail})"
        ) from None
    report = _build_report(args, ruleset, result)
    _require_usable_input(args, result, report)
    return result, report


def cmd_report(args) -> int:
    from curate.report import write_reports

    ruleset = _prepare(args)
    report_dir = args.report_dir or Path("reports") / _default_name(args)
    result, report = _evaluate(args, ruleset, report_dir)
    write_reports(report, report_dir)
    if not args.quiet:
        _summary(report, result, None, report_dir)
    return EXIT_OK


def cmd_check(args) -> int:
    """Exit 0 when no error-level gate fails (warnings are printed), 1 when one does, 2 when the
    gates cannot be measured (bad usage, a bad rule set or baseline, unreadable input files)."""
    from curate import gate
    from curate.report import write_reports

    ruleset = _prepare(args)
    rule_names = {s.rule for s in ruleset.rules}
    baseline = None
    if args.baseline is not None:
        baseline = gate.load_baseline(args.baseline)
        if not gate.has_regression_gates(ruleset.gates, rule_names):
            raise UsageError(
                f"--baseline: the rule set {ruleset.source} sets no tolerance; add "
                "gates: {baseline: {tolerance: 0.02}} or a gate's max_regression"
            )
    if args.junit is not None and args.junit.is_dir():
        raise UsageError(f"--junit {args.junit}: is a folder; give a file name")
    if args.junit is not None:  # (written after the whole run: a usage error now, not then)
        _check_writable(args.junit.parent, "--junit", args.junit.parent)
    result, report = _evaluate(args, ruleset, args.report_dir)
    results = gate.evaluate_gates(ruleset.gates, report, baseline, rule_names)
    report["gates"] = [r.as_dict() for r in results]
    if args.junit:
        d = report["documents"]
        props = {
            "ruleset": ruleset.name,
            "ruleset_hash": ruleset.hash,
            "inputs": " ".join(args.inputs),
            "documents": d["input"],
            "unreadable": d["unreadable"],
        }
        if args.baseline is not None:
            props["baseline"] = str(args.baseline)
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(
            gate.junit_xml(results, f"curate check {ruleset.name}", props), encoding="utf-8"
        )
    if args.report_dir:
        write_reports(report, args.report_dir)
    failed = [r for r in results if r.verdict == "FAIL"]
    warned = [r for r in results if r.verdict == "WARN"]
    print(gate.table(results) if results else "(the rule set defines no gates)")
    if baseline is not None:
        for note in gate.baseline_notes(report, baseline):
            print(f"note: {note}")
    if os.environ.get("GITHUB_ACTIONS") == "true":  # annotations on the workflow run's page
        for r in failed + warned:
            kind = "error" if r.verdict == "FAIL" else "warning"
            print(f"::{kind} title=curate check::{r.message()}")
    d = report["documents"]
    print(
        f"{d['input']:,} documents: {d['kept']:,} kept, {d['dropped']:,} dropped, "
        f"{d['unreadable']:,} unreadable; gates: {len(results)} checked, {len(failed)} failed, "
        f"{len(warned)} warned"
    )
    if result.skipped_files:
        print(f"note: {_skipped(result)}")
    if args.report_dir and not args.quiet:
        print(f"report: {args.report_dir / 'report.html'}")
    return EXIT_GATE if failed else EXIT_OK


def cmd_diff(args) -> int:
    import json

    from curate.report import diff

    d = diff.diff_reports(diff.load_report(args.report_a), diff.load_report(args.report_b))
    if args.format == "json":
        print(json.dumps(d, indent=2, ensure_ascii=False))
    else:
        print(diff.render_markdown(d) if args.format == "md" else diff.render_text(d), end="")
    return EXIT_OK


def cmd_rules(args) -> int:
    from curate.checks import all_rules, closest_rule
    from curate.config import builtin_rulesets
    from curate.rule_docs import rule_doc

    rules = all_rules()
    rulesets = builtin_rulesets()
    if args.name in rulesets and args.name not in rules:  # its YAML: to read, or to copy and edit
        print(rulesets[args.name].read_text(encoding="utf-8"), end="")
        return EXIT_OK
    if args.name:
        if args.name not in rules:
            import difflib

            near_set = difflib.get_close_matches(args.name, list(rulesets), n=1, cutoff=0.75)
            hint = near_set[0] if near_set else closest_rule(args.name)
            raise UsageError(
                f"unknown rule or rule set {args.name!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + "; `curate rules` lists them"
            )
        print(rule_doc(rules[args.name]))
        return EXIT_OK
    width = max(len(n) for n in rules)
    for name, cls in rules.items():
        first = (cls.__doc__ or "").strip().splitlines()[0]
        print(f"{name:<{width}}  {first}  [{', '.join(cls.actions)}]")
    print(f"\nbuilt-in rule sets: {', '.join(rulesets)}")
    print("`curate rules NAME` prints a rule's documentation, or a built-in rule set's YAML.")
    return EXIT_OK


def _summary(report, result, out: str | None, report_dir: Path) -> None:
    d = report["documents"]
    dest = f" -> {out}" if out else ""
    print(
        f"{d['input']:,} documents: {d['kept']:,} kept, {d['dropped']:,} dropped, "
        f"{d['unreadable']:,} unreadable{dest}"
    )
    if result.skipped_files:  # (files in the input folders that no reader takes)
        print(f"note: {_skipped(result)}")
    rows = (report.get("unreadable") or {}).get("rows") or []
    if rows:  # where to look first; every row (up to the report's cap) is in the report
        first = rows[0]
        print(
            f"note: unreadable rows are listed in the report; the first: {first['file']} line "
            f"{first['line']}: {first['reason']}"
        )
    for name, r in report["rules"].items():
        print(
            f"  {name:<22} fired {r['fired']:>8,}  dropped {r['dropped']:>8,}  "
            f"chars removed {r['chars_removed']:>10,}"
        )
    print(f"report: {report_dir / 'report.html'}")
