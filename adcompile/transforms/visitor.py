"""Walking a region's ops in program order, one method per kind of op."""

from __future__ import annotations

from ..ir.nodes import Region


class OpVisitor:
    """Sends each op of a region to the subclass's `cond`, `loop` or `primitive`."""

    def region(self, region: Region, b) -> None:
        for op in region.ops:
            if op.prim == "cond":
                self.cond(op, b)
            elif op.prim == "loop":
                self.loop(op, b)
            else:
                self.primitive(op, b)
