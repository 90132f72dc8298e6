import math


def sin_d2(x):
    return -math.sin(x)
