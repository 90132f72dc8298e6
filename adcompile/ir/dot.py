"""The IR as Graphviz DOT, in the seeds' style (DeZero's ``get_dot_graph``): values are
orange filled ellipses, operations light-blue filled boxes, edges run value -> operation
-> value.

- A value is labelled with the name the printed IR gives it (unique, so the two adjoints
  of ``x`` are ``bx`` and ``bx.1``) and its type: a scalar's type (``float``, a NumPy
  scalar's dtype), an array's shape (``verbose`` adds the dtype, as the seeds'
  ``verbose`` does). A constant is drawn anew at
  each use, labelled with its number. A value nothing reads, such as a loop index the body
  ignores, is not drawn.
- An operation is labelled with its primitive and parameters (``sum axis=(0,)
  keepdims=True``); the edges into one whose operands cannot be swapped (``sub``, ``pow``,
  ``push`` ...) say the operand's position, 1 for the first.
- A region is a cluster, drawn once: a loop is never unrolled, so the graph's size does
  not depend on how many times it runs. A loop's box says its range
  (``for i in range(100000)``, where a bound that is a constant is drawn only there); the
  edges into it say ``start``, ``stop``, ``step`` or the carried value they start; its body's cluster is titled ``forward sweep`` or
  ``reverse sweep`` where the reverse transform made it (its ``sweep`` param), else
  ``body``, and lists the values it carries. What a region yields flows back to its op by
  dashed edges labelled with what it becomes (a carried value, ``exit``, a branch's output).

Node ids are numbers given in program order, so the text is the same from run to run.
The output is plain standard DOT (``digraph {``) that every Graphviz build accepts.
"""

from __future__ import annotations

from .nodes import Function, Op, Region, Value, used_in, walk_ops
from .primitives import PRIMITIVES
from .printer import param_text, value_names
from .structured import Cond, Loop, RangeLoop, WhileLoop, region_labels, structured

_VALUE = '{id} [label="{label}", color=orange, style=filled]'
_OP = '{id} [label="{label}", color=lightblue, style=filled, shape=box]'
_BOUNDS = ("start", "stop", "step")
_SWEEPS = {"forward": "forward sweep", "reverse": "reverse sweep"}


def function_to_dot(fn: Function, verbose: bool = False) -> str:
    return _Dot(fn, verbose).render()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _type_text(value: Value, verbose: bool) -> str | None:
    t = value.type
    if t is None:
        return None
    if t.is_array and t.shape:
        return f"{t.shape} {t.dtype}" if verbose else str(t.shape)
    return t.dtype if t.is_array else str(t)  # a NumPy scalar: its dtype


class _Dot:
    """Nodes are declared inside the cluster of the region that defines them; every edge
    is written at the end, outside all clusters, because DOT puts a node in the first
    subgraph that names it, edges included."""

    def __init__(self, fn: Function, verbose: bool):
        self.fn = fn
        self.verbose = verbose
        self.names = value_names(fn)
        self.consts = {op.output: op.params["value"]
                       for op in walk_ops(fn.body) if op.prim == "const"}
        self.read = used_in(fn.body)
        self.ids: dict[object, int] = {}
        self.lines: list[str] = []
        self.edges: list[str] = []
        self.clusters = 0

    def render(self) -> str:
        # Anonymous: a graph name after `digraph` is where one Graphviz build (seed 003)
        # failed, and the name adds nothing to the drawing.
        self.lines.append("digraph {")
        self.declare_read(self.fn.params, "  ")
        self.region(self.fn.body, "  ")
        for result in self.fn.results:
            if result in self.consts:  # a constant result is drawn although nothing reads it
                self.source(result, "  ")
        self.lines.extend("  " + edge for edge in self.edges)
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    # ---- nodes ------------------------------------------------------------------------
    def text(self, value: Value) -> str:
        """How the drawing calls `value`: its number if constant, else its printed name."""
        if value in self.consts:
            return param_text(self.consts[value])
        return self.names[value]

    def value_node(self, key: object, value: Value, indent: str) -> int:
        node = self.ids[key] = len(self.ids) + 1
        label = self.text(value)
        details = _type_text(value, self.verbose)
        if details is not None and (value not in self.consts or self.verbose):
            label = f"{label}: {details}"
        self.lines.append(indent + _VALUE.format(id=node, label=_escape(label)))
        return node

    def declare_read(self, params: list[Value], indent: str) -> None:
        for param in params:
            if param in self.read:
                self.value_node(param, param, indent)

    def source(self, value: Value, indent: str) -> int:
        """The node an edge from `value` starts from: a constant's is new at each use."""
        if value in self.consts:
            return self.value_node((value, len(self.ids)), value, indent)
        return self.ids[value]

    def edge(self, tail: int, head: int, label: str | None = None,
             dashed: bool = False) -> None:
        attrs = ([f'label="{_escape(label)}"'] if label else []) + \
            (["style=dashed"] if dashed else [])
        self.edges.append(f"{tail} -> {head}" + (f" [{', '.join(attrs)}]" if attrs else ""))

    # ---- operations and regions -------------------------------------------------------
    def region(self, region: Region, indent: str) -> None:
        for op in region.ops:
            if op.prim != "const":  # constants are drawn at each use
                self.op(op, indent)

    def op(self, op: Op, indent: str) -> None:
        view = structured(op)
        node = len(self.ids) + 1
        self.ids[op] = node
        self.lines.append(indent + _OP.format(id=node, label=_escape(self.op_label(op, view))))
        for value, role in zip(op.inputs, self.input_roles(op, view)):
            if role in _BOUNDS and value in self.consts:
                continue  # the loop's label says it
            self.edge(self.source(value, indent), node, role)
        for title, inner in zip(self.region_titles(op, view), op.regions):
            self.clusters += 1
            inside = indent + "  "
            self.lines.append(f"{indent}subgraph cluster_{self.clusters} {{")
            self.lines.append(f'{inside}label="{_escape(title)}"')
            self.declare_read(inner.params, inside)
            self.region(inner, inside)
            for result, role in zip(inner.results, self.result_roles(op, view, inner)):
                self.edge(self.source(result, inside), node, role, dashed=True)
            self.lines.append(f"{indent}}}")
        for out in op.outputs:
            self.edge(node, self.value_node(out, out, indent))

    def op_label(self, op: Op, view) -> str:
        if isinstance(view, RangeLoop):
            bounds = [view.start, view.stop, view.step]
            if self.is_int(view.step, 1):  # written as Python would: range(n)
                bounds.pop()
                if self.is_int(view.start, 0):
                    bounds.pop(0)
            return f"for {self.names[view.index]} in range({', '.join(map(self.text, bounds))})"
        if isinstance(view, WhileLoop):
            return "while"
        if isinstance(view, Cond):
            return "if"
        return " ".join([op.prim] + [f"{key}={param_text(value)}"
                                     for key, value in sorted(op.params.items())])

    def is_int(self, value: Value, number: int) -> bool:
        constant = self.consts.get(value)
        return type(constant) is int and constant == number

    def carried_names(self, view: Loop) -> list[str]:
        return [self.names[param] for param in view.carried_params(view.body)]

    def input_roles(self, op: Op, view) -> list[str | None]:
        if isinstance(view, Loop):
            bounds = list(_BOUNDS) if isinstance(view, RangeLoop) else []
            return bounds + self.carried_names(view)
        prim = PRIMITIVES.get(op.prim)
        if view is None and len(op.inputs) > 1 and (prim is None or not prim.commutative):
            return [str(k + 1) for k in range(len(op.inputs))]
        return [None] * len(op.inputs)

    def region_titles(self, op: Op, view) -> list[str]:
        labels = list(region_labels(op))
        if isinstance(view, Loop):
            carried = ", ".join(self.carried_names(view))
            body = _SWEEPS.get(op.params.get("sweep"), labels[-1])
            labels[-1] = f"{body}\ncarries {carried}" if carried else body
        return labels

    def result_roles(self, op: Op, view, region: Region) -> list[str | None]:
        if isinstance(view, WhileLoop) and region is view.test:
            return ["while"]
        if isinstance(view, Loop):
            return [*self.carried_names(view), "exit"]
        return [self.names[out] for out in op.outputs]
