"""Appending ops to a region: the one way the frontend and the transforms make IR."""

from __future__ import annotations

from contextlib import contextmanager

from ..errors import Loc
from .infer import infer_op
from .nodes import Op, Region, Value
from .structured import is_structured


class Builder:
    """Appends ops to the end of a region; types them when their inputs are typed."""

    def __init__(self, region: Region, loc: Loc | None = None):
        self.region = region
        self.loc = loc

    def emit(self, prim: str, inputs: list[Value], params: dict | None = None, *,
             hint: str | None = None, n_out: int = 1, regions: list[Region] | None = None,
             loc: Loc | None = None) -> Op:
        loc = loc or self.loc
        outputs = [Value(hint, loc) for _ in range(n_out)]
        op = Op(prim, list(inputs), outputs, dict(params or {}), list(regions or []), loc,
                self.deriving)
        self.region.ops.append(op)
        # Structured ops are typed by whoever fills their regions.
        if not is_structured(op) and all(v.type is not None for v in inputs):
            infer_op(op)
        return op

    def apply(self, prim: str, *inputs: Value, hint: str | None = None, **params) -> Value:
        return self.emit(prim, list(inputs), params, hint=hint).output

    def const(self, value, hint: str | None = None) -> Value:
        return self.emit("const", [], {"value": value}, hint=hint).output

    deriving = False  # whether the ops emitted now are a derivative rule's

    @contextmanager
    def derivative_rule(self):
        """Emit the ops of a derivative rule for the duration of a `with` block."""
        saved = self.deriving
        self.deriving = True
        try:
            yield self
        finally:
            self.deriving = saved

    @contextmanager
    def into(self, region: Region):
        """Emit into `region` for the duration of a `with` block."""
        saved = self.region
        self.region = region
        try:
            yield self
        finally:
            self.region = saved
