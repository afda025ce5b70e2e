import functools

def make_adder(n):
    def add(x):
        return x + n
    return add

add5 = make_adder(5)
power = functools.partial(pow, exp=2)
print(add5(1), power(3))
