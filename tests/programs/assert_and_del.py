values = [1, 2, 3]
assert values, "not empty"
assert len(values) == 3
del values[0]
x = 1
del x
print(values)
