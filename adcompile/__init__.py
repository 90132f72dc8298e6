"""adcompile: a source-to-source automatic-differentiation compiler for Python.

Write an ordinary Python/NumPy function; adcompile reads its source, builds an SSA IR,
differentiates it, and emits Python you can read, save and differentiate again.
"""

from .api import grad, value_and_grad
from .errors import (AdcompileError, GraphvizNotFoundError, NonDifferentiableError,
                     SourceUnavailableError, UnsupportedSyntaxError)

__all__ = ["grad", "value_and_grad", "UnsupportedSyntaxError", "SourceUnavailableError",
           "NonDifferentiableError", "GraphvizNotFoundError", "AdcompileError"]
__version__ = "0.1.0"
