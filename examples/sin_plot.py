"""Case 15: sin and its first three derivatives over [-7, 7], plotted with matplotlib.

An elementwise function applied to an array gives elementwise results, and so do its
derivatives: `ad.derivative(sin, order=k)(xs)` computes all 200 points in one call, as
the seeds' single forward pass does. The curves are sin, cos, -sin, -cos.

Writes sin_derivatives.png into the current directory, or into the directory argv[1].
Needs matplotlib (pip install matplotlib).

Run: python examples/sin_plot.py [OUT_DIR]
"""

import os
import sys

import numpy as np

import adcompile as ad


def sin(x):
    y = np.sin(x)
    return y


def main(out_dir="."):
    try:
        import matplotlib
        matplotlib.use("Agg")  # write files; no window needed
        import matplotlib.pyplot as plt
    except ImportError:
        print("this example draws with matplotlib: pip install matplotlib")
        return

    xs = np.linspace(-7, 7, 200)
    labels = ["y = sin(x)", "y'", "y''", "y'''"]
    for order, label in enumerate(labels):
        plt.plot(xs, ad.derivative(sin, order=order)(xs), label=label)
    plt.legend(loc="lower right")
    path = os.path.join(out_dir, "sin_derivatives.png")
    plt.savefig(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    main(out_dir)
