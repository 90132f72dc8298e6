"""Every error adcompile raises on purpose, and the one it raises when it fails.

Errors about the user's program carry a `Loc`: the file, the line and column, and the
text of that line, so the message can show a caret under the construct that was refused
and say what to write instead. Errors about how the API was called also derive from the
builtin exception Python would use (`TypeError`, `ValueError`), so code written against
plain Python keeps catching them. Anything else that escapes the compiler is a bug in
adcompile and reaches the user as an `InternalCompilerError`.
"""

from __future__ import annotations

import contextlib
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


class AdcompileTypeError(AdcompileError, TypeError):
    """An API call with an argument of a type, or a number of arguments, not accepted."""


class AdcompileValueError(AdcompileError, ValueError):
    """An API call with an argument of the right type but a value not accepted."""


class InternalCompilerError(AdcompileError):
    """An unexpected exception inside the compiler: a bug in adcompile, not in the user's
    code. The original exception is chained as ``__cause__``."""

    def __init__(self, stage: str, cause: BaseException):
        self.stage = stage
        super().__init__(
            f"internal compiler error while {stage}: {type(cause).__name__}: {cause}\n"
            "This is a bug in adcompile, not in your code. Please report it with a minimal "
            "example: the function, the transform, the types of the arguments, and this "
            "message with its traceback.")


@contextlib.contextmanager
def compiler_stage(doing: str, expected: tuple = (AdcompileError,)):
    """Let the exceptions a compiler stage raises on purpose (`expected`) through;
    report any other as an `InternalCompilerError` saying what the compiler was `doing`."""
    try:
        yield
    except (*expected, InternalCompilerError):  # a nested transform's names its own stage
        raise
    except Exception as exc:
        raise InternalCompilerError(doing, exc) from exc
