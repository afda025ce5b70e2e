i = 0
total = 0
while i < 10:
    i += 1
    if i % 2:
        continue
    if i > 8:
        break
    total += i
else:
    total = -1
print(total)
