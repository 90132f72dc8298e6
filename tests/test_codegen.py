"""adcompile.backend.codegen: IR -> readable, stable Python source.

(The exact text of the seed cases is pinned by the golden files; these tests check the
rules the text follows.)
"""

import ast
import importlib
import math
import re

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.backend.codegen import to_source
from adcompile.backend.compile import compile_source
from adcompile.ir.builder import Builder
from adcompile.ir.nodes import Function, Region, Value
from adcompile.ir.primitives import OPERAND
from adcompile.ir.types import ArrayType, FLOAT
from adcompile.testing import check_grads

from programs import newton_sqrt, piecewise, power_loop, taylor_sin

ARRAY = np.array([1.0, 2.0])


def accumulate(x):
    y = 0.0
    for i in range(10):
        t = x * i
        y = y + t
    return y


def user_temporaries(x):
    t = x * 2.0
    t1 = math.sin(t)
    t2 = math.cos(t)
    return t1 * t2 + math.exp(t1 * x) * math.exp(t2 * x)


def user_named_math(x):
    y = np.sin(x)
    math = y * 2.0
    return math * x


def user_named_np(x):
    np = abs(x) * 2.0
    return np * x


def with_default(x, k=2.0):
    return x * k


def polynomial(x, y):
    a = x + y + 1.0
    c = 2.0 * x - 3.0 * y
    return (1.0 + a * a * y) * (30.0 + c * c * x)


def _source(fun, *types, name=None):
    return to_source(specialize(fun, list(types)), name or fun.__name__)[0]


def _stores(source, name):
    return sum(1 for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
               and node.id == name)


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# ---- names -----------------------------------------------------------------------------

def test_names_come_from_the_users_names():
    source = _source(accumulate, FLOAT)
    assert source.startswith("def accumulate(x):\n")
    assert "    y = 0.0\n" in source
    assert re.search(r"^        t = x \* i$", source, re.M)
    grad = ad.grad(accumulate).source
    assert grad.startswith("def accumulate_grad(x):\n")
    assert re.search(r"\bbx\b", grad)  # the adjoint of x is bx


def test_the_function_name_can_be_chosen():
    assert _source(accumulate, FLOAT, name="renamed").startswith("def renamed(x):")


def test_temporaries_never_take_a_user_name():
    for source in (_source(user_temporaries, FLOAT), ad.grad(user_temporaries).source):
        for name in ("t", "t1", "t2"):
            assert _stores(source, name) == 1, (name, source)
        assert "t = x * 2.0" in source
        assert "t1 = math.sin(t)" in source and "t2 = math.cos(t)" in source
    g = ad.grad(user_temporaries)
    assert g(0.3) == pytest.approx(_fd(user_temporaries, 0.3), rel=1e-7)


def test_a_user_name_never_hides_a_module_the_code_calls():
    p = ad.primal(user_named_math)
    assert p(0.7) == user_named_math(0.7)
    assert "math.sin" in p.source
    g = ad.grad(user_named_np)
    assert g(-1.5) == pytest.approx(6.0)
    assert "np.sign" in g.source



def test_odd_hints_become_valid_identifiers():
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    values = []
    for hint in ("lambda", "for", "3d", "a-b", "x.1", "range", "math", "sum_to", None):
        v = b.apply("mul", values[-1] if values else x, b.const(1.5), hint=hint)
        v.strong_name = True
        values.append(v)
    body.results = [values[-1]]
    source, _ = to_source(Function("odd", body, ["x"]))
    f = compile_source(source, "odd")
    assert f(2.0) == 2.0 * 1.5 ** 9
    assert "lambda_1 = " in source or "lambda1 = " in source


# ---- stability ---------------------------------------------------------------------------

@pytest.mark.parametrize("fun, types", [
    (accumulate, [FLOAT]), (piecewise, [FLOAT]), (taylor_sin, [FLOAT]),
    (newton_sqrt, [FLOAT]), (polynomial, [FLOAT, FLOAT]), (user_temporaries, [FLOAT])])
def test_byte_identical_across_compilations(fun, types):
    assert _source(fun, *types) == _source(fun, *types)
    kinds = (ad.grad, ad.hessian)
    for kind in kinds:
        sources = set()
        for _ in range(2):
            t = kind(fun, argnums=tuple(range(len(types))))
            t(*[0.5] * len(types))
            sources.add(t.source)
        assert len(sources) == 1


# ---- control flow --------------------------------------------------------------------------

def test_elif_chain_renders_as_elif():
    source = _source(piecewise, FLOAT)
    lines = [line.strip() for line in source.splitlines()]
    assert "if x > 1.0:" in lines and "elif x > 0.0:" in lines and "else:" in lines
    assert lines.count("else:") == 1
    assert "elif" in ad.grad(piecewise).source


def test_range_loop_with_break():
    source = _source(taylor_sin, FLOAT)
    assert re.search(r"^    for i in range\(1, 100\):$", source, re.M)
    assert re.search(r"^            break$", source, re.M)
    assert re.search(r"^        if abs\(\w+\) < 1e-16:$", source, re.M)
    assert re.search(r"^    for i in range\(10\):$", _source(accumulate, FLOAT), re.M)


def test_reverse_sweep_loops_over_the_trip_count():
    source = ad.grad(taylor_sin).source
    assert re.search(r"^    for \w+ in range\(trips\):$", source, re.M)
    assert ".append(" in source and ".pop()" in source


def test_while_loop_renders_as_while_with_break():
    source = _source(newton_sqrt, FLOAT)
    assert re.search(r"^    while ", source, re.M)
    assert "break" in source or re.search(r"^    while (?!True)", source, re.M)
    f = compile_source(source, "newton_sqrt")
    assert f(2.0) == newton_sqrt(2.0)


def test_loop_carried_sum_is_updated_in_place():
    source = _source(accumulate, FLOAT)
    assert re.search(r"^        y = y \+ t$", source, re.M)
    assert _stores(source, "y") == 2  # the initial value and the update
    assert re.search(r"^        y = y [-+] \w+$", _source(taylor_sin, FLOAT), re.M)


def steps_from_the_start_of_each_round(x):
    for i in range(2):
        start = x
        for j in range(2):
            x = x - start * 0.5
    return x


def test_an_inner_loop_reading_the_outer_value_gets_a_name_of_its_own():
    # found by the fuzzer: the inner loop updated `x` in place while reading `start`,
    # which was the outer `x` under the same name (a wrong answer: 0.0625 for 0.0)
    fun = steps_from_the_start_of_each_round
    assert ad.primal(fun)(1.0) == fun(1.0) == 0.0
    assert ad.grad(fun)(1.0) == 0.0
    assert ad.primal(fun)(2.0) == fun(2.0)


def squares_unless_continued(x):
    y = np.negative(x)
    for i in range(2):
        y = x * x
        if y > -5.0:
            continue
        y = 0.7
    return y * x


def test_a_value_a_branch_yields_is_read_after_the_line_that_updates_it():
    # found by the fuzzer: in the gradient's gradient, `b = tape.pop()` took the carried
    # adjoint's name though `if t: b1 = b` read the old one below it (3.6 for 5.4)
    x = 0.9
    assert ad.grad(ad.grad(squares_unless_continued))(x) == pytest.approx(6.0 * x, rel=1e-14)


# ---- what the code calls -----------------------------------------------------------------

@pytest.mark.parametrize("fun", [accumulate, piecewise, taylor_sin, newton_sqrt,
                                 polynomial, user_temporaries])
def test_scalar_code_has_no_sum_to(fun):
    n = fun.__code__.co_argcount
    for transform in (ad.grad, ad.hessian, ad.value_and_grad):
        t = transform(fun, argnums=tuple(range(n)))
        t(*[0.5] * n)
        assert "sum_to" not in t.source, t.source
        assert "adcompile" not in t.source


def test_imports_only_what_is_used():
    assert "import" not in _source(accumulate, FLOAT)
    source = _source(piecewise, FLOAT)
    assert source.startswith("import math\n") and "numpy" not in source
    source = _source(user_named_math, ArrayType((3,), "float64"))
    assert source.startswith("import numpy as np\n") and "import math" not in source


def test_scalars_call_math_and_arrays_call_numpy():
    assert "math.sin(" in _source(piecewise, FLOAT)
    source = _source(user_named_math, ArrayType((3,), "float64"))
    assert "np.sin(" in source and "math." not in source


def test_array_constants_are_passed_by_name_never_a_user_name():
    # (a global array is an input of the compiled code; an array constant comes from a
    # helper's default argument, say) ARRAY * const + const, with the user's `const`
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    named = b.apply("mul", x, b.const(2.0), hint="const")
    named.strong_name = True
    body.results = [b.apply("add", b.apply("mul", b.const(ARRAY), named), named)]
    source, constants = to_source(Function("c", body, ["x"]))
    (name, value), = constants.items()
    assert value is ARRAY and name != "const"
    assert re.search(rf"\b{name}\b", source)
    np.testing.assert_array_equal(compile_source(source, "c")(1.5), [6.0, 9.0])


def test_an_array_constant_is_defined_above_the_function_under_its_own_name():
    x = Value("x", type=ArrayType((2,), "float64"))
    body = Region(params=[x])
    b = Builder(body)
    rows = b.const(np.array([1, 0]), hint="rows")
    body.results = [b.apply("index", x, rows, index=(OPERAND,))]
    source, constants = to_source(Function("c", body, ["x"]))
    assert list(constants) == ["rows"] and "return x[rows]" in source
    assert source.startswith("import numpy as np\n\nrows = np.array([1, 0])\n\n\ndef c(x):")
    namespace = {}
    exec(source, namespace)  # the text runs on its own
    np.testing.assert_array_equal(namespace["c"](ARRAY), [2.0, 1.0])


def test_zero_dimensional_array_constants_are_written_as_numpy_scalars():
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    body.results = [b.apply("add", b.apply("mul", x, b.const(np.array(2.5))),
                            b.const(np.array(3, dtype=np.int32)))]
    source, constants = to_source(Function("c", body, ["x"]))
    assert constants == {}
    assert "np.float64(2.5)" in source and "np.int32(3)" in source
    result = compile_source(source, "c", constants)(2.0)
    assert result == 8.0 and type(result) is np.float64


def test_defaults_are_kept():
    source = _source(with_default, FLOAT, FLOAT)
    assert source.startswith("def with_default(x, k=2.0):")
    assert ad.grad(with_default).source.startswith("def with_default_grad(x, k=2.0):")


def test_literals_negative_and_non_finite():
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    y = b.apply("add", b.apply("mul", x, b.const(-2.5)), b.const(float("inf")))
    z = b.apply("sub", b.apply("pow", x, b.const(-1)), b.const(float("-inf")))
    body.results = [y, z]
    source, _ = to_source(Function("lits", body, ["x"], returns_tuple=True))
    assert "float('inf')" in source and "float('-inf')" in source
    f = compile_source(source, "lits")
    assert f(2.0) == (float("inf"), float("inf"))
    assert "-2.5" in source


def test_generated_source_parses_and_is_the_frontends_subset():
    # what codegen writes can be compiled again: the grad of the generated grad
    for fun in (power_loop, piecewise):
        g = ad.grad(fun)
        g(0.7)
        again = ad.grad(g._last.function)
        assert again(0.7) == pytest.approx(_fd(g, 0.7), rel=1e-6)


# ---- index updates: in place where nothing else holds the array ---------------------------
def horner(x, c):
    y = 0.0
    for i in range(len(c)):
        y = y * x + c[i]
    return y


def writes_into_a_copy(x):
    y = x.copy()
    y[0] = x[1] * 2.0
    return np.sum(y * x)


def test_an_element_loop_accumulates_its_adjoint_in_place():
    g = ad.grad(horner, argnums=(0, 1))
    c = np.array([1.0, -2.0, 0.5])
    bx, bc = g(0.5, c)
    np.testing.assert_allclose(bc, [0.25, 0.5, 1.0])
    assert bx == pytest.approx(2 * 0.5 - 2.0)
    assert re.search(r"\n        bc\[i_1\] \+= by\n", g.source), g.source
    assert ".copy()" not in g.source and "np.add.at" not in g.source


def test_an_argument_is_copied_before_it_is_updated():
    x = np.array([1.0, 2.0, 3.0])
    g = ad.grad(writes_into_a_copy)
    np.testing.assert_allclose(g(x), [2 * 2.0, 2 * 1.0 + 2 * 2.0, 2 * 3.0])  # 2 x1 x0 + x1² + x2²
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert "y = x.copy()" in g.source


def prefix_products(x):
    out = np.zeros_like(x)
    for i in range(1, len(x)):
        out[i] = out[i - 1] + x[i] * x[i - 1]
    return np.sum(out)


def decay(y0, k):
    y = y0
    for i in range(3):
        y = y - k * y
    return y


def test_a_loop_started_from_an_argument_keeps_the_loops_own_name():
    # `y = y0` then `y = ...` in a loop: the loop updates `y`, never the argument's name
    g = ad.grad(decay, argnums=1)
    assert g(1.0, 0.5) == pytest.approx(-3 * 0.5 ** 2)
    assert "    y, trips = y0, 0\n" in g.source, g.source
    assert not re.search(r"\by0 = ", g.source), g.source


def test_an_adjoint_starting_from_a_named_array_is_a_copy_of_it():
    # The adjoint's zeros are the user's `out` (one value after CSE): written into under
    # a second name, the reverse program could not be compiled again.
    g = ad.grad(prefix_products)
    x = np.array([0.5, -1.0, 2.0, 1.5])
    np.testing.assert_allclose(g(x), [-3.0, 5.5, -0.5, 2.0])  # of 3 x1 x0 + 2 x2 x1 + x3 x2
    assert "bx = out" not in g.source.replace("bx = out.copy()", "")
    check_grads(prefix_products, (x,), order=2)


def fills_in_a_loop(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = np.sum(x) * i
    return np.sum(np.sin(out))


def test_a_loop_writing_into_a_named_array_writes_under_its_name():
    # found by the array fuzzer: `out_1 = out` before the loop, then `out_1[i] = ...`:
    # right, but read back the source wrote into an array another name held, refused
    x = np.array([0.3, -0.2])
    g = ad.grad(fills_in_a_loop)
    g(x)
    assert "out[i] = " in g.source and "= out\n" not in g.source, g.source
    direction = np.array([1.0, 2.0])
    _, again = ad.jvp(compile_source(g.source, "fills_in_a_loop_grad"), (x,), (direction,))
    np.testing.assert_allclose(again, ad.hessian(fills_in_a_loop)(x) @ direction)


def recurrence_plus_a_sum(x):
    v = np.cos(np.sum(x))
    out = np.full((2, 3), 0.5)
    for i in range(1, 2):
        out[i] = 0.5 * out[i - 1] + v
    return np.sum(out) + np.sum(v)


def test_a_loop_starting_from_an_array_constant_assigns_it_before_the_loop():
    # the reverse sweep carries `bv` from the constant np.float64(1.0), which has a name
    # but no line of its own: the loop cannot carry on under the constant's name
    x = np.array([0.3, 0.4])
    g = ad.grad(recurrence_plus_a_sum)
    np.testing.assert_allclose(g(x), [-4.0 * np.sin(0.7)] * 2)


def _update_program(base_op: str):
    """x -> (x updated at 0, and the array updated) where the array is `base_op`(x)."""
    x = Value("x", type=ArrayType((3,), "float64"), strong_name=True)
    body = Region(params=[x])
    b = Builder(body)
    base = b.apply(base_op, x) if base_op else x
    updated = b.apply("index_update", base, b.const(1.5), index=(0,), mode="add")
    body.results = [updated, base] if base_op == "ones_like" else [updated]
    return Function("f", body, ["x"], returns_tuple=len(body.results) > 1)


@pytest.mark.parametrize("base_op, in_place", [
    ("zeros_like", True),   # made here, read once: updated in place
    (None, False),          # the argument: never written into
    ("ones_like", False),   # made here but also returned: the update works on a copy
    ("transpose", False),   # a view of the argument
])
def test_in_place_only_when_nothing_else_holds_the_array(base_op, in_place):
    source, _ = to_source(_update_program(base_op))
    assert (".copy()" not in source) == in_place, source
    x = np.array([1.0, 2.0, 3.0])
    results = compile_source(source, "f")(x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    first = results[0] if isinstance(results, tuple) else results
    assert first[0] == {"zeros_like": 1.5, None: 2.5, "ones_like": 2.5, "transpose": 2.5}[
        base_op]


def swaps_after_an_inner_loop(x, y):
    for i in range(3):
        for j in range(2):
            y = y * 1.5
        x = x - y
        x, y = y, x
    return x + 10 * y


def test_an_update_does_not_take_a_name_an_inner_loop_carried_the_old_value_on_under():
    # found by the fuzzer: the inner loop carries y on under the name y, which the next
    # value of x still reads; `y = x - y` there gave a wrong primal (-8.59, not -70.48)
    assert ad.primal(swaps_after_an_inner_loop)(1.3, 0.8) == swaps_after_an_inner_loop(1.3, 0.8)
    check_grads(swaps_after_an_inner_loop, (1.3, 0.8), order=2)


def pops_a_stack_across_an_inner_loop(x):
    saved = []
    v = x
    for i in range(3):
        saved.append(v)
        v = v * x
    b = 1.0
    s = 0.0
    for i in range(3):
        u = saved.pop()
        for j in range(2):
            b = b / 2.0
        b, s = b * x, s + u * b
    return s + b


def test_a_gradient_through_a_stack_and_an_inner_loop_is_right():
    # the same naming bug, found by the fuzzer as a wrong gradient (0.7518, not 0.8353)
    assert ad.grad(pops_a_stack_across_an_inner_loop)(0.9) == pytest.approx(0.8353125, rel=1e-12)
    check_grads(pops_a_stack_across_an_inner_loop, (0.9,), order=2)


def writes_where_positive(x):
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        if x[i] > 0:
            out[i] = x[i] * 2.0
    return out


def weighs_where_positive(x):
    return np.sum(writes_where_positive(x) * x)


def sums_squares_where_positive(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0:
            s = s + x[i] * x[i]
    return s


def weighs_by_three_cases(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        if x[i] > 0.25:
            out[i] = x[i] * x[i]
        elif x[i] < -0.5:
            out[i] += np.sin(x[i])
        else:
            out[i] = 0.0
    return np.sum(out * x)


def weighs_where_positive_and_above_one(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        if x[i] > 0:
            if x[i] > 1:
                out[i] = x[i]
            else:
                out[i] = x[i] ** 2
    return np.sum(out * x)


def _loop_bodies(source: str) -> list[str]:
    """The text of each `for` loop's body in `source`."""
    lines, bodies = source.splitlines(), []
    for k, line in enumerate(lines):
        if line.lstrip().startswith("for "):
            indent = len(line) - len(line.lstrip())
            body = [later for later in lines[k + 1:]]
            end = next((j for j, later in enumerate(body)
                        if len(later) - len(later.lstrip()) <= indent), len(body))
            bodies.append("\n".join(body[:end]))
    return bodies


@pytest.mark.parametrize("transform, fn", [
    (ad.primal, writes_where_positive), (ad.primal, weighs_where_positive),
    (ad.grad, weighs_where_positive), (ad.grad, sums_squares_where_positive),
    (ad.grad, weighs_by_three_cases), (ad.grad, weighs_where_positive_and_above_one)])
def test_an_array_written_under_an_if_in_a_loop_is_not_copied_there(transform, fn, tmp_path,
                                                                    monkeypatch):
    x = np.array([0.5, -1.0, 2.0, -0.3, 1.5])
    compiled = transform(fn)
    compiled(x)
    bodies = _loop_bodies(compiled.source)
    assert bodies and not any(".copy()" in body for body in bodies), compiled.source
    if fn is not writes_where_positive:
        ad.testing.check_grads(fn, (x,), order=2)
    # the saved source compiles again: its writes into arrays are accepted, in every mode
    name = compiled.source.split("def ")[1].split("(")[0]
    (tmp_path / f"saved_{name}.py").write_text(compiled.source)
    monkeypatch.syspath_prepend(str(tmp_path))
    again = getattr(importlib.import_module(f"saved_{name}"), name)
    np.testing.assert_allclose(ad.primal(again)(x), compiled(x))
    np.testing.assert_allclose(ad.jacobian(again)(x),
                               ad.jacobian(fn)(x) if transform is ad.primal
                               else ad.hessian(fn)(x))


# ---- slices of run-time start and fixed length --------------------------------------------
def lagged_products(x):
    out = np.zeros(len(x))
    for i in range(2, len(x)):
        out[i - 2:i] += x[i - 2:i] * x[i]
    return np.sum(out ** 2)


def strided_while(x):
    total, i = 0.0, 0
    while i + 3 <= len(x):
        total = total + np.prod(x[i:i + 3] ** 2)
        i = i + 2
    return total


def pair_at(x, k):
    return np.sum(np.sin(x[k:k + 2]) * x[k + 1:k + 3])


def test_a_window_is_written_as_its_slice_and_its_adjoint_added_in_place():
    x = np.linspace(0.2, 1.3, 8)
    g = ad.grad(lagged_products)
    g(x)
    assert "x[t:t + 2]" in g.source and "bx[t5:t5 + 2] +=" in g.source, g.source
    assert "raise" not in g.source  # a range loop's windows all fit: no check
    assert not any(".copy()" in body for body in _loop_bodies(g.source)), g.source
    primal = ad.primal(pair_at)
    primal(x, 1)
    assert "x[k:k + 2]" in primal.source and "x[k + 1:k + 3]" in primal.source
    assert primal.source.count("raise IndexError") == 2, primal.source


@pytest.mark.parametrize("transform", [ad.primal, ad.grad])
@pytest.mark.parametrize("fn", [lagged_products, strided_while, pair_at])
def test_the_saved_source_of_windows_compiles_again(transform, fn, tmp_path, monkeypatch):
    x = np.linspace(0.2, 1.3, 8)
    args = (x, 5) if fn is pair_at else (x,)
    compiled = transform(fn)
    compiled(*args)
    name = compiled.source.split("def ")[1].split("(")[0]
    (tmp_path / f"saved_{name}.py").write_text(compiled.source)
    monkeypatch.syspath_prepend(str(tmp_path))
    again = getattr(importlib.import_module(f"saved_{name}"), name)
    np.testing.assert_allclose(ad.primal(again)(*args), compiled(*args))
    np.testing.assert_allclose(ad.jacobian(again)(*args),
                               ad.jacobian(fn)(*args) if transform is ad.primal
                               else ad.hessian(fn)(*args))
    if fn is pair_at:  # its checks read back as checks
        with pytest.raises(IndexError, match="= 7 reads outside an axis of 8"):
            ad.primal(again)(x, 6)


def rows_then_an_if_passing_an_adjoint_on(x, y):
    acc = np.zeros((1, 3))
    for i in range(len(x)):
        acc = acc + np.tanh(x[i])
    if np.sum(y) > 0.0:
        both = np.array([y, acc])
    else:
        both = y * x
    return both[1, -1, 2] + 0.7 * np.sum(np.sin(x))


def test_an_array_an_if_passes_on_under_a_new_name_is_copied_before_a_loop_writes_it():
    # found by the fuzzer: `bx_1 = bx` in one branch, then bx_1[i] += ... in a loop with no
    # copy: right, but the frontend refused the saved source (bx_1 is not the function's)
    x = np.array([[[-0.13, -0.51, -1.6]], [[-0.55, 0.25, -2.0]]])
    y = np.array([[0.71, 1.45, -0.86]])
    g = ad.grad(rows_then_an_if_passing_an_adjoint_on)
    expected = g(x, y)
    again = compile_source(g.source, "rows_then_an_if_passing_an_adjoint_on_grad")
    np.testing.assert_allclose(again(x, y), expected)
    check_grads(rows_then_an_if_passing_an_adjoint_on, (x, y), order=2)
