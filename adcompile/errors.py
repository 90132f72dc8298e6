"""Errors that point into the user's source.

Every error raised while compiling a user's function carries a `Loc`: the file, the
line and column, and the text of that line, so the message can show a caret under the
construct that was refused and say what to write instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A place in a source file: 1-based line, 0-based column, and the line's text."""

    filename: str
    line: int
    col: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col + 1}"

    def excerpt(self) -> str:
        if not self.text:
            return ""
        stripped = self.text.rstrip("\n")
        return f"    {stripped}\n    {' ' * self.col}^"


class AdcompileError(Exception):
    """Base class of every error adcompile raises on purpose."""


class LocatedError(AdcompileError):
    """An error about a construct at a known place in the user's source."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        parts.append(f"{self.loc}: {self.message}" if self.loc else self.message)
        if self.loc and self.loc.excerpt():
            parts.append(self.loc.excerpt())
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class UnsupportedSyntaxError(LocatedError):
    """The function uses a construct adcompile does not compile."""


class ShapeError(LocatedError, ValueError):
    """Operands whose shapes or dtypes do not fit the operation, found while compiling."""


class SourceUnavailableError(AdcompileError):
    """The function has no Python source to read (a builtin, or made by exec)."""


class NonDifferentiableError(LocatedError):
    """A derivative was asked through an operation that has none."""


class GraphvizNotFoundError(AdcompileError):
    """Graphviz's `dot` program is needed but is not installed."""
