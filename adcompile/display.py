"""Pictures of compiled functions: Graphviz rendering, and the HTML a notebook shows.

`render` runs Graphviz's ``dot`` (the one place that does). `notebook_html` is what a
compiled function shows in a notebook (``Transformed._repr_html_``): its generated
source, highlighted with Pygments where it is installed (else a plain ``<pre>``), and,
where ``dot`` is installed, its graph as inline SVG. Both are optional: without them the
display is plain text, never an error.
"""

from __future__ import annotations

import html
import shutil
import subprocess

from .errors import GraphvizNotFoundError

_INSTALL_GRAPHVIZ = (
    "Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install graphviz`, or see https://graphviz.org/download/.")


def render(dot_text: str, fmt: str) -> bytes:
    """`dot_text` rendered by Graphviz's `dot` as `fmt` (png, svg, pdf)."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            f"drawing a graph needs Graphviz's `dot` program, which is not on PATH. "
            f"{_INSTALL_GRAPHVIZ} to_dot() gives the DOT text without it.")
    done = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode(), capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def highlighted_python(source: str) -> str:
    """`source` as HTML: highlighted by Pygments if it is installed, else preformatted."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(source)}</pre>"
    # Inline styles: a notebook output cell has no style sheet for Pygments' classes.
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True))


def notebook_html(title: str, source: str, dot_text: str | None) -> str:
    """The HTML of a compiled function called `title`: its source, and its graph when
    `dot_text` is given and Graphviz can draw it."""
    parts = [f"<div><p><code>{html.escape(title)}</code></p>", highlighted_python(source)]
    if dot_text is not None and shutil.which("dot") is not None:
        svg = render(dot_text, "svg").decode()
        # Drop the XML prologue and DOCTYPE, which are not allowed inside HTML.
        parts.append(svg[svg.index("<svg"):].rstrip())
    parts.append("</div>")
    return "\n".join(parts)


def problem_html(title: str, problem: str) -> str:
    """The HTML of a function called `title` that does not compile, saying why."""
    return (f"<div><p><code>{html.escape(title)}</code></p>"
            f"<pre>{html.escape(problem)}</pre></div>")
