def gen():
    yield 1
    raise ValueError("inside")

try:
    for item in gen():
        last = item
except ValueError:
    handled = True
print(last, handled)
