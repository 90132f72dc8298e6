"""Case 6: the derivative of the sin primitive at pi/4.

`np.sin` is a primitive with its own derivative rule (cos), so the value and the
derivative at pi/4 are both sqrt(2)/2: 0.7071067811865475 and 0.7071067811865476
(the two neighbouring floats of sqrt(2)/2; sin and cos of the float pi/4 round to
different sides of it).

Run: python examples/sin.py
"""

import numpy as np

import adcompile as ad


def sin(x):
    y = np.sin(x)
    return y


def main():
    value, slope = ad.value_and_grad(sin)(np.pi / 4)
    print("--- sin ---")
    print(value)
    print(slope)
    print("\nThe generated code:\n")
    print(ad.value_and_grad(sin).source)


if __name__ == "__main__":
    main()
