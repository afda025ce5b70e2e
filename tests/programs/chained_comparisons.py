def check(x):
    return 0 < x < 10 and x != 5 or x == 100

results = [check(v) for v in (1, 5, 100, 50)]
ternary = "yes" if all(results[:1]) else "no"
print(results, ternary)
