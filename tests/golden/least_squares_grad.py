def least_squares_grad(A, x, b):
    return A.T @ (2 * (A @ x - b))
