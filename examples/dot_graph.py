"""Case 4: the computational graph of `y = x0 + x1` as DOT text.

Values are orange filled ellipses, operations light-blue filled boxes, and edges run
value -> operation -> value, as in the seeds' `get_dot_graph`. The names come from the
function's own variables (x0, x1, y), so there is nothing to set by hand; each value
also says its type (an array its shape, and with `verbose=True` its dtype too).

Writes x0_plus_x1.dot into the current directory, or into the directory argv[1];
render it with `dot x0_plus_x1.dot -T png -o x0_plus_x1.png`.

Run: python examples/dot_graph.py [OUT_DIR]
"""

import os
import sys

import numpy as np

import adcompile as ad


def x0_plus_x1(x0, x1):
    y = x0 + x1
    return y


def main(out_dir="."):
    text = ad.to_dot(x0_plus_x1)
    print(text)

    # Types come from the example arguments the graph is drawn for: for (2, 3)
    # arrays, the verbose graph shows that shape and dtype.
    print(ad.to_dot(x0_plus_x1, np.ones((2, 3)), np.ones((2, 3)), verbose=True))

    path = os.path.join(out_dir, "x0_plus_x1.dot")
    with open(path, "w") as out:
        out.write(text)
    print(f"wrote {path}; render it with: dot {path} -T png -o x0_plus_x1.png")


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    main(out_dir)
