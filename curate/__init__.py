"""curate: evaluate the quality of text collections and curate them into clean training data.

`import curate` stays cheap: datasets, langdetect and ray load only where they are used.
The Python API (`clean`, `evaluate`, `check`) lives in `curate.api` and is re-exported lazily.
"""

from __future__ import annotations

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
