"""The rule registry: stable rule names mapped to their implementations.

One module per family. Adding a rule means writing its class in its family module (decorated with
`@register`) and its tests; adding a family means adding the module name to FAMILIES.
"""

from __future__ import annotations

import difflib
import importlib

from curate.checks.base import Rule

FAMILIES = ("boilerplate", "repetition", "dedup", "language", "truncation", "quality", "custom")

_REGISTRY: dict[str, type[Rule]] = {}
_loaded = False


def register(cls: type[Rule]) -> type[Rule]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise RuntimeError(f"two rules are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for family in FAMILIES:
            importlib.import_module(f"curate.checks.{family}")
        _loaded = True


def all_rules() -> dict[str, type[Rule]]:
    _load()
    return dict(sorted(_REGISTRY.items()))


def get_rule(name: str) -> type[Rule] | None:
    _load()
    return _REGISTRY.get(name)


def closest_rule(name: str) -> str | None:
    _load()
    match = difflib.get_close_matches(name, list(_REGISTRY), n=1, cutoff=0.5)
    return match[0] if match else None
