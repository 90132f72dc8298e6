"""adcompile.passes.driver: the passes, run in turn, to a fixed point."""

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.clone import clone_function
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import FLOAT
from adcompile.ir.printer import format_function
from adcompile.ir.verify import verify
from adcompile.passes import optimize as exported_optimize
from adcompile.passes.cse import cse
from adcompile.passes.dce import dce
from adcompile.passes.driver import MAX_ROUNDS, PASSES, optimize
from adcompile.passes.simplify import simplify
from adcompile.transforms.forward import forward
from adcompile.transforms.reverse import reverse

from irkit import const_value, make, prims
from programs import goldstein_terms, taylor_sin


def test_the_package_exports_the_driver():
    assert exported_optimize is optimize
    for run in (simplify, cse, dce):
        assert run in PASSES
    assert MAX_ROUNDS >= 1


def test_optimize_returns_the_function_it_changed_in_place():
    fn = make(lambda b, x: b.apply("add", x, b.const(0.0)), FLOAT)
    assert optimize(fn) is fn
    assert fn.results[0] is fn.params[0]


def test_cse_then_simplify_then_dce_need_several_rounds():
    # x*y - y*x: CSE makes the operands the same value, simplify turns a - a into 0.0,
    # DCE removes the product nobody reads any more
    def build(b, x, y):
        return b.apply("sub", b.apply("mul", x, y), b.apply("mul", y, x))
    fn = make(build, FLOAT, FLOAT)
    optimize(fn)
    assert const_value(fn, fn.results[0]) == 0.0
    assert prims(fn) == ["const"]


def test_simplify_exposes_folding_of_what_follows():
    # (x * 0.0 + 2.0) * 3.0 -> 6.0, through a rewrite, a fold and a second fold
    def build(b, x):
        return b.apply("mul", b.apply("add", b.apply("mul", x, b.const(0.0)), b.const(2.0)),
                       b.const(3.0))
    fn = make(build, FLOAT)
    optimize(fn)
    assert const_value(fn, fn.results[0]) == 6.0


def _fixed_point(fn):
    optimize(fn)
    verify(fn, typed=False)
    text = format_function(fn)
    for run in PASSES:
        assert not run(fn), f"{run.__name__} still changes the optimized IR"
    assert format_function(fn) == text


def test_after_optimize_no_pass_changes_anything():
    fn = specialize(goldstein_terms, [FLOAT, FLOAT])
    _fixed_point(clone_function(fn))
    _fixed_point(reverse(fn, [0, 1], with_value=True, cotangent_params=False))
    _fixed_point(forward(optimize(reverse(fn, [0, 1], with_value=False,
                                          cotangent_params=False)),
                         [0, 1], seed_ones=False, with_value=False))


def test_fixed_point_of_a_difference_with_an_integer_factor():
    # x - 2 * y: nothing to collect or merge; every pass must leave it alone
    fn = make(lambda b, x, y: b.apply("sub", x, b.apply("mul", b.const(2), y)), FLOAT, FLOAT)
    _fixed_point(fn)
    assert prims(fn) == ["const", "mul", "sub"]


def test_fixed_point_through_loops():
    fn = specialize(taylor_sin, [FLOAT])
    _fixed_point(reverse(fn, [0], with_value=False, cotangent_params=False))


def test_optimize_is_idempotent_and_keeps_the_meaning():
    fn = specialize(goldstein_terms, [FLOAT, FLOAT])
    once = format_function(optimize(fn))
    assert format_function(optimize(fn)) == once
    assert ad.primal(goldstein_terms)(0.3, -0.7) == goldstein_terms(0.3, -0.7)


def test_optimized_gradient_is_smaller_than_the_raw_one():
    fn = specialize(goldstein_terms, [FLOAT, FLOAT])
    raw = reverse(fn, [0, 1], with_value=False, cotangent_params=False)
    size = len(list(walk_ops(raw.body)))
    optimize(raw)
    assert len(list(walk_ops(raw.body))) < size
