# === loops-000
# code lines: 1 2 3
for i in x:
    a = 1
b = 2
# === loops-001
# code lines: 1 2 4 5
for i in x:
    a = 1
else:
    c = 3
b = 2
# === loops-002
# code lines: 1 2 3
while x:
    a = 1
b = 2
# === loops-003
# code lines: 1 2 4 5
while x:
    a = 1
else:
    c = 3
b = 2
# === loops-004
# code lines: 1 2
while True:
    a = 1
b = 2
# === loops-005
# code lines: 1 2 3 4
def f(x, y):
    for i in x:
        a = 1
    return 2
# === loops-006
# code lines: 1 2 3
for i in x:
    break
b = 2
# === loops-007
# code lines: 1 2 4 5
for i in x:
    break
else:
    c = 3
b = 2
# === loops-008
# code lines: 1 2 3
while x:
    break
b = 2
# === loops-009
# code lines: 1 2 4 5
while x:
    break
else:
    c = 3
b = 2
# === loops-010
# code lines: 1 2 3
while True:
    break
b = 2
# === loops-011
# code lines: 1 2 3 4
def f(x, y):
    for i in x:
        break
    return 2
# === loops-012
# code lines: 1 2 3
for i in x:
    continue
b = 2
# === loops-013
# code lines: 1 2 4 5
for i in x:
    continue
else:
    c = 3
b = 2
# === loops-014
# code lines: 1 2 3
while x:
    continue
b = 2
# === loops-015
# code lines: 1 2 4 5
while x:
    continue
else:
    c = 3
b = 2
# === loops-016
# code lines: 1 2
while True:
    continue
b = 2
# === loops-017
# code lines: 1 2 3 4
def f(x, y):
    for i in x:
        continue
    return 2
# === loops-018
# code lines: 1 2 3 4
for i in x:
    if y:
        break
b = 2
# === loops-019
# code lines: 1 2 3 5 6
for i in x:
    if y:
        break
else:
    c = 3
b = 2
# === loops-020
# code lines: 1 2 3 4
while x:
    if y:
        break
b = 2
# === loops-021
# code lines: 1 2 3 5 6
while x:
    if y:
        break
else:
    c = 3
b = 2
# === loops-022
# code lines: 1 2 3 4
while True:
    if y:
        break
b = 2
# === loops-023
# code lines: 1 2 3 4 5
def f(x, y):
    for i in x:
        if y:
            break
    return 2
# === loops-024
# code lines: 1 2 3 4
for i in x:
    if y:
        continue
b = 2
# === loops-025
# code lines: 1 2 3 5 6
for i in x:
    if y:
        continue
else:
    c = 3
b = 2
# === loops-026
# code lines: 1 2 3 4
while x:
    if y:
        continue
b = 2
# === loops-027
# code lines: 1 2 3 5 6
while x:
    if y:
        continue
else:
    c = 3
b = 2
# === loops-028
# code lines: 1 2 3
while True:
    if y:
        continue
b = 2
# === loops-029
# code lines: 1 2 3 4 5
def f(x, y):
    for i in x:
        if y:
            continue
    return 2
# === loops-030
# code lines: 1 2 3 4 5
for i in x:
    if y:
        break
    a = 2
b = 2
# === loops-031
# code lines: 1 2 3 4 6 7
for i in x:
    if y:
        break
    a = 2
else:
    c = 3
b = 2
# === loops-032
# code lines: 1 2 3 4 5
while x:
    if y:
        break
    a = 2
b = 2
# === loops-033
# code lines: 1 2 3 4 6 7
while x:
    if y:
        break
    a = 2
else:
    c = 3
b = 2
# === loops-034
# code lines: 1 2 3 4 5
while True:
    if y:
        break
    a = 2
b = 2
# === loops-035
# code lines: 1 2 3 4 5 6
def f(x, y):
    for i in x:
        if y:
            break
        a = 2
    return 2
# === loops-036
# code lines: 1 2 3
for i in x:
    pass
b = 2
# === loops-037
# code lines: 1 2 4 5
for i in x:
    pass
else:
    c = 3
b = 2
# === loops-038
# code lines: 1 2 3
while x:
    pass
b = 2
# === loops-039
# code lines: 1 2 4 5
while x:
    pass
else:
    c = 3
b = 2
# === loops-040
# code lines: 1 2
while True:
    pass
b = 2
# === loops-041
# code lines: 1 2 3 4
def f(x, y):
    for i in x:
        pass
    return 2
# === loops-042
# code lines: 1
for i in x: a = i
# === loops-043
# code lines: 1
while x: x -= 1
# === loops-044
# code lines: 1 2 3
for i in (
        x):
    a = i
# === loops-045
# code lines: 1 2 3 4 6 7
for i in x:
    for j in y:
        if j:
            break
    else:
        continue
    break
# === loops-046
# code lines: 1 2 3
while 1:
    if x:
        break
# === loops-047
# code lines: 1 3
while 0:
    a = 1
b = 2
# === loops-048
# code lines: 1 2
while not x:
    x = 1
# === loops-049
# code lines: 1 2 3 4 5 7
for i in x:
    try:
        a = 1
    except E:
        continue
    finally:
        b = 2
# === loops-050
# code lines: 1 2 3 4
for i in x:
    with y:
        if i:
            break
# === loops-051
# code lines: 1 2 3 4 5
def f(x):
    while True:
        if x:
            return 1
        x += 1
# === loops-052
# code lines: 1 2 3 4 5
async def f(x):
    async for i in x:
        if i:
            break
    return 1
# === loops-053
# code lines: 1 2
a = [i for i in x if i]
b = 2
# === loops-054
# code lines: 1
a = {i: j for i, j in x}
# === loops-055
# code lines: 1
a = (i for i in x)
