import functools

def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        return result
    return wrapper

def repeat(times):
    def decorate(func):
        def inner(*args):
            return [func(*args) for _ in range(times)]
        return inner
    return decorate

@logged
def greet(name):
    return "hi " + name

@repeat(2)
@logged
def twice(x):
    return x

print(greet("a"), twice(1))
