import math


def sin_d1(x):
    return math.cos(x)


import math


def sin_d2(x):
    return -math.sin(x)


import math


def sin_d3(x):
    return -math.cos(x)


import math


def sin_d4(x):
    return math.sin(x)


import math


def sin_d5(x):
    return math.cos(x)


import math


def sin_d6(x):
    return -math.sin(x)


import math


def sin_d7(x):
    return -math.cos(x)


import math


def sin_d8(x):
    return math.sin(x)
