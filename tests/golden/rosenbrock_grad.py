def rosenbrock_grad(x0, x1):
    bx1 = 200.0 * (x1 - x0 ** 2)
    return 2 * (x0 - 1) - bx1 * (2 * x0), bx1
