"""Sample programs shared by the test modules (not a test module).

adcompile reads a function's source with `inspect`, so they live at module level in a
real file. Two rules:

- the seed cases at the top are the functions whose generated code tests/golden/ pins
  (see test_golden.py): the generated source embeds the name, the printed IR the
  params, so their names and bodies must not change;
- the compile cache is global per function: a test that counts compilations needs a
  function of its own, not one of these.
"""

import math

import numpy as np


# ---- the seed cases pinned by tests/golden/ ---------------------------------------------

def sphere(x, y):
    return x ** 2 + y ** 2


def matyas(x, y):
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


def goldstein(x, y):
    z = (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)) * \
        (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2))
    return z


def rosenbrock(x0, x1):
    return 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2


def sin(x):
    return np.sin(x)


def tanh(x):
    return np.tanh(x)


def my_sin(x, threshold=0.0001):
    y = 0
    for i in range(100000):
        c = (-1) ** i / math.factorial(2 * i + 1)
        t = c * x ** (2 * i + 1)
        y = y + t
        if abs(t) < threshold:
            break
    return y


def sum_squares(x):
    return np.sum(x * x)


def sum_matvec(a, x):
    return np.sum(a @ x)


def least_squares(A, x, b):
    return np.sum((A @ x - b) ** 2)


def logistic_loss(w, X, y):
    z = X @ w
    return np.sum(np.log(1.0 + np.exp(-y * z)))


def softmax_cross_entropy(W, X, Y):
    logits = X @ W
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_z = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(Y * (shifted - log_z))


def two_layer_net(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def quadratic_form(x, A):
    return x @ A @ x


def norm(x):
    return np.linalg.norm(x)


def sum_of_squares(xs):
    return sum(v * v for v in xs)


def power_series(x, n):
    terms = []
    for k in range(n):
        terms.append(x ** k / (k + 1))
    return sum(terms)


def pendulum_rk4(theta, y0):
    """A damped pendulum (theta: gravity over length, damping) integrated for one second
    with 20 steps of RK4; the angle at the end."""
    def f(y):
        return np.array([y[1], -theta[0] * np.sin(y[0]) - theta[1] * y[1]])
    y = y0
    h = 0.05
    for i in range(20):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y[0]


# ---- programs several test modules compile ------------------------------------------------

def two_filled_arrays(x):
    z = np.zeros(3)
    w = np.zeros(3)
    z[0] = x[0]
    w[1] = x[1]
    return np.sum(z * w + z)


def goldstein_terms(x, y):
    # Goldstein-Price in float arithmetic, one named term per factor
    a = x + y + 1.0
    b = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    c = 2.0 * x - 3.0 * y
    d = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return (1.0 + a * a * b) * (30.0 + c * c * d)


def taylor_sin(x):
    # a range loop with a data-dependent break on convergence, as in `my_sin`, each
    # term computed from the last; converged to the last bit, so its derivative is cos
    y = x
    t = x
    for i in range(1, 100):
        t = -t * x * x / ((2 * i) * (2 * i + 1))
        y = y + t
        if abs(t) < 1e-16:
            break
    return y


def newton_sqrt(a):
    # while loop run to convergence, then one more step, so that the derivative of the
    # computed path has converged too (at a = 1 the loop body never runs)
    y = a
    n = 0
    while abs(y * y - a) > 1e-12 * a and n < 200:   # n: no hang if a <= 0
        y = 0.5 * (y + a / y)
        n += 1
    return 0.5 * (y + a / y)


def piecewise(x):
    if x > 1.0:
        y = math.sin(x)
    elif x > 0.0:
        y = x * x
    else:
        y = -x
    return y


def power_loop(x):
    y = 1.0
    for i in range(4):
        y = y * x + 0.5
    return y


def polar(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


# ---- one primitive each, for the rule tests (test_registry, test_rules_sweep) -------------

def unary(fn):
    """The program `fn(x)`, for a primitive spelled as a function (math.sin, np.exp2)."""
    def program(x):
        return fn(x)
    return program


def binary(fn):
    """The program `fn(x, y)`, for a primitive spelled as a function (math.atan2)."""
    def program(x, y):
        return fn(x, y)
    return program


def negative(x):
    return -x


def add(x, y):
    return x + y


def mul(x, y):
    return x * y


def div(x, y):
    return x / y


def power(x, y):
    return x ** y


# ---- powers and the compositions that broke at a zero base (issue 11) ---------------------
# (test_rules_sweep, test_taylor, test_registry)

def square(x):
    return x ** 2.0


def power_three_halves(x):
    return x ** 1.5


def shifted_square(x):
    return (x - 1.0) ** 2.0


def sine_squared(x):
    return np.sin(x) ** 2.0


def lorentzian(x):
    return 1.0 / (1.0 + x ** 2.0)


def double_well(x):
    return x ** 4.0 - 2.0 * x ** 2.0


def cube_of_abs(x):
    return (x * x) ** 1.5


# N-dimensional Rosenbrock, and its tridiagonal Hessian written by hand
def rosenbrock_nd(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_nd_hessian_by_hand(x):
    n = x.size
    h = np.zeros((n, n))
    diagonal = np.zeros(n)
    diagonal[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diagonal[1:] += 200.0
    h.flat[::n + 1] = diagonal
    off = -400.0 * x[:-1]
    h.flat[1::n + 1] = off
    h.flat[n::n + 1] = off
    return h
