def sum_squares_grad(x):
    return 2 * x
