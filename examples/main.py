"""A short tour of adcompile: the example the README runs after installing.

1. The gradient of the Goldstein-Price function, and the Python adcompile generated.
2. A Taylor-series sin whose loop stops on a data-dependent `break`: differentiated
   through a tape, not unrolled.
3. The exact Hessian of the Rosenbrock function, and Newton's method with it.
4. Higher derivatives of tanh, each compiled to a short program.

The other scripts in this directory take each of these further, one seed case each.

Run: python examples/main.py
"""

import numpy as np

import adcompile as ad
from my_sin import my_sin  # examples/my_sin.py, next to this script


def goldstein(x, y):
    z = (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \
        (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))
    return z


def rosenbrock(x0, x1):
    y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
    return y


def tanh(x):
    y = np.tanh(x)
    return y


def main():
    print("== 1. grad(goldstein) at (1, 1)")
    grad_goldstein = ad.grad(goldstein, argnums=(0, 1))
    print(grad_goldstein(1.0, 1.0))                        # (-5376.0, 8064.0)
    print(grad_goldstein.source)

    print("== 2. my_sin: a Taylor series with a data-dependent break")
    for threshold in (1e-4, 1e-150):
        value, slope = ad.value_and_grad(my_sin)(np.pi / 4, threshold)
        print(f"threshold {threshold:g}: my_sin = {value!r}, derivative = {slope!r}")
    print(f"np.sin, np.cos:   {float(np.sin(np.pi / 4))!r}, {float(np.cos(np.pi / 4))!r}\n")
    print(ad.grad(my_sin).source)

    print("== 3. The Hessian of rosenbrock, and Newton's method from (0, 2)")
    grad = ad.grad(rosenbrock, argnums=(0, 1))
    hessian = ad.hessian(rosenbrock, argnums=(0, 1))
    print("hessian(0, 2) =", hessian(0.0, 2.0))            # ((-798.0, 0.0), (0.0, 200.0))
    point = np.array([0.0, 2.0])
    for step in range(1, 7):
        point = point - np.linalg.solve(np.array(hessian(*point)), np.array(grad(*point)))
        print(f"step {step}: ({float(point[0])!r}, {float(point[1])!r})")

    print("\n== 4. Derivatives of tanh at 1, order 1 to 8")
    for order in range(1, 9):
        print(f"order {order}: {ad.derivative(tanh, order=order)(1.0)!r}")
    print()
    print(ad.derivative(tanh, order=2).source)


if __name__ == "__main__":
    main()
