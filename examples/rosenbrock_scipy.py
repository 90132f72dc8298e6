"""The N-dimensional Rosenbrock function minimized by SciPy with adcompile's derivatives.

    f(x) = sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)

is written once, in NumPy; `ad.grad(f)` and `ad.hessian(f)` are passed to
`scipy.optimize.minimize(..., method="trust-exact")`, which needs both. They are checked
against SciPy's own hand-written `rosen_der` and `rosen_hess` at the start, then the
minimizer walks from the start to the minimum at (1, ..., 1).

Needs SciPy (pip install scipy, or pip install "adcompile[examples]").

Run: python examples/rosenbrock_scipy.py
"""

import numpy as np

import adcompile as ad

N = 10


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def main():
    try:
        from scipy.optimize import minimize, rosen_der, rosen_hess
    except ImportError:
        print("this example minimizes with SciPy: pip install scipy")
        return

    grad, hessian = ad.grad(rosenbrock), ad.hessian(rosenbrock)
    x0 = np.tile([1.3, 0.7, 0.8, 1.9, 1.2], N // 5)  # the start of SciPy's tutorial
    print(f"n = {N}, start {x0}, f = {rosenbrock(x0):.4f}")
    print("largest difference from SciPy's hand-written derivatives at the start:")
    print(f"  gradient {np.max(np.abs(grad(x0) - rosen_der(x0))):.1e}, "
          f"Hessian {np.max(np.abs(hessian(x0) - rosen_hess(x0))):.1e}")

    result = minimize(rosenbrock, x0, jac=grad, hess=hessian, method="trust-exact")
    print(f"{result.nit} iterations ({result.njev} gradients, {result.nhev} Hessians): "
          f"{result.message}")
    print(f"minimum f = {result.fun:.3e} at x = {np.round(result.x, 6)}")
    print("\nThe generated gradient:\n")
    print(grad.source)
    print("The generated Hessian (every direction at once: the rows of np.eye(n)):\n")
    print(hessian.source)


if __name__ == "__main__":
    main()
