"""Case 5: draw the graph of the Goldstein-Price function with Graphviz.

`ad.plot(f, "goldstein.png")` writes the DOT of f's IR and runs Graphviz's `dot` on
it. The DOT is plain standard DOT (`digraph {`), which every Graphviz build accepts
(the seeds met a Windows build that rejected `digraph g {`). Without Graphviz,
`ad.plot` raises `ad.GraphvizNotFoundError` saying how to install it; this script
prints that message and exits normally.

Prints the size of the graph of goldstein and of its gradient program, and writes
goldstein.png into the current directory, or into the directory argv[1].

Run: python examples/goldstein_graph.py [OUT_DIR]
"""

import os
import re
import sys

import adcompile as ad


def goldstein(x, y):
    z = (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \
        (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))
    return z


def graph_size(dot_text):
    """(nodes, edges) of a DOT text."""
    return len(re.findall(r"^\s*\d+ \[", dot_text, re.M)), dot_text.count("->")


def main(out_dir="."):
    for label, f in [("goldstein", goldstein),
                     ("its gradient", ad.grad(goldstein, argnums=(0, 1)))]:
        nodes, edges = graph_size(ad.to_dot(f))
        print(f"graph of {label}: {nodes} nodes, {edges} edges")

    path = os.path.join(out_dir, "goldstein.png")
    try:
        ad.plot(goldstein, path)
    except ad.GraphvizNotFoundError as err:
        print(err)
        return
    print(f"wrote {path}")


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    main(out_dir)
