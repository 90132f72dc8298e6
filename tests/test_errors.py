"""adcompile.errors: errors located in the user's source, with a caret and a hint; the API's
own errors; a failure inside the compiler reported with its stage."""

import math

import pytest

import adcompile as ad
import adcompile.cache
import adcompile.pipeline
from adcompile.errors import (AdcompileError, AdcompileTypeError, AdcompileValueError,
                              GraphvizNotFoundError, InternalCompilerError, LocatedError, Loc,
                              NonDifferentiableError, ShapeError, SourceUnavailableError,
                              UnsupportedSyntaxError)

from sourcelines import line_of


def reads_attribute(x):
    y = x * 2.0
    return y + x.real


def shifts(x, y):
    z = x << y
    return z


def helper_with_try(x):
    try:
        return x
    except ValueError:
        return 0.0


def calls_bad_helper(x):
    return helper_with_try(x) * 2.0


# ---- Loc -------------------------------------------------------------------------------

def test_loc_prints_file_line_and_one_based_column():
    assert str(Loc("model.py", 12, 0)) == "model.py:12:1"
    assert str(Loc("model.py", 3, 7, "text")) == "model.py:3:8"


def test_excerpt_puts_the_caret_under_the_column():
    loc = Loc("f.py", 2, 8, "    y = x.real + 1\n")
    lines = loc.excerpt().split("\n")
    assert lines == ["        y = x.real + 1", "            ^"]
    # the caret is under the character at `col`
    assert lines[1].index("^") - 4 == 8
    assert lines[0][lines[1].index("^")] == "x"


def test_excerpt_at_column_zero_and_without_text():
    assert Loc("f.py", 1, 0, "def f(x):").excerpt().split("\n")[1] == "    ^"
    assert Loc("f.py", 1, 0).excerpt() == ""


def test_loc_is_a_value():
    assert Loc("f.py", 1, 2, "t") == Loc("f.py", 1, 2, "t")
    assert len({Loc("f.py", 1, 2), Loc("f.py", 1, 2)}) == 1


# ---- LocatedError ----------------------------------------------------------------------

def test_message_with_location_excerpt_and_hint():
    loc = Loc("f.py", 4, 4, "    del y\n")
    err = UnsupportedSyntaxError("del is not supported", loc, "leave the variable alone")
    assert str(err) == ("f.py:4:5: del is not supported\n"
                        "        del y\n"
                        "        ^\n"
                        "hint: leave the variable alone")
    assert (err.message, err.loc, err.hint) == ("del is not supported", loc,
                                                "leave the variable alone")


def test_message_without_location_or_hint():
    assert str(LocatedError("plain message")) == "plain message"
    assert str(LocatedError("m", hint="do this")) == "m\nhint: do this"
    assert str(LocatedError("m", Loc("f.py", 1, 0))) == "f.py:1:1: m"


def test_hierarchy():
    for cls in (UnsupportedSyntaxError, NonDifferentiableError):
        assert issubclass(cls, LocatedError)
    for cls in (LocatedError, SourceUnavailableError, GraphvizNotFoundError):
        assert issubclass(cls, AdcompileError)
    assert issubclass(AdcompileError, Exception)
    assert ad.UnsupportedSyntaxError is UnsupportedSyntaxError


# ---- errors from compiling user code point at the construct ------------------------------

@pytest.mark.parametrize("fun, line_text, construct", [
    (reads_attribute, "return y + x.real", "x.real"),
    (shifts, "z = x << y", "x << y"),
])
def test_caret_points_at_the_refused_construct(fun, line_text, construct):
    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(fun, argnums=0)(*[1.0] * fun.__code__.co_argcount)
    err = info.value
    line, text = line_of(fun, line_text)
    assert err.loc.filename == __file__
    assert err.loc.line == line
    assert err.loc.col == text.index(construct)
    excerpt = str(err).split("\n")
    caret_line = [k for k, s in enumerate(excerpt) if s.strip() == "^"][0]
    caret = excerpt[caret_line].index("^")
    assert excerpt[caret_line - 1][caret:].startswith(construct)
    assert str(err).startswith(f"{__file__}:{line}:{text.index(construct) + 1}: ")
    assert err.hint


def test_error_in_a_helper_points_into_the_helper():
    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(calls_bad_helper)(1.0)
    line, text = line_of(helper_with_try, "try:")
    assert info.value.loc.line == line
    assert info.value.loc.col == text.index("try")
    assert "try" in info.value.message


def multiplies_by_none(x):
    y = x * 2.0
    return y * None


def test_an_operation_on_operands_it_cannot_take_points_at_it():
    with pytest.raises(ShapeError) as info:
        ad.primal(multiplies_by_none)(1.0)
    line, text = line_of(multiplies_by_none, "return y * None")
    assert (info.value.loc.line, info.value.loc.col) == (line, text.index("y * None"))
    assert info.value.message == "mul of float, none: mul works on numbers and arrays"


# ---- the API's own errors are also the builtin errors ------------------------------------

def test_api_errors_are_also_builtin_errors():
    assert issubclass(AdcompileTypeError, TypeError)
    assert issubclass(AdcompileValueError, ValueError)
    for cls in (AdcompileTypeError, AdcompileValueError, InternalCompilerError):
        assert issubclass(cls, AdcompileError)
        assert getattr(ad, cls.__name__) is cls


# ---- a failure inside the compiler is an InternalCompilerError naming the stage ------------

def stage_probe(x):
    return math.sin(x) * x


def squares(x):
    return x * x


def calls_grad_inside(x):
    return ad.grad(squares)(x) + x


def fails(*args, **kwargs):
    raise KeyError(".value")


@pytest.fixture
def nothing_cached(monkeypatch):
    # every stage runs again, for functions other tests may have compiled
    monkeypatch.setattr(adcompile.cache, "_CACHES", {})
    monkeypatch.setattr(adcompile.cache, "_LAST", {})
    monkeypatch.setattr(adcompile.cache, "_LOWERED", {})


STAGES = {
    "lower": (lambda: ad.grad(stage_probe)(1.0),
                       "reading the source of stage_probe"),
    "infer_function": (lambda: ad.primal(stage_probe)(1.0),
                       "typing stage_probe for arguments (float)"),
    "inline_applies": (lambda: ad.primal(stage_probe)(1.0),
                       "expanding the transforms called in stage_probe"),
    "optimize": (lambda: ad.primal(stage_probe)(1.0), "optimizing stage_probe"),
    "reverse": (lambda: ad.grad(stage_probe)(1.0),
                "differentiating grad(stage_probe, argnums=0) in reverse mode for arguments "
                "(float)"),
    "forward": (lambda: ad.jvp(stage_probe, (1.0,), (1.0,)),
                "differentiating jvp(stage_probe) in forward mode for arguments (float)"),
    "nth_derivative": (lambda: ad.derivative(stage_probe, order=3)(1.0),
                       "differentiating derivative(stage_probe, order=3) in Taylor mode"),
    "compile_function": (lambda: ad.value_and_grad(stage_probe)(1.0),
                         "generating Python for value_and_grad(stage_probe, argnums=0)"),
}


@pytest.mark.parametrize("stage", STAGES, ids=STAGES.keys())
def test_a_failure_inside_the_compiler_names_the_function_and_the_stage(
        stage, monkeypatch, nothing_cached):
    call, doing = STAGES[stage]
    monkeypatch.setattr(adcompile.cache if stage == "lower" else adcompile.pipeline, stage,
                        fails)
    with pytest.raises(InternalCompilerError) as info:
        call()
    assert info.value.stage.startswith(doing)
    assert str(info.value).startswith(f"internal compiler error while {doing}")
    assert "KeyError: '.value'" in str(info.value)
    assert "a bug in adcompile" in str(info.value) and "report" in str(info.value)
    assert isinstance(info.value.__cause__, KeyError)


def test_a_failure_in_a_transform_called_inside_names_that_transform(monkeypatch,
                                                                     nothing_cached):
    monkeypatch.setattr(adcompile.pipeline, "reverse", fails)
    with pytest.raises(InternalCompilerError) as info:
        ad.primal(calls_grad_inside)(1.0)
    assert info.value.stage == ("differentiating grad(squares, argnums=0) in reverse mode "
                                "for arguments (float)")


def test_the_errors_a_stage_raises_on_purpose_pass_through(monkeypatch, nothing_cached):
    def refuses(fn, *args, **kwargs):
        raise NonDifferentiableError("no reverse-mode rule for 'mystery'")
    monkeypatch.setattr(adcompile.pipeline, "reverse", refuses)
    with pytest.raises(NonDifferentiableError, match="mystery"):
        ad.grad(squares)(1.0)


def test_a_type_error_in_a_derivative_program_is_the_compilers(monkeypatch, nothing_cached):
    # the user's program typed; if the program adcompile derived from it does not, the
    # fault is adcompile's, though the exception is one that usually blames the user
    def mistyped(fn, *args, **kwargs):
        raise ShapeError("mul of float, tape: mul works on numbers and arrays")
    monkeypatch.setattr(adcompile.pipeline, "forward", mistyped)
    with pytest.raises(InternalCompilerError) as info:
        ad.jvp(squares, (1.0,), (1.0,))
    assert isinstance(info.value.__cause__, ShapeError)


def divides(x, n):
    return x / n


def test_errors_of_the_users_program_at_run_time_are_not_wrapped():
    with pytest.raises(ZeroDivisionError):
        ad.grad(divides)(1.0, 0)
