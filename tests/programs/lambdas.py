square = lambda x: x * x
unused = lambda: (
    "never"
)
items = sorted([3, 1, 2], key=lambda v: -v)
print(square(3), items)
