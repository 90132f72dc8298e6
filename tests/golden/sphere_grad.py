def sphere_grad(x, y):
    return 2 * x, 2 * y
