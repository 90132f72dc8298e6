"""Cases 7-8: sin as a Taylor series, with a loop that stops on a data-dependent `break`.

    sin(x) = sum over i of (-1)**i * x**(2i+1) / (2i+1)!

`my_sin` adds terms until one is smaller than `threshold`. adcompile keeps the loop a
loop: the gradient program runs the series forwards while recording what it needs on a
tape, then runs it backwards once per recorded trip. Nothing is unrolled, so the graph
of `my_sin` is the same size whether the loop stops after 5 terms (threshold 1e-4) or
after 90 (threshold 1e-150).

Expected at pi/4:
    threshold 1e-4    value 0.7071064695751781, derivative 0.7071032148228457
    threshold 1e-150  value and derivative equal sin(pi/4) and cos(pi/4)

Writes my_sin_1e-4.png and my_sin_1e-150.png (when Graphviz is installed) into the
current directory, or into the directory argv[1].

Run: python examples/my_sin.py [OUT_DIR]
"""

import math
import os
import re
import sys

import numpy as np

import adcompile as ad


def my_sin(x, threshold=0.0001):
    y = 0
    for i in range(100000):
        c = (-1) ** i / math.factorial(2 * i + 1)
        t = c * x ** (2 * i + 1)
        y = y + t
        if abs(t) < threshold:
            break
    return y


# The threshold fixed to a constant, so each one has a graph of its own to draw.
def my_sin_coarse(x):
    return my_sin(x, threshold=1e-4)


def my_sin_fine(x):
    return my_sin(x, threshold=1e-150)


def graph_size(dot_text):
    """(nodes, edges) of a DOT text."""
    return len(re.findall(r"^\s*\d+ \[", dot_text, re.M)), dot_text.count("->")


def main(out_dir="."):
    x = np.pi / 4
    for threshold in (1e-4, 1e-150):
        value, slope = ad.value_and_grad(my_sin)(x, threshold)
        print(f"--- approximate sin, threshold={threshold} ---")
        print(value)
        print(slope)
    print(f"--- np.sin, np.cos ---\n{np.sin(x)}\n{np.cos(x)}")

    print("\nThe gradient program: a forward loop filling tapes, a reverse loop emptying them\n")
    print(ad.grad(my_sin).source)

    for name, f in [("1e-4", my_sin_coarse), ("1e-150", my_sin_fine)]:
        text = ad.to_dot(f)
        nodes, edges = graph_size(text)
        print(f"graph of my_sin with threshold {name}: {nodes} nodes, {edges} edges, "
              f"{len(text)} characters of DOT")
        try:
            ad.plot(f, os.path.join(out_dir, f"my_sin_{name}.png"))
        except ad.GraphvizNotFoundError as error:  # the sizes above are the point
            print(error)


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    main(out_dir)
