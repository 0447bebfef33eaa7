"""curate: evaluate the quality of text collections and curate them into clean training data.

`import curate` stays cheap: datasets, langdetect and ray load only where they are used.
The Python API (`clean`, `evaluate`, `check`) lives in `curate.api` and is re-exported lazily.
"""

from __future__ import annotations

import os as _os

# polars' allocator (its own jemalloc, configured by _RJEM_MALLOC_CONF when it starts, so set
# before polars loads; a setting of the caller's wins): without a dedicated arena for requests
# over 8 MiB, which returns their pages at once, so that the rules' large intermediate columns
# (lines, tokens: batch after batch) reuse memory instead of page-faulting it in afresh: ~1.3-1.9
# CPU s (mostly system time) of a 200,000-document run of ~25 s (bench/results/run_overhead.md,
# session 8), the same peak memory
_os.environ.setdefault("_RJEM_MALLOC_CONF", "oversize_threshold:0")

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
