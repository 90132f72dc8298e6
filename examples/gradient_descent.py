"""Case 10: gradient descent on the Rosenbrock function, lr = 0.001, from (0, 2).

After 1000 steps it is still in the valley, near (0.68371, 0.46595); after 50000 it
has reached (0.99999999937, 0.99999999874). Two ways to run it:

1. A Python loop calling the compiled gradient, as the seeds do, minus `cleargrad()`:
   there is no gradient state to reset between calls.
2. The whole loop as one function, with `ad.grad(...)` called inside it: adcompile
   inlines the gradient into the loop and compiles the lot to one Python function.
   Same numbers, far fewer function calls.

Run: python examples/gradient_descent.py
"""

import time

import adcompile as ad


def rosenbrock(x0, x1):
    y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
    return y


def gradient_descent(x0, x1, lr=0.001, iters=1000):
    """The seeds' loop: call the gradient, step against it."""
    grad = ad.grad(rosenbrock, argnums=(0, 1))
    for i in range(iters):
        gx0, gx1 = grad(x0, x1)
        x0 = x0 - lr * gx0
        x1 = x1 - lr * gx1
    return x0, x1


def descend(x0, x1, lr, iters):
    """The same loop, compiled as a whole by ad.primal (grad is inlined in it)."""
    for i in range(iters):
        gx0, gx1 = ad.grad(rosenbrock, argnums=(0, 1))(x0, x1)
        x0 = x0 - lr * gx0
        x1 = x1 - lr * gx1
    return x0, x1


def main():
    print("Python loop calling ad.grad(rosenbrock):")
    for iters in (1000, 50000):
        start = time.perf_counter()
        x0, x1 = gradient_descent(0.0, 2.0, lr=0.001, iters=iters)
        seconds = time.perf_counter() - start
        print(f"  after {iters:5d} steps: ({x0!r}, {x1!r})  [{seconds:.3f} s]")

    compiled = ad.primal(descend)
    compiled(0.0, 2.0, 0.001, 1)  # compile once, outside the timing
    print("The whole loop compiled by ad.primal(descend):")
    for iters in (1000, 50000):
        start = time.perf_counter()
        x0, x1 = compiled(0.0, 2.0, 0.001, iters)
        seconds = time.perf_counter() - start
        print(f"  after {iters:5d} steps: ({x0!r}, {x1!r})  [{seconds:.3f} s]")
    print("\nThe generated code of the compiled loop:\n")
    print(compiled.source)


if __name__ == "__main__":
    main()
