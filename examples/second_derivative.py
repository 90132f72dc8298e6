"""Case 12: first and second derivatives of f(x) = x**4 - 2*x**2 at x = 2.

f'(2) = 24 and f''(2) = 44. In the seeds, forgetting `x.cleargrad()` between the two
backward passes gives 68 (24 + 44, accumulated on the tape). Here each derivative is a
separate compiled function without state, so that mistake cannot be made: ask as often
as you like, in any order.

Run: python examples/second_derivative.py
"""

import adcompile as ad


def f(x):
    y = x ** 4 - 2 * x ** 2
    return y


def main():
    df = ad.grad(f)
    d2f = ad.grad(ad.grad(f))           # the same as ad.derivative(f, order=2)
    print("f'(2)  =", df(2.0))
    print("f''(2) =", d2f(2.0))
    print("again  :", df(2.0), d2f(2.0), ad.derivative(f, order=2)(2.0))
    print("\nThe generated code:\n")
    print(df.source)
    print(d2f.source)


if __name__ == "__main__":
    main()
