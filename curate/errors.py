"""Errors a user can act on. The CLI prints them as one line on stderr and exits with 2."""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in the command line, the rule set or the input files: exit 2, nothing written."""


class RuleSetError(UsageError):
    """The rule set is not valid. The message names the file, the key and the valid choices."""
