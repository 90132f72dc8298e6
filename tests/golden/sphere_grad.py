def sphere_grad(x, y):
    return 2.0 * x, 2.0 * y
