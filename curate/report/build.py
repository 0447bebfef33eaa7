"""The report dict (schema of `report.json`, version SCHEMA_VERSION).

Top-level keys:
  schema_version  int
  curate_version  package version that wrote it
  run             {name, command, ruleset {name, hash, source}, inputs, input_fingerprint,
                   shards, seconds, engine, workers}
  documents       {input, kept, dropped, unreadable}    input == kept + dropped + unreadable
  characters      {input, output, removed}
  rules           {RULE: {action, doc, fired, dropped, chars_removed, lines_removed, params,
                          signal {name, edges, counts, threshold, param}, examples [...]}}
  languages       {CODE: documents}
  lengths         {edges, before, after}   characters per document (before: every readable row;
                                           after: kept rows after strip actions)
  corpus          {RULE: summary of the rule's corpus-level pass}
  unreadable      {count, rows: [{file, line, reason}] (at most 1000 listed)}
  skipped_files   files in input folders that are not a known input type (at most 1000 listed)
  skipped_count   how many there are
  gates           (curate check) [{gate, level, threshold, value, verdict}]

docs/report-schema.md documents every key; a change that removes or renames a key bumps
SCHEMA_VERSION.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from curate import __version__
from curate.config import RuleSet
from curate.engine import RunResult
from curate.report import SCHEMA_VERSION
from curate.stats import LENGTH_EDGES

# what the report lists at most, whatever the corpus size (docs/report-schema.md)
MAX_TOP_LINES = 100
MAX_LINE_CHARS = 500
MAX_SKIPPED_FILES = 1000


def build_report(
    result: RunResult,
    ruleset: RuleSet,
    *,
    name: str,
    command: str,
    engine: str = "local",
    workers: int = 1,
) -> dict[str, Any]:
    s = result.stats
    from curate.checks import get_rule

    rules: dict[str, Any] = {}
    for spec in ruleset.rules:
        rs = s.rules.get(spec.rule)
        threshold = None
        cls = get_rule(spec.rule)
        if cls.threshold_param:
            threshold = getattr(spec.params, cls.threshold_param, None)
        rules[spec.rule] = {
            "action": spec.action,
            "doc": _first_line(cls.__doc__),
            "fired": rs.fired if rs else 0,
            "dropped": rs.dropped if rs else 0,
            "chars_removed": rs.chars_removed if rs else 0,
            "lines_removed": rs.lines_removed if rs else 0,
            "params": dataclasses.asdict(spec.params),
            "signal": {
                "name": rs.signal,
                "edges": rs.edges,
                "counts": rs.hist,
                "threshold": threshold,
                "param": cls.threshold_param,
            }
            if rs and rs.signal
            else None,
            "examples": rs.examples if rs else [],
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "curate_version": __version__,
        "run": {
            "name": name,
            "command": command,
            "ruleset": {
                "name": ruleset.name,
                "hash": ruleset.hash,
                "source": ruleset.source,
                "description": ruleset.description,
            },
            "inputs": result.inputs,
            "input_fingerprint": result.fingerprint,
            "shards": result.shards,
            "seconds": round(result.seconds, 3),
            "engine": engine,
            "workers": workers,
        },
        "documents": {
            "input": s.input,
            "kept": s.kept,
            "dropped": s.dropped,
            "unreadable": s.unreadable,
        },
        "characters": {"input": s.chars_in, "output": s.chars_out, "removed": s.chars_removed},
        "rules": rules,
        "languages": dict(sorted(s.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "lengths": {
            "edges": list(LENGTH_EDGES),
            "before": s.length_before,
            "after": s.length_after,
        },
        "corpus": _bounded_corpus(s.corpus),
        "unreadable": {"count": s.unreadable, "rows": s.unreadable_rows},
        "skipped_files": result.skipped_files[:MAX_SKIPPED_FILES],
        "skipped_count": len(result.skipped_files),
    }


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ").strip()


def _bounded_corpus(corpus: dict[str, Any]) -> dict[str, Any]:
    """The corpus summaries with their repeated-line lists capped, so a rule that hands over more
    cannot grow the report with the corpus. (A rule's lists keep its order: duplicate-documents
    lists its clusters of one size in input order, file and line.)"""
    out = {}
    for rule, summary in corpus.items():
        if isinstance(summary, dict) and isinstance(summary.get("top_lines"), list):
            lines = [
                {**line, "text": str(line.get("text", ""))[:MAX_LINE_CHARS]}
                if isinstance(line, dict)
                else line
                for line in summary["top_lines"][:MAX_TOP_LINES]
            ]
            summary = {**summary, "top_lines": lines}
        out[rule] = summary
    return out
