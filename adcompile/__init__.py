"""adcompile: a source-to-source automatic-differentiation compiler for Python.

Write an ordinary Python/NumPy function; adcompile reads its source, builds an SSA IR,
differentiates it, and emits Python you can read, save and differentiate again.
"""

__version__ = "0.1.0"

from . import testing
from .api import (derivative, grad, hessian, hvp, jacobian, jvp, primal, value_and_grad,
                  vjp)
from .api import plot, to_dot
from .export import export
from .errors import (AdcompileError, AdcompileTypeError, AdcompileValueError,
                     GraphvizNotFoundError, InternalCompilerError, NonDifferentiableError,
                     ShapeError, SourceUnavailableError, UnsupportedSyntaxError)

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "hessian", "hvp", "jacobian",
           "derivative",
           "primal", "to_dot", "plot", "export", "testing", "UnsupportedSyntaxError",
           "SourceUnavailableError", "NonDifferentiableError", "ShapeError",
           "GraphvizNotFoundError", "AdcompileTypeError", "AdcompileValueError",
           "InternalCompilerError", "AdcompileError"]
