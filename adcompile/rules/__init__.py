"""Derivative rules. Importing this package fills the registry with every rule."""

from . import (arithmetic, arrays, elementwise, indexing, linalg, runtime_ops,  # noqa: F401
               shapes)  # (each module registers its rules)
from .registry import RULES, DiffBuilder, rule_for

__all__ = ["RULES", "DiffBuilder", "rule_for"]
