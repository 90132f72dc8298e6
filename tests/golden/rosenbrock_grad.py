def rosenbrock_grad(x0, x1):
    bx1 = 200.0 * (x1 - x0 * x0)
    t = bx1 * x0
    return 2.0 * (x0 - 1.0) - t - t, bx1
