def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

print(fib(10), fact(5))
