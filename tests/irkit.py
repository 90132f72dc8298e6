"""Small helpers for building IR by hand in the pass tests (not a test module)."""

from adcompile.ir.builder import Builder
from adcompile.ir.nodes import Function, Region, Value, walk_ops
from adcompile.ir.structured import Cond, RangeLoop, loop_region, yield_body
from adcompile.ir.types import INT


def make(build, *types, names=None):
    """A function whose params have `types`; `build(b, *params)` returns its result(s)."""
    names = names or ["x", "y", "z", "w"][:len(types)]
    params = [Value(n, type=t, strong_name=True) for n, t in zip(names, types)]
    body = Region(params=params)
    b = Builder(body)
    results = build(b, *params)
    tuple_result = isinstance(results, tuple)
    body.results = list(results) if tuple_result else [results]
    return Function("f", body, list(names), returns_tuple=tuple_result)


def cond(b, pred, then_build, else_build, types):
    """A cond op whose branches are built by `then_build(b)` / `else_build(b)` (lists)."""
    then, other = Region(), Region()
    with b.into(then):
        then.results = list(then_build(b))
    with b.into(other):
        other.results = list(else_build(b))
    op = Cond.build(b, pred, then, other).op
    for out, t in zip(op.outputs, types):
        out.type = t
    return op


def range_loop(b, n, inits, body_build, hints=None):
    """for i in range(n) with carried `inits`; `body_build(b, i, *carried)` returns
    (next carried values, exit flag)."""
    start, stop, step = b.const(0), b.const(n), b.const(1)
    index = Value("i", type=INT)
    hints = hints or [None] * len(inits)
    carried = [Value(h, type=v.type) for h, v in zip(hints, inits)]
    body = loop_region([index], carried)
    with b.into(body):
        nexts, flag = body_build(b, index, *carried)
        yield_body(body, nexts, flag)
    op = RangeLoop.build(b, start, stop, step, inits, body).op
    for out, v in zip(op.outputs, inits):
        out.type = v.type
    return op


def prims(fn):
    return [op.prim for op in walk_ops(fn.body)]


def defining_op(fn, value):
    for op in walk_ops(fn.body):
        if value in op.outputs:
            return op
    return None


def const_value(fn, value):
    op = defining_op(fn, value)
    assert op is not None and op.prim == "const", (value, op)
    return op.params["value"]
