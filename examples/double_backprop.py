"""Case 17: double backprop, a derivative inside the function being differentiated.

    y = x**2,  gx = dy/dx,  z = gx**3 + y        dz/dx at x = 2: 100.0

`ad.grad(square)(x)` is called inside `z_of`; adcompile compiles it into `z_of` (gx
becomes 2*x), then differentiates the whole: dz/dx = 3*(2x)**2 * 2 + 2x = 100 at x = 2.

Run: python examples/double_backprop.py
"""

import adcompile as ad


def square(x):
    return x ** 2


def z_of(x):
    y = square(x)
    gx = ad.grad(square)(x)
    z = gx ** 3 + y
    return z


def main():
    print("z(2)     =", ad.primal(z_of)(2.0))
    print("dz/dx(2) =", ad.grad(z_of)(2.0))
    print("\nThe generated gradient:\n")
    print(ad.grad(z_of).source)


if __name__ == "__main__":
    main()
