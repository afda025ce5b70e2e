def on_add(x, y):
    return x + y

def on_sub(x, y):
    return x - y

def on_mul(x, y):
    return x * y

handlers = {"add": on_add, "sub": on_sub, "mul": on_mul}
print(handlers["add"](1, 2), handlers["sub"](3, 1))
