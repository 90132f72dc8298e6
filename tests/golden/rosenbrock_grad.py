def rosenbrock_grad(x0, x1):
    bx1 = 200.0 * (x1 - x0 * x0)
    bx0 = 2.0 * (x0 - 1.0) - bx1 * (2.0 * x0)
    return bx0, bx1
