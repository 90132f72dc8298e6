"""Case 13: Newton's method on f(x) = x**4 - 2*x**2 from x = 2, both derivatives compiled.

    x <- x - f'(x) / f''(x)

The seeds first coded f'' by hand (12*x**2 - 4), then got it from a second backward
pass. Here it is `ad.derivative(f, order=2)`. The iterates reach the minimum x = 1 in 7
steps: 2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0.

Run: python examples/newton_1d.py
"""

import adcompile as ad


def f(x):
    y = x ** 4 - 2 * x ** 2
    return y


def newton(x, iters=10):
    """The first `iters` iterates, starting with x."""
    df = ad.grad(f)
    d2f = ad.derivative(f, order=2)
    xs = []
    for i in range(iters):
        xs.append(x)
        x = x - df(x) / d2f(x)
    return xs


def main():
    for i, x in enumerate(newton(2.0)):
        print(i, x)


if __name__ == "__main__":
    main()
