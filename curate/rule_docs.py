"""A rule's documentation page (`curate rules NAME`), generated from its docstring and Params."""

from __future__ import annotations

import dataclasses
import inspect

from curate.checks.base import param_types


def rule_doc(cls) -> str:
    lines = [f"{cls.name}  ({cls.family} family; actions: {', '.join(cls.actions)})", ""]
    lines.append(inspect.cleandoc(cls.__doc__ or ""))
    fields = dataclasses.fields(cls.Params)
    if fields:
        hints = param_types(cls.Params)
        lines += ["", "Parameters (rule-set keys):"]
        for f in fields:
            meta = f.metadata
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            t = getattr(hints[f.name], "__name__", str(hints[f.name]))
            unit = f" [{meta['unit']}]" if meta.get("unit") else ""
            lines.append(f"  {f.name}: {t} = {default!r}{unit}")
            if meta.get("doc"):
                lines.append(f"      {meta['doc']}")
            if meta.get("source"):
                lines.append(f"      default from: {meta['source']}")
    return "\n".join(lines)
