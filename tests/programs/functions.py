def add(a, b):
    return a + b

def unused(x):
    y = x * 2
    return y

def defaults(a, b=2, *args, **kwargs):
    if args:
        return a + b + sum(args)
    return a + b

print(add(1, 2), defaults(1), defaults(1, 2, 3))
