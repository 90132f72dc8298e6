"""adcompile.backend.compile: exec generated source, registered with linecache."""

import inspect
import linecache
import math
import traceback

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.backend.compile import compile_function, compile_source
from adcompile.ir.types import FLOAT

from programs import power_loop


def inverse(x):
    return 1.0 / x


def root_of(x):
    y = x * 2.0
    z = math.sqrt(y)
    return z * y


SOURCE = """\
import math


def shifted_sin(x, shift=0.5):
    y = x + shift
    return math.sin(y) * 2.0
"""


def test_returns_the_function_the_source_defines():
    f = compile_source(SOURCE, "shifted_sin")
    assert f.__name__ == "shifted_sin"
    assert f(1.0) == math.sin(1.5) * 2.0
    assert f(1.0, 0.0) == math.sin(1.0) * 2.0


def test_constants_are_visible_by_name():
    source = "def scaled(x):\n    return _const0 * x\n"
    f = compile_source(source, "scaled", {"_const0": np.array([1.0, 2.0])})
    np.testing.assert_array_equal(f(3.0), [3.0, 6.0])


def test_source_is_registered_in_linecache_under_a_unique_name():
    f = compile_source(SOURCE, "shifted_sin")
    g = compile_source(SOURCE, "shifted_sin")
    name_f, name_g = f.__code__.co_filename, g.__code__.co_filename
    assert name_f != name_g
    assert name_f.startswith("<adcompile shifted_sin")
    assert linecache.getline(name_f, 5) == "    y = x + shift\n"
    assert "".join(linecache.getlines(name_g)) == SOURCE


def test_inspect_reads_the_generated_source_back():
    f = compile_source(SOURCE, "shifted_sin")
    assert inspect.getsource(f) == SOURCE.split("\n\n\n", 1)[1]


def test_a_traceback_through_generated_code_shows_the_generated_line():
    g = ad.grad(inverse)
    with pytest.raises(ZeroDivisionError) as info:
        g(0.0)
    text = "".join(traceback.format_exception(info.value))
    generated = [line.strip() for line in g.source.splitlines() if "/" in line]
    assert generated and generated[0] in text
    assert "<adcompile inverse_grad" in text


def test_a_traceback_names_the_line_of_a_multi_line_function():
    g = ad.grad(root_of)
    with pytest.raises(ValueError) as info:
        g(-1.0)
    frames = [frame for frame in traceback.extract_tb(info.value.__traceback__)
              if frame.filename.startswith("<adcompile")]
    assert len(frames) == 1
    frame = frames[0]
    assert frame.line == g.source.splitlines()[frame.lineno - 1].strip()
    assert "math.sqrt" in frame.line


def test_generated_code_with_tapes_can_be_read_and_compiled_again():
    g = ad.grad(power_loop)
    expected = g(1.5)
    program = g._last.function
    assert "tape" in g.source
    assert inspect.getsource(program) == g.source.split("\n\n\n", 1)[-1]
    again = ad.primal(program)
    assert again(1.5) == expected


def test_the_source_survives_linecache_checkcache():
    # traceback and inspect call checkcache, which drops entries for files that changed
    # on disk: a generated file has no disk file and must stay
    f = compile_source(SOURCE, "shifted_sin")
    linecache.checkcache()
    linecache.checkcache(f.__code__.co_filename)
    assert linecache.getline(f.__code__.co_filename, 4) == "def shifted_sin(x, shift=0.5):\n"


# ---- NumPy's semantics where the user wrote NumPy, math's where they wrote math ----------

def np_exp(x):
    return np.exp(x)


def np_sqrt(x):
    return np.sqrt(x)


def np_log(x):
    return np.log(x)


def math_log(x):
    return math.log(x)


def math_exp(x):
    return math.exp(x)


def mixed(x):
    return np.sqrt(x) * 2.0 + math.sin(x)


@pytest.mark.parametrize("fun, x, transform, expected", [
    (np_exp, 1000.0, ad.primal, math.inf), (np_exp, 1000.0, ad.grad, math.inf),
    (np_sqrt, -1.0, ad.primal, math.nan), (np_sqrt, 0.0, ad.grad, math.inf),
    (np_sqrt, 0.0, ad.hessian, -math.inf),
    (np_sqrt, 0.0, lambda f: ad.derivative(f, order=2), -math.inf),
    (np_log, 0.0, ad.primal, -math.inf), (np_log, 0.0, ad.grad, math.inf),
    (mixed, 0.0, ad.grad, math.inf),
])
def test_numpy_functions_give_inf_and_nan_as_numpy_does(fun, x, transform, expected):
    with np.errstate(all="ignore"):
        got = transform(fun)(x)
    np.testing.assert_equal(got, expected)


@pytest.mark.parametrize("fun, x, error", [
    (math_log, 0.0, ValueError), (math_exp, 1000.0, OverflowError),
    (inverse, 0.0, ZeroDivisionError),
])
def test_math_functions_and_python_operators_raise_as_python_does(fun, x, error):
    with pytest.raises(error):
        fun(x)
    with pytest.raises(error):
        ad.primal(fun)(x)


def test_the_readable_source_is_the_fast_one():
    assert ad.grad(mixed).source.splitlines()[-1] == \
        "    return math.cos(x) + 2.0 * (0.5 / math.sqrt(x))"


def test_code_without_numpy_scalars_has_no_fallback():
    _, fast, run = compile_function(specialize(root_of, [FLOAT]), "root_of")
    assert run is fast
    _, fast, run = compile_function(specialize(mixed, [FLOAT]), "mixed")
    assert run is not fast and run(4.0) == fast(4.0)


def power_of_square(x):
    return (x * x) ** 1.5


@pytest.mark.parametrize("transform", [lambda f: ad.grad(ad.grad(f)), ad.hessian,
                                       lambda f: ad.derivative(f, order=2)])
def test_a_derivative_rule_failing_where_the_function_does_not_gives_nan_not_an_error(
        transform):
    # (x*x)**1.5 is defined at 0; its second derivative's rule divides by a zero base.
    assert power_of_square(0.0) == 0.0
    with np.errstate(all="ignore"):
        assert math.isnan(transform(power_of_square)(0.0))
    assert transform(power_of_square)(1.0) == pytest.approx(6.0)


def test_where_the_users_function_raises_its_derivative_raises_the_fast_codes_error():
    with pytest.raises(ZeroDivisionError):
        inverse(0.0)
    with pytest.raises(ZeroDivisionError) as info:
        ad.grad(inverse)(0.0)
    frames = [f for f in traceback.extract_tb(info.value.__traceback__)
              if f.filename.startswith("<adcompile")]
    assert frames[-1].line in ad.grad(inverse).source
