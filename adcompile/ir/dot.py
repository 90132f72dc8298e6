"""The IR as Graphviz DOT, in the seeds' style: values are orange filled ellipses,
operations light-blue filled boxes, edges run value -> operation -> value.

A region (a branch of a ``cond``, a loop's body) is a cluster drawn once: a loop is
never unrolled, so the graph's size does not depend on how many times it runs. Node ids
are numbers given in program order, so the text is the same from run to run. The output
is plain standard DOT (``digraph {``) that every Graphviz build accepts.
"""

from __future__ import annotations

from .nodes import Function, Op, Region, Value, walk_ops
from .printer import param_text
from .structured import region_labels

_VALUE = '{id} [label="{label}", color=orange, style=filled]'
_OP = '{id} [label="{label}", color=lightblue, style=filled, shape=box]'


def function_to_dot(fn: Function, verbose: bool = False) -> str:
    return _Dot(verbose).render(fn)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _Dot:
    """Nodes are declared inside the cluster of the region that defines them; every edge
    is written at the end, outside all clusters, because DOT puts a node in the first
    subgraph that names it, edges included."""

    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.ids: dict[object, int] = {}
        self.lines: list[str] = []
        self.edges: list[str] = []
        self.clusters = 0

    def node_id(self, thing) -> int:
        if thing not in self.ids:
            self.ids[thing] = len(self.ids) + 1
        return self.ids[thing]

    def value_label(self, value: Value, const: Op | None) -> str:
        label = repr(const.params["value"]) if const is not None else (value.hint or "")
        if self.verbose and value.type is not None:
            t = value.type
            details = f"{t.shape} {t.dtype}" if t.is_array else str(t)
            label = f"{label}: {details}" if label else details
        return _escape(label)

    def declare(self, value: Value, indent: str) -> None:
        node = self.node_id(value)
        self.lines.append(indent + _VALUE.format(id=node, label=self.value_label(value, None)))

    def source(self, value: Value, reader: object, indent: str) -> int:
        """The node an edge into `reader` starts from: a constant is drawn anew at each
        use, labelled with its number."""
        const = self.consts.get(value)
        if const is None:
            return self.node_id(value)
        node = self.node_id((value, reader, len(self.ids)))
        self.lines.append(indent + _VALUE.format(id=node, label=self.value_label(value, const)))
        return node

    def render(self, fn: Function) -> str:
        self.consts = {op.output: op for op in walk_ops(fn.body) if op.prim == "const"}
        # Anonymous: a graph name after `digraph` is where one Graphviz build (seed 003)
        # failed, and the name adds nothing to the drawing.
        self.lines.append("digraph {")
        for param in fn.params:
            self.declare(param, "  ")
        self.region(fn.body, "  ")
        self.lines.extend("  " + edge for edge in self.edges)
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def region(self, region: Region, indent: str) -> None:
        for op in region.ops:
            if op.prim == "const":
                continue  # drawn at each use, as a value labelled with the number
            node = self.node_id(op)
            label = " ".join([op.prim] + [
                value if key == "kind" else f"{key}={param_text(value)}"
                for key, value in sorted(op.params.items())])
            self.lines.append(indent + _OP.format(id=node, label=_escape(label)))
            for value in op.inputs:
                self.edges.append(f"{self.source(value, op, indent)} -> {node}")
            for label, inner in zip(region_labels(op), op.regions):
                self.clusters += 1
                self.lines.append(f"{indent}subgraph cluster_{self.clusters} {{")
                self.lines.append(f'{indent}  label="{label}"')
                for param in inner.params:
                    self.declare(param, indent + "  ")
                self.region(inner, indent + "  ")
                for result in inner.results:
                    self.edges.append(f"{self.source(result, inner, indent + '  ')} -> {node} "
                                      "[style=dashed]")
                self.lines.append(f"{indent}}}")
            for out in op.outputs:
                self.declare(out, indent)
                self.edges.append(f"{node} -> {self.node_id(out)}")
