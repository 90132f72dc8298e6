"""adcompile.ir.structured: conds and loops reached by name, built, trimmed and extended."""

import pytest

from adcompile.pipeline import specialize
from adcompile.backend.codegen import to_source
from adcompile.backend.compile import compile_source
from adcompile.frontend.lower import lower_function
from adcompile.ir.builder import Builder
from adcompile.ir.infer import infer_function
from adcompile.ir.nodes import Function, Op, Region, Value, walk_ops
from adcompile.ir.types import BOOL, FLOAT, INT
from adcompile.ir.printer import format_function
from adcompile.ir.structured import (Cond, Loop, RangeLoop, UnknownLoopForm, WhileLoop,
                                     as_cond, as_loop, is_structured, loop_region,
                                     region_labels, structured, yield_body, yield_test)
from adcompile.ir.verify import verify


def halve_until_small(x):
    n = 0
    while x > 1.0:
        x = x / 2.0
        n = n + 1
    return x, n


def stepped_sum(x):
    y = 0.0
    for i in range(2, 11, 3):
        y = y + x * i
        if y > 100.0:
            break
    return y


def sign(x):
    if x > 0.0:
        s = 1.0
    else:
        s = -1.0
    return s


def _view(fn: Function, prim: str):
    [op] = [op for op in walk_ops(fn.body) if op.prim == prim]
    return structured(op)


def _typed(fun, *types) -> Function:
    fn = lower_function(fun)
    infer_function(fn, list(types))
    return fn


def _run(fn: Function, *args):
    source, constants = to_source(fn)
    return compile_source(source, fn.name, constants)(*args)


# ---- which view ----------------------------------------------------------------------

def test_each_structured_op_gets_the_view_of_its_form():
    assert isinstance(_view(lower_function(sign), "cond"), Cond)
    assert isinstance(_view(lower_function(stepped_sum), "loop"), RangeLoop)
    assert isinstance(_view(lower_function(halve_until_small), "loop"), WhileLoop)
    assert all(isinstance(_view(lower_function(f), "loop"), Loop)
               for f in (stepped_sum, halve_until_small))


def test_a_primitive_has_no_view():
    x = Value("x", type=FLOAT)
    op = Op("sin", [x], [Value()])
    assert structured(op) is None and as_loop(op) is None and as_cond(op) is None
    assert not is_structured(op)
    assert as_loop(_view(lower_function(sign), "cond").op) is None


def test_a_loop_of_unknown_form_is_refused_by_name():
    loop = _view(lower_function(stepped_sum), "loop").op
    loop.params["kind"] = "until"
    assert is_structured(loop)
    with pytest.raises(UnknownLoopForm, match="unknown kind 'until'"):
        structured(loop)


# ---- accessors -----------------------------------------------------------------------

def test_cond_parts():
    fn = lower_function(sign)
    cond = _view(fn, "cond")
    assert cond.predicate is cond.op.inputs[0]
    assert cond.branches == [cond.then, cond.orelse] == cond.op.regions
    assert [len(b.results) for b in cond.branches] == [1, 1] and len(cond.outputs) == 1
    assert cond.region_labels == ("then", "else")


def test_range_loop_parts():
    fn = lower_function(stepped_sum)
    loop = _view(fn, "loop")
    assert loop.bounds == [loop.start, loop.stop, loop.step]
    assert loop.index.hint == "i"
    assert loop.iteration_params(loop.body) == [loop.index]
    assert [p.hint for p in loop.carried_params(loop.body)] == ["y"]
    assert [v.hint for v in loop.outputs] == ["y"]
    assert len(loop.inits) == len(loop.next_values) == 1
    assert loop.regions == [loop.body]
    assert loop.exit_flag is loop.body.results[-1]  # the break
    assert loop.region_labels == ("body",)


def test_range_bounds_are_start_stop_step_in_order():
    fn = specialize(stepped_sum, [FLOAT])
    loop = _view(fn, "loop")
    consts = {op.output: op.params["value"] for op in walk_ops(fn.body) if op.prim == "const"}
    assert [consts[v] for v in loop.bounds] == [2, 11, 3]


def test_while_loop_parts():
    fn = lower_function(halve_until_small)
    loop = _view(fn, "loop")
    assert loop.bounds == [] and loop.inits == loop.op.inputs
    assert loop.regions == [loop.test, loop.body]
    for region in loop.regions:
        assert loop.iteration_params(region) == []
        assert [p.hint for p in loop.carried_params(region)] == ["x", "n"]
    assert loop.condition is loop.test.results[0]
    assert len(loop.next_values) == 2
    assert loop.region_labels == ("test", "body")


# ---- building ------------------------------------------------------------------------

def _counting_loop(n_trips: int) -> Function:
    """f(x) = x + 1 + 1 + ... (n_trips times), built through RangeLoop.build."""
    x = Value("x", type=FLOAT, strong_name=True)
    top = Region(params=[x])
    b = Builder(top)
    start, stop, step = b.const(0), b.const(n_trips), b.const(1)
    index, y = Value("i", type=INT), Value("y", type=FLOAT)
    body = loop_region([index], [y])
    with b.into(body):
        yield_body(body, [b.apply("add", y, b.const(1.0))], b.const(False))
    loop = RangeLoop.build(b, start, stop, step, [x], body)
    loop.outputs[0].type = FLOAT
    top.results = list(loop.outputs)
    return Function("count", top, ["x"])


def test_range_loop_build_lays_out_what_the_accessors_read():
    fn = _counting_loop(4)
    verify(fn)
    loop = _view(fn, "loop")
    assert loop.inits == fn.params and loop.iteration_params(loop.body)[0].hint == "i"
    assert _run(fn, 0.5) == 4.5


def test_while_loop_and_cond_build():
    # while n < 3: n = n + 1 ; then: if n == 3: 10.0 else -10.0
    n0 = Value("n", type=INT, strong_name=True)
    top = Region(params=[n0])
    b = Builder(top)
    test_n, body_n = Value("n", type=INT), Value("n", type=INT)
    test = loop_region([], [test_n])
    with b.into(test):
        yield_test(test, b.apply("lt", test_n, b.const(3)))
    body = loop_region([], [body_n])
    with b.into(body):
        yield_body(body, [b.apply("add", body_n, b.const(1))], b.const(False))
    loop = WhileLoop.build(b, [n0], test, body)
    loop.outputs[0].type = INT
    then, orelse = Region(), Region()
    with b.into(then):
        then.results = [b.const(10.0)]
    with b.into(orelse):
        orelse.results = [b.const(-10.0)]
    cond = Cond.build(b, b.apply("eq", loop.outputs[0], b.const(3)), then, orelse)
    cond.outputs[0].type = FLOAT
    top.results = [loop.outputs[0], cond.outputs[0]]
    fn = Function("f", top, ["n"], returns_tuple=True)
    verify(fn)
    assert loop.condition.type == BOOL
    assert _run(fn, 0) == (3, 10.0)
    assert _run(fn, 7) == (7, -10.0)


def test_like_copies_the_form_with_new_parts():
    fn = _typed(halve_until_small, FLOAT)
    loop = _view(fn, "loop")
    copy = loop.like(Builder(Region()), loop.bounds, loop.inits, loop.regions)
    assert isinstance(copy, WhileLoop) and copy.op is not loop.op
    assert copy.op.params == loop.op.params and copy.op.params is not loop.op.params
    assert copy.inits == loop.inits and copy.regions == loop.regions
    assert len(copy.outputs) == 2


# ---- trimming and extending ------------------------------------------------------------

def test_keep_carried_drops_a_slot_from_inputs_params_yields_and_outputs():
    fn = _typed(halve_until_small, FLOAT)
    loop = _view(fn, "loop")
    x_init, x_out = loop.inits[0], loop.outputs[0]
    x_next = loop.next_values[0]
    n = loop.carried_params(loop.body)[1]
    loop.body.ops = [op for op in loop.body.ops if n not in op.inputs]  # n = n + 1
    fn.body.results = [x_out]
    fn.returns_tuple = False
    loop.keep_carried([0])
    assert loop.inits == [x_init] and loop.outputs == [x_out]
    assert loop.next_values == [x_next]
    for region in loop.regions:
        assert [p.hint for p in loop.carried_params(region)] == ["x"]
    verify(fn)
    assert _run(fn, 10.0) == 0.625


def test_keep_carried_leaves_a_range_loops_index_and_bounds():
    fn = _typed(stepped_sum, FLOAT)
    loop = _view(fn, "loop")
    bounds, index, flag = loop.bounds, loop.index, loop.exit_flag
    loop.keep_carried([0])
    assert loop.bounds == bounds and loop.index is index and loop.exit_flag is flag
    verify(fn)
    assert _run(fn, 1.0) == 2.0 + 5.0 + 8.0


def test_keep_outputs_trims_a_cond_and_its_branches():
    fn = _typed(sign, FLOAT)
    cond = _view(fn, "cond")
    fn.body.results = [Builder(fn.body).const(0.0)]
    cond.keep_outputs([])
    assert cond.outputs == [] and all(b.results == [] for b in cond.branches)
    verify(fn)


def test_add_carried_counts_the_trips_of_a_while_loop():
    fn = _typed(halve_until_small, FLOAT)
    loop = _view(fn, "loop")
    b = Builder(fn.body)
    zero = b.const(0)
    fn.body.ops.insert(fn.body.ops.index(loop.op), fn.body.ops.pop())  # zero before the loop
    trip, trips = loop.add_carried(zero, "trip", INT)
    assert loop.carried_params(loop.body)[-1] is trip and loop.outputs[-1] is trips
    assert loop.next_values[-1] is trip  # unchanged until set_next
    with b.into(loop.body):
        loop.set_next(2, b.apply("add", trip, b.const(1)))
    assert [len(loop.carried_params(r)) for r in loop.regions] == [3, 3]
    fn.body.results.append(trips)
    verify(fn)
    assert _run(fn, 10.0) == (0.625, 4, 4)


def test_add_output_makes_each_branch_yield_its_value():
    fn = _typed(sign, FLOAT)
    cond = _view(fn, "cond")
    b = Builder(fn.body)
    yields = []
    for branch, number in zip(cond.branches, (2, 3)):
        with b.into(branch):
            yields.append(b.const(number))
    out = Value("k", type=INT)
    cond.add_output(out, yields)
    fn.body.results.append(out)
    fn.returns_tuple = True
    verify(fn)
    assert _run(fn, 5.0) == (1.0, 2) and _run(fn, -5.0) == (-1.0, 3)


# ---- verifying and printing ----------------------------------------------------------

def test_a_well_formed_op_has_no_problem():
    for fun, prim in ((sign, "cond"), (stepped_sum, "loop"), (halve_until_small, "loop")):
        assert _view(lower_function(fun), prim).malformed() is None


@pytest.mark.parametrize("break_it, message", [
    (lambda loop: loop.op.inputs.pop(0), "takes start, stop, step"),
    (lambda loop: loop.body.params.pop(0), "takes the index and carried"),
    (lambda loop: loop.body.results.pop(), "the exit flag"),
])
def test_a_malformed_range_loop_says_what_is_wrong(break_it, message):
    loop = _view(lower_function(stepped_sum), "loop")
    break_it(loop)
    assert message in loop.malformed()


@pytest.mark.parametrize("break_it, message", [
    (lambda loop: loop.op.regions.pop(0), "has a test and a body"),
    (lambda loop: loop.test.results.append(loop.test.results[0]), "one truth value"),
    (lambda loop: loop.body.params.pop(), "a while body takes the carried values"),
])
def test_a_malformed_while_loop_says_what_is_wrong(break_it, message):
    loop = _view(lower_function(halve_until_small), "loop")
    break_it(loop)
    assert message in loop.malformed()


def test_a_malformed_cond_says_what_is_wrong():
    cond = _view(lower_function(sign), "cond")
    cond.then.params.append(Value("p"))
    assert "takes no params" in cond.malformed()
    cond.op.regions.pop()
    assert "two regions" in cond.malformed()


def test_region_labels_name_each_region_and_survive_malformed_ir():
    cond = _view(lower_function(sign), "cond")
    loop = _view(lower_function(stepped_sum), "loop")
    assert region_labels(cond.op) == ("then", "else")
    assert region_labels(loop.op) == ("body",)
    cond.op.regions.append(Region())
    loop.op.params["kind"] = "until"
    assert region_labels(cond.op) == ("body",) * 3
    assert region_labels(loop.op) == ("body",)
    text = format_function(lower_function(halve_until_small))
    assert "  test(" in text and "  body(" in text
