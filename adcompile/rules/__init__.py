"""Derivative rules. Importing this package fills the registry with every rule."""

from . import (arithmetic, arrays, batching, elementwise, indexing, linalg,  # noqa: F401
               lists, products, reductions, runtime_ops,
               shapes)  # (each module registers its rules)
from .registry import BATCH_RULES, RULES, DiffBuilder, rule_for

__all__ = ["BATCH_RULES", "RULES", "DiffBuilder", "rule_for"]
