"""Walking a region's ops in program order, one method per kind of op."""

from __future__ import annotations

from ..ir.nodes import Region
from ..ir.structured import Cond, structured


class OpVisitor:
    """Sends each op of a region to the subclass's `cond` or `loop` (with the op's view
    from `ir.structured`) or `primitive` (with the op)."""

    def region(self, region: Region, b) -> None:
        for op in region.ops:
            view = structured(op)
            if view is None:
                self.primitive(op, b)
            elif isinstance(view, Cond):
                self.cond(view, b)
            else:
                self.loop(view, b)
