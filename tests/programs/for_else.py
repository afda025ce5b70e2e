for x in range(3):
    if x == 5:
        break
else:
    found = False
for y in []:
    pass
else:
    empty = True
print(found, empty)
