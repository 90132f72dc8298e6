"""Summing a broadcast result back to an operand's shape (the adjoint of broadcasting)."""

from __future__ import annotations

import numpy as np


def sum_to(g, like):
    """`g` summed over the axes along which `like` was broadcast to g's shape.

    A Python scalar `like` gets a Python float back.
    """
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    extra = np.ndim(g) - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and np.shape(g)[extra + i] != 1)
    total = np.sum(g, axis=axes, keepdims=False) if axes else g
    total = np.asarray(total).reshape(shape)
    return float(total) if not isinstance(like, np.ndarray) else total
