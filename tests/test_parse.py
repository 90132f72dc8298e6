"""adcompile.frontend.parse: find a function's source, parse it, map places back."""

import functools
import inspect
import math
import sys

import gast
import pytest

from adcompile.errors import SourceUnavailableError, UnsupportedSyntaxError
from adcompile.frontend.parse import ParsedFunction, parse_function

from sourcelines import line_of


def plain(x, y=2.0):
    z = x * y
    return math.sin(z)


def decorate(fn):
    return fn


@decorate
def decorated(x):
    return x + 1.0


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


@doubled
def doubled_square(x):
    return x * x


class Holder:
    def method(self, x):
        value = x * 3.0
        return value

    @staticmethod
    def static(x):
        return x - 1.0


square = lambda x: x * x  # noqa: E731


def test_parses_the_functions_def():
    parsed = parse_function(plain)
    assert isinstance(parsed, ParsedFunction)
    assert isinstance(parsed.node, gast.FunctionDef)
    assert parsed.node.name == "plain"
    assert [a.id for a in parsed.node.args.args] == ["x", "y"]
    assert parsed.filename == __file__
    assert parsed.indent == 0


def test_locations_are_places_in_the_users_file():
    parsed = parse_function(plain)
    line, text = line_of(plain, "return math.sin(z)")
    ret = parsed.node.body[-1]
    loc = parsed.loc(ret)
    assert (loc.filename, loc.line, loc.col) == (__file__, line, text.index("return"))
    assert loc.text == text
    call = ret.value
    assert parsed.loc(call).col == text.index("math.sin")
    assert parsed.loc(parsed.node).line == plain.__code__.co_firstlineno


def test_decorated_function_locations_skip_the_decorator():
    parsed = parse_function(decorated)
    line, text = line_of(decorated, "def decorated")
    loc = parsed.loc(parsed.node)
    assert loc.line == line and loc.text == text
    body_line, body_text = line_of(decorated, "return x + 1.0")
    assert parsed.loc(parsed.node.body[0]).line == body_line


def test_indented_methods_get_their_columns_back():
    for fn, text, what in [(Holder.method, "value = x * 3.0", "x * 3.0"),
                           (Holder.static, "return x - 1.0", "x - 1.0")]:
        parsed = parse_function(fn)
        assert parsed.indent == 4
        line, source_line = line_of(fn, text)
        stmt = parsed.node.body[0]
        loc = parsed.loc(stmt.value)
        assert loc.line == line
        assert loc.col == source_line.index(what)
        assert loc.text == source_line


def test_parsing_is_cached():
    assert parse_function(plain) is parse_function(plain)


def test_a_wrapper_is_parsed_not_the_function_it_wraps():
    # functools.wraps sets __wrapped__, which inspect follows: the source parsed must still
    # be that of the code that runs (the wrapper doubles its result)
    parsed = parse_function(doubled_square)
    assert parsed.node.name == doubled_square.__code__.co_name == "wrapper"
    lines, first = inspect.getsourcelines(doubled_square.__code__)
    assert parsed.loc(parsed.node).line == first + 1  # the line after `@functools.wraps`
    assert parsed.loc(parsed.node).text == "    def wrapper(x):\n"


def test_a_builtin_has_no_source():
    with pytest.raises(SourceUnavailableError, match="builtin"):
        parse_function(math.sin)
    with pytest.raises(SourceUnavailableError):
        parse_function(len)


def test_a_function_made_by_exec_has_no_source():
    namespace = {}
    exec("def made(x):\n    return x\n", namespace)
    with pytest.raises(SourceUnavailableError, match="exec"):
        parse_function(namespace["made"])


def test_a_lambda_reads_as_a_def_returning_its_body_at_its_place():
    parsed = parse_function(square)
    assert isinstance(parsed.node, gast.FunctionDef)
    assert [a.id for a in parsed.node.args.args] == ["x"]
    assert isinstance(parsed.node.body[0], gast.Return)
    loc = parsed.loc(parsed.node.body[0].value)
    line, text = line_of(square, "lambda")
    assert loc.filename == __file__ and loc.line == line
    assert text[loc.col:].startswith("x * x")


continued = max(1.0,
                2.0), (lambda y: y + 1.0)


def test_a_lambda_continuing_an_expression_is_found():
    parsed = parse_function(continued[1])
    loc = parsed.loc(parsed.node.body[0].value)
    assert loc.line == line_of(continued[1], "lambda y")[0]
    assert loc.text.strip().startswith("2.0), (lambda y")


twins = (lambda x: x + 1.0), (lambda x: x + 2.0)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="columns of code need Python 3.11")
def test_two_lambdas_on_one_line_are_told_apart_by_column():
    first, second = (parse_function(f).node.body[0].value for f in twins)
    assert first.right.value == 1.0 and second.right.value == 2.0


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="Python 3.11 tells them apart")
def test_two_lambdas_on_one_line_are_refused_before_python_3_11():
    with pytest.raises(UnsupportedSyntaxError, match="several lambdas") as info:
        parse_function(twins[0])
    assert "a line of its own" in info.value.hint
