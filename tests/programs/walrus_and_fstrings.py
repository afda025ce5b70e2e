data = [1, 2, 3, 4]
if (n := len(data)) > 3:
    message = f"{n} items, first {data[0]!r:>5}"
while (item := data.pop()) > 2:
    pass
print(message, item)
