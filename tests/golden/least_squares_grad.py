def least_squares_grad(A, x, b):
    return 2 * (A @ x - b) @ A
