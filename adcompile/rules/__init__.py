"""Derivative rules. Importing this package fills the registry with every rule."""

# each module registers its rules
from . import arithmetic, arrays, elementwise, indexing, linalg, runtime_ops  # noqa: F401
from .registry import RULES, DiffBuilder, rule_for

__all__ = ["RULES", "DiffBuilder", "rule_for"]
