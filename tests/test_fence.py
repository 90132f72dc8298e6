"""Tests for adcompile/frontend/fence.py: every construct the fence refuses is reported as
an `UnsupportedSyntaxError` that names this file, the line and column of the construct
(shown with a caret under it), and a hint saying what to write instead.

Expected lines are computed with `inspect` (`sourcelines.line_of`) from the position of
a snippet in the function's source, never hard-coded, so editing this file cannot break
them.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import adcompile as ad

from sourcelines import line_of

COUNTER = 0.0


# ---- the assertion every test shares ------------------------------------------------

def assert_points_at(err: ad.UnsupportedSyntaxError, fn, snippet: str, *words: str):
    """`err` locates `snippet` (its first occurrence in `fn`'s source), shows the
    source line with a caret under the snippet's first character, has a hint, and its
    message mentions every one of `words` (case-insensitive)."""
    expected_line, text = line_of(fn, snippet)
    text = text.rstrip("\n")
    expected_col = text.index(snippet)            # 0-based, as `Loc.col`
    message = str(err)

    # the file, line and column, as `file:line:col` (1-based column) and as attributes
    assert err.loc is not None, message
    assert os.path.realpath(err.loc.filename) == os.path.realpath(__file__), message
    assert (err.loc.line, err.loc.col) == (expected_line, expected_col), message
    assert f"{err.loc.filename}:{expected_line}:{expected_col + 1}:" in message, message
    assert os.path.basename(__file__) in message

    # the source line, and a caret under the first character of the construct
    shown = message.splitlines()
    carets = [i for i, line in enumerate(shown) if line.strip() == "^"]
    assert len(carets) == 1, message
    source_shown, caret_line = shown[carets[0] - 1], shown[carets[0]]
    assert source_shown.strip() == text.strip(), message
    caret_col = caret_line.index("^")
    assert source_shown[caret_col:].startswith(snippet), message

    # a hint, in the message and as an attribute
    assert err.hint, message
    assert f"hint: {err.hint}" in message
    # the words must be in the explanation itself, not only in the quoted source line
    for word in words:
        assert word.lower() in err.message.lower(), f"{word!r} not in:\n{message}"


def refuse(fn, *args):
    """Compile `grad(fn)` for `args` and return the UnsupportedSyntaxError it raises."""
    args = args or (1.5,)
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(*args)
    return info.value


# ---- the functions refused ----------------------------------------------------------

def uses_try(x):
    y = x * 2.0
    try:
        y = 1.0 / x
    except ZeroDivisionError:
        y = 0.0
    return y


def uses_with(x):
    with open(os.devnull) as handle:
        y = x * 2.0
    return y


def uses_global(x):
    global COUNTER
    COUNTER = x
    return x * 2.0


def make_uses_nonlocal():
    total = 0.0

    def uses_nonlocal(x):
        nonlocal total
        total = total + x
        return x * total
    return uses_nonlocal


uses_nonlocal = make_uses_nonlocal()


def assigns_attribute(x):
    box = x
    box.a = 1
    return x * 2.0


def assigns_element(x):
    a = x
    a[0] = 1
    return a * 2.0


def assigns_slice(x):
    a = x
    a[1:] = 0.0
    return a * 2.0


def yields(x):
    y = x * 2.0
    yield y


def yields_as_value(x):
    y = yield x
    return y


async def async_function(x):
    return x * 2.0


def nested_class(x):
    class Box:
        pass
    return x * 2.0


def nested_def(x):
    def helper(t):
        return t * t
    return helper(x)


assigned_lambda = lambda x: x * 2.0  # noqa: E731


def lambda_in_body(x):
    square = lambda t: t * t  # noqa: E731
    return square(x)


def calls_eval(x):
    y = eval("x * 2.0")
    return y


def calls_exec(x):
    exec("y = x * 2.0")
    return x


def calls_exec_in_expression(x):
    y = x + exec("z = 1")
    return y


def returns_in_for(x):
    s = 0.0
    for i in range(10):
        s = s + x * i
        if s > 3.0:
            return s
    return s


def returns_in_while(x):
    s = x
    while s < 10.0:
        s = s * 2.0
        return s
    return s


def for_else(x):
    s = 0.0
    for i in range(4):
        s = s + x
    else:
        s = s * 2.0
    return s


def while_else(x):
    s = x
    while s < 10.0:
        s = s * 2.0
    else:
        s = -s
    return s


def uses_del(x):
    y = x * 2.0
    del y
    return x


def imports_inside(x):
    import math
    return math.sin(x)


def list_comprehension(x):
    y = sum([x * i for i in range(3)])
    return y


def print_call(x):
    print(x)
    return x * 2.0


def starred_parameters(*xs):
    return xs[0] * 2.0


def positional_only(x, /):
    return x * 2.0


def keyword_only_parameters(x, *, scale=2.0):
    return x * scale


def walrus(x):
    if (y := x * 2.0) > 1.0:
        return y
    return x


# ---- one test per refused construct -------------------------------------------------

def test_try_is_refused():
    assert_points_at(refuse(uses_try), uses_try, "try:", "try")


def test_with_is_refused():
    assert_points_at(refuse(uses_with), uses_with, "with open", "with")


def test_global_is_refused():
    assert_points_at(refuse(uses_global), uses_global, "global COUNTER", "global")


def test_nonlocal_is_refused():
    assert_points_at(refuse(uses_nonlocal), uses_nonlocal, "nonlocal total", "nonlocal")


def test_attribute_assignment_is_refused():
    assert_points_at(refuse(assigns_attribute), assigns_attribute, "box.a = 1", "attribute")


def test_subscript_assignment_is_refused():
    assert_points_at(refuse(assigns_element), assigns_element, "a[0] = 1", "element")


def test_slice_assignment_is_refused():
    assert_points_at(refuse(assigns_slice), assigns_slice, "a[1:] = 0.0", "slice")


def test_yield_statement_is_refused():
    assert_points_at(refuse(yields), yields, "yield y", "yield")


def test_yield_expression_is_refused():
    assert_points_at(refuse(yields_as_value), yields_as_value, "yield x", "yield")


def test_async_def_is_refused():
    err = refuse(async_function)
    assert_points_at(err, async_function, "async def", "async")


def test_nested_class_is_refused():
    assert_points_at(refuse(nested_class), nested_class, "class Box", "class")


def test_nested_defs_and_lambdas_pass_the_fence():
    assert ad.grad(nested_def)(1.5) == 3.0
    assert ad.grad(assigned_lambda)(1.5) == 2.0
    assert ad.grad(lambda_in_body)(1.5) == 3.0


def decorated_nested_def(x):
    @ad.grad
    def helper(t):
        return t * t
    return helper(x)


def starred_nested_def(x):
    def helper(*ts):
        return ts[0]
    return helper(x)


def test_a_decorated_nested_def_is_refused_with_a_hint_that_works():
    assert_points_at(refuse(decorated_nested_def), decorated_nested_def, "ad.grad",
                     "decorated")
    assert ad.grad(uses_the_hint)(1.5) == 2.0


def helper_at_module_level(t):
    return t * t


def uses_the_hint(x):
    return ad.grad(helper_at_module_level)(x)


def test_starred_parameters_of_a_nested_def_are_refused():
    assert_points_at(refuse(starred_nested_def), starred_nested_def, "def helper",
                     "*args")


def test_eval_is_refused():
    assert_points_at(refuse(calls_eval), calls_eval, 'eval("x', "eval")


def test_exec_statement_is_refused():
    # `exec(...)` is written as a statement; the message should still name exec
    assert_points_at(refuse(calls_exec), calls_exec, 'exec("y', "exec")


def test_exec_in_an_expression_is_refused():
    assert_points_at(refuse(calls_exec_in_expression), calls_exec_in_expression,
                     'exec("z', "exec")


def test_return_inside_for_is_refused():
    assert_points_at(refuse(returns_in_for), returns_in_for, "return s", "return",
                     "loop")


def test_return_inside_while_is_refused():
    assert_points_at(refuse(returns_in_while), returns_in_while, "return s", "return",
                     "loop")


def test_for_else_is_refused():
    # gast keeps no position for the `else` keyword: the caret goes under the first
    # statement of the else clause
    assert_points_at(refuse(for_else), for_else, "s = s * 2.0", "else")


def test_while_else_is_refused():
    assert_points_at(refuse(while_else), while_else, "s = -s", "else")


def test_del_is_refused():
    assert_points_at(refuse(uses_del), uses_del, "del y", "del")


def test_import_inside_is_refused():
    assert_points_at(refuse(imports_inside), imports_inside, "import math", "import")


def test_a_list_comprehension_compiles():
    assert ad.grad(list_comprehension)(1.5) == 3.0


def test_bare_call_statement_is_refused():
    assert_points_at(refuse(print_call), print_call, "print(x)", "thrown away")


def test_keyword_only_parameters_pass_the_fence():
    assert ad.grad(keyword_only_parameters)(1.5) == 2.0
    assert ad.grad(keyword_only_parameters)(1.5, scale=3.0) == 3.0


def test_starred_parameters_pass_the_fence_and_positional_only_ones_do_not():
    assert ad.grad(starred_parameters)(1.5) == 2.0
    assert_points_at(refuse(positional_only), positional_only, "def positional_only",
                     "positional-only")


def test_assignment_expression_is_refused():
    assert_points_at(refuse(walrus), walrus, "y := x", ":=")


# ---- the fence runs on helpers too ----------------------------------------------------

def calls_helper_with_try(x):
    y = uses_try(x)
    return y * 3.0


def test_refused_construct_in_a_helper_points_into_the_helper():
    err = refuse(calls_helper_with_try)
    assert_points_at(err, uses_try, "try:", "try")


def test_every_transform_refuses():
    for transform in (ad.grad, ad.value_and_grad, ad.hessian, ad.jacobian, ad.derivative,
                      ad.primal):
        with pytest.raises(ad.UnsupportedSyntaxError) as info:
            transform(uses_global)(1.5)
        assert_points_at(info.value, uses_global, "global COUNTER", "global")
    with pytest.raises(ad.UnsupportedSyntaxError):
        ad.jvp(uses_global, (1.5,), (1.0,))
    with pytest.raises(ad.UnsupportedSyntaxError):
        ad.vjp(uses_global, 1.5)


def test_refusal_is_repeatable():
    """A refused function is refused again on the next call, not half-cached."""
    first = refuse(uses_try)
    second = refuse(uses_try)
    assert str(first) == str(second)


def test_refusal_is_an_adcompile_error():
    err = refuse(uses_with)
    assert isinstance(err, ad.AdcompileError)


# ---- functions with no source to read -------------------------------------------------
# (raised while reading the source, before the fence runs; they are the other half of
# "reject early")

def _made_by_exec():
    namespace = {}
    exec("def made_by_exec(x):\n    return x * 2.0\n", namespace)
    return namespace["made_by_exec"]


def test_function_made_by_exec_has_no_source():
    fn = _made_by_exec()
    with pytest.raises(ad.SourceUnavailableError) as info:
        ad.grad(fn)(1.5)
    message = str(info.value)
    assert "made_by_exec" in message
    assert "exec" in message
    assert "source" in message


def test_function_made_by_exec_is_refused_by_every_entry_point():
    fn = _made_by_exec()
    with pytest.raises(ad.SourceUnavailableError):
        ad.jvp(fn, (1.5,), (1.0,))
    with pytest.raises(ad.SourceUnavailableError):
        ad.vjp(fn, 1.5)
    with pytest.raises(ad.SourceUnavailableError):
        ad.hessian(fn)(1.5)


@pytest.mark.parametrize("builtin", [math.gamma, sorted, np.convolve],
                         ids=["math.gamma", "sorted", "np.convolve"])
def test_builtin_without_a_primitive_has_no_source(builtin):
    with pytest.raises(ad.SourceUnavailableError) as info:
        ad.grad(builtin)(1.5)
    message = str(info.value)
    assert "source" in message
    assert "builtin" in message


# ---- list literals: what np.array and the joins take, and nothing else --------------------

def list_in_a_list_comprehension_argument(x):
    return np.array([[x, [y for y in (x, x)]]])


def list_as_argument_of_a_math_function(x):
    return math.sin([x, x])


def lists_for_numpy(x):
    rows = np.array([[x, 2.0 * x], [x * x, 1.0]])
    return np.sum(np.concatenate([rows, np.stack([rows[0:1], rows[1:]]).reshape(2, 2)]))


def test_a_returned_list_of_run_time_length_is_refused():
    err = refuse(returns_a_list, np.ones(3))
    assert_points_at(err, returns_a_list, "[v * v", "returning a list", "length")
    assert "sum(xs)" in err.hint


def test_a_ragged_array_of_lists_is_refused():
    with pytest.raises(ad.ShapeError) as info:
        ad.grad(list_in_a_list_comprehension_argument)(1.5)
    assert "cannot stack shapes () and (2,)" in str(info.value)
    assert info.value.loc.line == line_of(list_in_a_list_comprehension_argument,
                                          "[y for")[0]


def test_a_list_is_refused_as_the_argument_of_a_math_function():
    err = refuse(list_as_argument_of_a_math_function)
    assert_points_at(err, list_as_argument_of_a_math_function, "[x, x]", "a list cannot")
    assert "np.array(xs)" in err.hint


def test_lists_as_np_array_and_join_arguments_compile():
    assert ad.primal(lists_for_numpy)(1.5) == lists_for_numpy(1.5)


# ---- every refusal's hint, followed, compiles ------------------------------------------
# (refused, the snippet it points at, the function written as the hint says, its args):
# the refusal is located with a hint, and the rewrite compiles with the right gradient.

class Scale:
    factor = 3.0


def tries(x):
    try:
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y


def checks_with_if(x):
    y = math.log(x) if x > 0 else 0.0
    return y


def defines_a_class(x):
    class Local:
        factor = 3.0
    return Local.factor * x


def uses_a_module_class(x):
    return Scale.factor * x


def yields_a_square(x):
    yield x * x


def returns_instead(x):
    return x * x


def writes_a_global(x):
    global COUNTER
    COUNTER = x
    return x * x


def takes_an_argument_instead(x, counter):
    counter = x
    return x * x + 0.0 * counter


def recurses(x, n=3):
    if n == 0:
        return x
    return recurses(x * x, n - 1) + 0.0


def loops_instead(x, n=3):
    for _ in range(n):
        x = x * x
    return x


def set_comprehension(x):
    return sum({v * v for v in x})


def dict_comprehension(x):
    squares = {k: v * v for k, v in enumerate(x)}
    return squares[0]


def list_comprehension_instead(x):
    return sum([v * v for v in x])


def while_else_adds(x):
    while x < 10.0:
        x = x * 2.0
        if x > 7.0:
            break
    else:
        x = x + 1.0
    return x


def while_with_a_flag(x):
    broke = False
    while x < 10.0:
        x = x * 2.0
        if x > 7.0:
            broke = True
            break
    if not broke:
        x = x + 1.0
    return x


def writes_into_an_argument(x):
    x[0] = 1.0
    return np.sum(x * x)


def writes_into_a_copy(x):
    y = x.copy()
    y[0] = 1.0
    return np.sum(y * x)


def a_bound_generator(x):
    squares = (v * v for v in x)
    return sum(squares)


def a_bound_list_instead(x):
    squares = [v * v for v in x]
    return sum(squares)


def extends(x):
    xs = [x]
    xs.extend([x * x])
    return xs[1]


def appends_instead(x):
    xs = [x]
    xs.append(x * x)
    return xs[1]


def walks_a_list_it_grows(x):
    xs = [x]
    for v in xs:
        xs.append(v * v)
    return xs[-1]


def appends_to_another(x):
    xs = [x]
    ys = []
    for v in xs:
        ys.append(v * v)
    return ys[-1]


def arrays_a_list_of_run_time_length(x):
    ys = [v * v for v in x if v > 0]  # (without the filter, its length is len(x))
    return np.sum(np.array(ys))


def writes_into_an_array_instead(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = x[i] * x[i]
    return np.sum(y)


def returns_a_list(x):
    return [v * v for v in x]


def returns_a_sum(x):
    return sum(v * v for v in x)


def appends_to_an_alias(x):
    xs = [x]
    ys = xs
    ys.append(x * x)
    return xs[-1]


def appends_to_a_copy(x):
    xs = [x]
    ys = list(xs)
    ys.append(x * x)
    return ys[-1]


X3 = np.array([0.5, 1.5, 2.5])
HINTS = [
    (tries, "try:", checks_with_if, (2.0,)),
    (defines_a_class, "class Local", uses_a_module_class, (2.0,)),
    (yields_a_square, "yield x", returns_instead, (2.0,)),
    (writes_a_global, "global COUNTER", takes_an_argument_instead, (2.0, 0.0)),
    (recurses, "recurses(x * x", loops_instead, (1.1,)),
    (set_comprehension, "{v * v", list_comprehension_instead, (X3,)),
    (dict_comprehension, "k: v", list_comprehension_instead, (X3,)),
    (while_else_adds, "x = x + 1.0", while_with_a_flag, (1.5,)),
    (writes_into_an_argument, "x[0]", writes_into_a_copy, (X3,)),
    (a_bound_generator, "(v * v", a_bound_list_instead, (X3,)),
    (extends, "xs.extend", appends_instead, (2.0,)),
    (walks_a_list_it_grows, "xs:", appends_to_another, (2.0,)),
    (arrays_a_list_of_run_time_length, "ys))", writes_into_an_array_instead, (X3,)),
    (returns_a_list, "[v * v", returns_a_sum, (X3,)),
    (appends_to_an_alias, "ys.append", appends_to_a_copy, (2.0,)),
]


@pytest.mark.parametrize("refused, snippet, rewrite, args", HINTS,
                         ids=[row[0].__name__ for row in HINTS])
def test_a_refusal_s_hint_compiles(refused, snippet, rewrite, args):
    err = refuse(refused, *args[:refused.__code__.co_argcount])
    assert_points_at(err, refused, snippet)
    ad.testing.check_grads(rewrite, args)
