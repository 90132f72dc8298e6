"""Logistic regression fitted by Newton's method, with the Hessian from `ad.hessian`.

200 points with 3 features and labels drawn from a known logistic model (NumPy, fixed
seed). The loss is the mean negative log-likelihood plus a small ridge term,

    mean(logaddexp(0, -y * (X @ w))) + LAMBDA/2 * sum(w**2)    (y in {-1, +1}),

and each Newton step solves  H(w) d = -grad(w)  with NumPy's `np.linalg.solve` (the step
itself is not differentiated). The gradient's norm falls quadratically: the number of
correct digits about doubles at each step.

Run: python examples/logistic_newton.py
"""

import numpy as np

import adcompile as ad

POINTS, FEATURES, LAMBDA, STEPS = 200, 3, 0.01, 6


def data(rng):
    """X (200 x 4, the last column ones for the intercept) and labels y in {-1, +1}."""
    X = np.hstack([rng.normal(size=(POINTS, FEATURES)), np.ones((POINTS, 1))])
    true_w = np.array([1.5, -2.0, 0.5, 0.3])
    p = 1.0 / (1.0 + np.exp(-X @ true_w))
    y = np.where(rng.random(POINTS) < p, 1.0, -1.0)
    return X, y, true_w


def loss(w, X, y):
    return np.mean(np.logaddexp(0.0, -y * (X @ w))) + LAMBDA / 2 * np.sum(w * w)


def main():
    X, y, true_w = data(np.random.default_rng(0))
    grad, hessian = ad.grad(loss), ad.hessian(loss)
    w = np.zeros(X.shape[1])
    print("step  loss                |gradient|")
    for step in range(STEPS + 1):
        g = grad(w, X, y)
        print(f"{step:4d}  {loss(w, X, y):.15f}  {np.linalg.norm(g):.1e}")
        if step < STEPS:
            w = w - np.linalg.solve(hessian(w, X, y), g)
    print(f"\nfitted w {np.round(w, 3)}  (the data were drawn with w {true_w})")
    p = 1.0 / (1.0 + np.exp(-X @ w))
    by_hand = X.T @ (X * (p * (1 - p))[:, None]) / len(X) + LAMBDA * np.eye(len(w))
    print(f"Hessian at the fit, largest difference from X^T diag(p(1-p)) X / n + LAMBDA I: "
          f"{np.max(np.abs(hessian(w, X, y) - by_hand)):.1e}")
    print(np.round(hessian(w, X, y), 4))


if __name__ == "__main__":
    main()
