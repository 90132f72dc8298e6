def sphere_grad(x, y):
    bx = 2.0 * x
    by = 2.0 * y
    return bx, by
