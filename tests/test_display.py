"""adcompile.display: Graphviz rendering, and what a compiled function shows in a notebook
(tested by calling `_repr_html_`, as a notebook does)."""

import html
import re
import shutil
import sys

import pytest

import adcompile as ad
from adcompile.display import render

DOT = shutil.which("dot")


def clipped(x):
    if x < 0.0:
        return -x * x
    return x * x


def guarded(x):
    try:
        return x
    except ValueError:
        return 0.0


def _hide_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))


def test_the_text_display_is_unchanged():
    g = ad.grad(clipped)
    assert repr(g) == "<adcompile grad(clipped, argnums=0)>"
    assert not hasattr(g, "_repr_pretty_")  # IPython's plain text falls back to repr


def test_html_shows_the_generated_source_highlighted_and_the_graph():
    g = ad.grad(clipped)
    g(2.0)
    page = g._repr_html_()
    assert page.startswith("<div><p><code>&lt;adcompile grad(clipped, argnums=0)&gt;</code>")
    # Pygments (installed with the dev extra) with inline styles: the keyword `def` is
    # styled, and the text of the source is all there
    assert re.search(r'<span style="[^"]+">def</span>', page)
    text = html.unescape(re.sub(r"<[^>]+>", "", page.split("<svg")[0]))
    assert g.source in text
    if DOT:
        assert page.count("<svg") == 1 and page.rstrip().endswith("</svg>\n</div>")
        assert "<?xml" not in page and "DOCTYPE" not in page
        # the graph of the gradient: its cond drawn as an `if` box
        assert ">if</text>" in page.split("<svg")[1]


def test_without_graphviz_the_html_is_the_source_alone(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    page = ad.grad(clipped)._repr_html_()
    assert "<svg" not in page and "clipped_grad" in page


def test_without_pygments_the_source_is_preformatted(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "pygments", None)  # import pygments fails
    g = ad.grad(clipped)
    page = g._repr_html_()
    assert f"<pre>{html.escape(g.source)}</pre>" in page
    assert "&lt; 0.0" in page  # the comparison, escaped


def test_a_function_that_does_not_compile_shows_why():
    page = ad.grad(guarded)._repr_html_()
    assert "<pre>UnsupportedSyntaxError: " in page and "try/except is not supported" in page


def test_render_runs_dot_or_says_how_to_install_it(monkeypatch, tmp_path):
    text = ad.to_dot(clipped, 1.0)
    if DOT:
        assert render(text, "png").startswith(b"\x89PNG\r\n\x1a\n")
        assert b"<svg" in render(text, "svg")
    _hide_dot(monkeypatch, tmp_path)
    with pytest.raises(ad.GraphvizNotFoundError, match="apt-get install graphviz"):
        render(text, "svg")
