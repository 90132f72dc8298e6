"""The pass driver: simplify, CSE and DCE, in turn, until none changes anything."""

from __future__ import annotations

from ..ir.nodes import Function
from .cse import cse
from .dce import dce
from .simplify import simplify

PASSES = (simplify, cse, dce)
MAX_ROUNDS = 50


def optimize(fn: Function) -> Function:
    for _ in range(MAX_ROUNDS):
        changed = False
        for run in PASSES:
            changed |= run(fn)
        if not changed:
            break
    return fn
