def f(a, /, b, *, c):
    return a + b + c

def g(*, key=None):
    if key is None:
        return "none"
    return key

print(f(1, 2, c=3), g(), g(key="k"))
