"""Case 9: the gradient of the Rosenbrock function at (x0, x1) = (0, 2).

    y = 100*(x1 - x0**2)**2 + (x0 - 1)**2        grad at (0, 2) = (-2.0, 400.0)

Its minimum is at (1, 1), at the end of a long, flat, curved valley; see
gradient_descent.py and newton_rosenbrock.py for two ways to get there.

Run: python examples/rosenbrock.py
"""

import adcompile as ad


def rosenbrock(x0, x1):
    y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
    return y


def main():
    gx0, gx1 = ad.grad(rosenbrock, argnums=(0, 1))(0.0, 2.0)
    print(gx0, gx1)
    print("\nThe generated gradient:\n")
    print(ad.grad(rosenbrock, argnums=(0, 1)).source)


if __name__ == "__main__":
    main()
