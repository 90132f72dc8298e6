"""The IR as Graphviz DOT, in the seeds' style: values are orange filled ellipses,
operations light-blue filled boxes, edges run value -> operation -> value.

A region (a branch of a ``cond``, a loop's body) is a cluster drawn once: a loop is
never unrolled, so the graph's size does not depend on how many times it runs. Node ids
are numbers given in program order, so the text is the same from run to run. The output
is plain standard DOT (``digraph {``) that every Graphviz build accepts.
"""

from __future__ import annotations

from .nodes import Function, Op, Region, Value, walk_ops
from .printer import _region_label

_VALUE = '{id} [label="{label}", color=orange, style=filled]'
_OP = '{id} [label="{label}", color=lightblue, style=filled, shape=box]'


def function_to_dot(fn: Function, verbose: bool = False) -> str:
    return _Dot(verbose).render(fn)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _Dot:
    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.ids: dict[object, int] = {}
        self.lines: list[str] = []
        self.clusters = 0

    def node_id(self, thing) -> int:
        if thing not in self.ids:
            self.ids[thing] = len(self.ids) + 1
        return self.ids[thing]

    def value_label(self, value: Value, op: Op | None) -> str:
        if op is not None and op.prim == "const":
            label = repr(op.params["value"])
        else:
            label = value.hint or ""
        if self.verbose and value.type is not None:
            t = value.type
            details = f"{t.shape} {t.dtype}" if t.is_array else t.dtype
            label = f"{label}: {details}" if label else details
        return _escape(label)

    def value(self, value: Value, op: Op | None, indent: str) -> int:
        new = value not in self.ids
        node = self.node_id(value)
        if new:
            self.lines.append(indent + _VALUE.format(id=node, label=self.value_label(value, op)))
        return node

    def render(self, fn: Function) -> str:
        self.consts = {op.output: op for op in walk_ops(fn.body) if op.prim == "const"}
        # Anonymous: a graph name after `digraph` is where one Graphviz build (seed 003)
        # failed, and the name adds nothing to the drawing.
        self.lines.append("digraph {")
        for param in fn.params:
            self.value(param, None, "  ")
        self.region(fn.body, "  ")
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def region(self, region: Region, indent: str) -> None:
        for op in region.ops:
            if op.prim == "const":
                continue  # drawn where used, as a value labelled with the number
            node = self.node_id(op)
            label = op.prim if not op.params.get("kind") else f"{op.prim} {op.params['kind']}"
            self.lines.append(indent + _OP.format(id=node, label=_escape(label)))
            for value in op.inputs:
                source = self.value(value, self._const_op(value), indent)
                self.lines.append(f"{indent}{source} -> {node}")
            for k, inner in enumerate(op.regions):
                self.clusters += 1
                self.lines.append(f"{indent}subgraph cluster_{self.clusters} {{")
                self.lines.append(f'{indent}  label="{_region_label(op, k)}"')
                for param in inner.params:
                    self.value(param, None, indent + "  ")
                self.region(inner, indent + "  ")
                for result in inner.results:
                    self.value(result, self._const_op(result), indent + "  ")
                self.lines.append(f"{indent}}}")
                for result in inner.results:
                    self.lines.append(f"{indent}{self.node_id(result)} -> {node} [style=dashed]")
            for out in op.outputs:
                self.lines.append(f"{indent}{node} -> {self.value(out, op, indent)}")

    def _const_op(self, value: Value) -> Op | None:
        return self.consts.get(value)

