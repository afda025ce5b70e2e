first, *rest = [1, 2, 3]
a, (b, c) = 1, (2, 3)
merged = {**{"a": 1}, **{"b": 2}}
combined = [*rest, *[4, 5]]
print(first, rest, a, b, c, merged, combined)
