"""curate: evaluate the quality of text collections and curate them into clean training data.

`import curate` stays cheap: datasets, langdetect and ray load only where they are used.
The Python API (`clean`, `evaluate`, `check`) lives in `curate.api` and is re-exported lazily.
"""

from __future__ import annotations

import os as _os

# polars' allocator (its own jemalloc, configured from _RJEM_MALLOC_CONF when it starts: set
# before polars loads; polars appends the value to its own dirty_decay_ms:500,muzzy_decay_ms:1000,
# later settings win; a caller's own setting is left alone). Freed pages are kept 5 s, not 0.5-1,
# and requests over 8 MiB come from the same arenas, not one that returns their pages at once:
# batch after batch, the rules' large columns (lines, tokens) reuse memory instead of
# page-faulting it in afresh. A 200,000-document run: ~390k -> ~150k minor faults, 1.5-3 CPU s
# less (mostly system time), the same peak memory (bench/results/run_overhead.md, session 8).
_os.environ.setdefault(
    "_RJEM_MALLOC_CONF", "oversize_threshold:0,dirty_decay_ms:5000,muzzy_decay_ms:5000"
)

__version__ = "0.1.0"

__all__ = ["__version__", "clean", "evaluate", "check", "load_ruleset"]


def __getattr__(name: str):
    if name in ("clean", "evaluate", "check"):
        from curate import api

        return getattr(api, name)
    if name == "load_ruleset":
        from curate.config import load_ruleset

        return load_ruleset
    raise AttributeError(f"module 'curate' has no attribute {name!r}")
