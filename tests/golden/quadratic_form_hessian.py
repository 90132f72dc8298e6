def quadratic_form_hessian(x, A):
    return (A + A.T).T
