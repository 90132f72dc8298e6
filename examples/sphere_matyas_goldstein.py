"""Cases 1-3: gradients of three optimisation benchmarks at (x, y) = (1, 1).

    sphere      z = x**2 + y**2                         grad (2.0, 2.0)
    matyas      z = 0.26*(x**2 + y**2) - 0.48*x*y       grad (0.04, 0.04)
    goldstein   the Goldstein-Price function            grad (-5376.0, 8064.0)

`ad.grad(f, argnums=(0, 1))` gives both partial derivatives at once, as a tuple.
There is no Variable to wrap and no `backward()` to call: the functions are plain
Python, and the gradient is a plain Python function generated from their source.

Run: python examples/sphere_matyas_goldstein.py
"""

import adcompile as ad


def sphere(x, y):
    z = x ** 2 + y ** 2
    return z


def matyas(x, y):
    z = 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y
    return z


def goldstein(x, y):
    z = (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \
        (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))
    return z


def main():
    for f in (sphere, matyas, goldstein):
        gx, gy = ad.grad(f, argnums=(0, 1))(1.0, 1.0)
        print(f"{f.__name__:9s} grad at (1, 1) = ({gx!r}, {gy!r})")

    print("\nThe gradient adcompile generated for goldstein:\n")
    print(ad.grad(goldstein, argnums=(0, 1)).source)


if __name__ == "__main__":
    main()
