"""Case 14: higher derivatives of sin at x = 1.

    2nd  -0.8414709848078965   (-sin 1)
    3rd  -0.5403023058681398   (-cos 1)
    4th   0.8414709848078965   ( sin 1)

`ad.derivative(f, order=n)` applies forward mode n times; `ad.grad(ad.grad(f))` nests
reverse mode the way the seeds repeat `backward(create_graph=True)`. Both compile to a
single line, because the simplifier folds the chain of rules away.

Run: python examples/sin_higher.py
"""

import numpy as np

import adcompile as ad


def sin(x):
    y = np.sin(x)
    return y


def main():
    for order in (2, 3, 4):
        d = ad.derivative(sin, order=order)
        print(f"order {order}: {d(1.0)!r}")
    nested = ad.grad(ad.grad(ad.grad(sin)))
    print(f"grad(grad(grad(sin)))(1.0) = {nested(1.0)!r}")
    print("\nThe generated 4th derivative:\n")
    print(ad.derivative(sin, order=4).source)


if __name__ == "__main__":
    main()
