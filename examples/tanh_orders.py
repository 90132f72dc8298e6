"""Case 16: derivatives of tanh of order 1 to 8 at x = 1, and the size of their graphs.

tanh's derivative rule is written with its output, 1 - y**2, as in the seeds. The k-th
derivative is a polynomial in y = tanh(x): P_0(y) = y, P_{k+1}(y) = P_k'(y) * (1 - y**2);
the table compares adcompile with that closed form. The seeds' tape graphs grow fast with
the order; here the simplifier keeps each derivative program short, and its graph (the
DOT of the compiled program) is reported and drawn.

Writes tanh_d1.svg ... tanh_d8.svg (when Graphviz is installed) into the current
directory, or into the directory argv[1].

Run: python examples/tanh_orders.py [OUT_DIR]
"""

import math
import os
import re
import sys
from fractions import Fraction

import numpy as np

import adcompile as ad


def tanh(x):
    y = np.tanh(x)
    return y


def tanh_derivative_closed_form(order, x):
    """d^order/dx^order tanh(x) = P_order(tanh(x)), from the recurrence above.

    P's coefficients are integers; it is evaluated exactly (in fractions), because
    in floats its terms cancel and lose digits at high orders."""
    p = np.polynomial.Polynomial([0, 1])
    for _ in range(order):
        p = p.deriv() * np.polynomial.Polynomial([1, 0, -1])
    y = Fraction(math.tanh(x))
    return float(sum(round(c) * y ** k for k, c in enumerate(p.coef)))


def graph_size(dot_text):
    """(nodes, edges) of a DOT text."""
    return len(re.findall(r"^\s*\d+ \[", dot_text, re.M)), dot_text.count("->")


def main(out_dir="."):
    print("order  adcompile              closed form            nodes  edges")
    drawn = True
    for order in range(1, 9):
        d = ad.derivative(tanh, order=order)
        value = d(1.0)
        nodes, edges = graph_size(ad.to_dot(d))
        print(f"{order:5d}  {value!r:21}  {tanh_derivative_closed_form(order, 1.0)!r:21}"
              f"  {nodes:5d}  {edges:5d}")
        if drawn:
            try:
                ad.plot(d, os.path.join(out_dir, f"tanh_d{order}.svg"))
            except ad.GraphvizNotFoundError as err:
                print(err)
                drawn = False
    if drawn:
        print(f"drew tanh_d1.svg ... tanh_d8.svg in {out_dir}")
    print("\nThe generated 3rd derivative:\n")
    print(ad.derivative(tanh, order=3).source)


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    main(out_dir)
