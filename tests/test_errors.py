"""adcompile.errors: errors located in the user's source, with a caret and a hint."""

import pytest

import adcompile as ad
from adcompile.errors import (AdcompileError, GraphvizNotFoundError, LocatedError, Loc,
                              NonDifferentiableError, SourceUnavailableError,
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
