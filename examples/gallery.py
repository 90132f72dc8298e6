"""The README's gallery: the pictures of docs/, drawn from the other examples' functions.

- goldstein.png: the graph of the Goldstein-Price function (case 5);
- my_sin_grad.png: the graph of my_sin's gradient, its loop once forwards and once
  backwards (cases 7-8);
- tanh_d3.png: the graph of tanh's third derivative (case 16);
- sin_derivatives.png: sin and its first three derivatives (case 15, with matplotlib).

Without Graphviz or matplotlib, it says what is missing and draws what it can. With
Pillow (which matplotlib installs), the graphs are stored with 32 colours, a third of
the size: they have only a handful.

Run: python examples/gallery.py [OUT_DIR]   (the README's pictures: OUT_DIR = docs)
"""

import os
import sys

import adcompile as ad
import sin_plot
from goldstein_graph import goldstein
from my_sin import my_sin
from tanh_orders import tanh


def main(out_dir="."):
    graphs = [("goldstein.png", goldstein, (1.0, 1.0)),
              ("my_sin_grad.png", ad.grad(my_sin), (0.5,)),
              ("tanh_d3.png", ad.derivative(tanh, order=3), (1.0,))]
    for name, fun, example in graphs:
        try:
            path = ad.plot(fun, os.path.join(out_dir, name), *example)
        except ad.GraphvizNotFoundError as err:
            print(err)
            break
        shrink(path)
        print(f"wrote {path}")
    sin_plot.main(out_dir)


def shrink(path):
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        fewer = image.convert("RGB").quantize(32)
    fewer.save(path, optimize=True)


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    main(out_dir)
