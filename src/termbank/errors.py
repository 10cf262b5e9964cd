"""Errors shown to the user.

Every error that reaches the command line is a :class:`TermbankError`: the CLI prints
``str(error)`` as one line on standard error and exits with ``error.exit_code``
(see SPEC.md, "Exit codes"). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "TermbankError",
    "UsageError",
    "FormatError",
    "StoreError",
    "NotFound",
    "ConflictError",
    "ConfigError",
]


class TermbankError(Exception):
    """Base class of the errors that are displayed to the user."""

    exit_code = 1


class UsageError(TermbankError):
    """A command was called with arguments that make no sense (exit 2)."""

    exit_code = 2


class FormatError(TermbankError):
    """An input file cannot be read; nothing was written (exit 3).

    ``file`` and ``line`` locate the problem; ``str()`` gives ``file:line: message``.
    """

    exit_code = 3

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or ""
        if self.file and self.line is not None:
            where = f"{self.file}:{self.line}"
        return f"{where}: {self.message}" if where else self.message

    def located(self, file: str | None = None, line: int | None = None) -> "FormatError":
        """Return a copy of this error with the file (and line) filled in."""
        return type(self)(self.message, file or self.file, line if line is not None else self.line)


class StoreError(TermbankError):
    """The database cannot be opened, migrated or written (exit 4)."""

    exit_code = 4


class NotFound(TermbankError):
    """A named concept or unit does not exist (exit 2: the user named it)."""

    exit_code = 2


class ConflictError(StoreError):
    """An edit was based on a stale version of a concept (exit 4)."""


class ConfigError(TermbankError):
    """The configuration (database URL, config file) is wrong (exit 2)."""

    exit_code = 2
