"""Derivative rules. Importing this package fills the registry with every rule."""

from . import (arithmetic, arrays, elementwise, indexing, linalg, products,  # noqa: F401
               reductions, runtime_ops, shapes)  # (each module registers its rules)
from .registry import RULES, DiffBuilder, rule_for

__all__ = ["RULES", "DiffBuilder", "rule_for"]
