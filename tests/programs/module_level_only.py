a = 1
b = a + 1
c = [a, b]
d = {"a": a}
print(a, b, c, d)
