"""Where a snippet stands in a function's source file, for the tests that check the
places adcompile reports (not a test module). Computed with `inspect`, never written
down, so editing a test file cannot break them."""

import inspect


def line_of(fn, snippet):
    """(line number, text) of the first line of `fn`'s source that contains `snippet`;
    the text keeps its indentation and newline."""
    lines, first = inspect.getsourcelines(fn)
    for k, line in enumerate(lines):
        if snippet in line:
            return first + k, line
    raise AssertionError(f"{snippet!r} is not in the source of {fn!r}")
