def square(n):
    value = n * n
    return value
