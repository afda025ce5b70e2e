# === with-000
# code lines: 1 2 3
with x:
    a = 1
c = 3
# === with-001
# code lines: 1 2 3
with x as y:
    a = 1
c = 3
# === with-002
# code lines: 1 2 3
with x, y:
    a = 1
c = 3
# === with-003
# code lines: 1 2 3 5 6
with (
        x as a,
        y as b,
):
    a = 1
c = 3
# === with-004
# code lines: 1 2 3 4
def f(x, y):
    with x:
        return 1
    c = 3
# === with-005
# code lines: 1 2 3 4
def f(x, y):
    with x as y:
        return 1
    c = 3
# === with-006
# code lines: 1 2 3 4
def f(x, y):
    with x, y:
        return 1
    c = 3
# === with-007
# code lines: 1 2 3 4 6 7
def f(x, y):
    with (
            x as a,
            y as b,
    ):
        return 1
    c = 3
# === with-008
# code lines: 1 2 3 4 5 6
def f(x, y):
    with x:
        if x:
            return 1
        a = 2
    c = 3
# === with-009
# code lines: 1 2 3 4 5 6
def f(x, y):
    with x as y:
        if x:
            return 1
        a = 2
    c = 3
# === with-010
# code lines: 1 2 3 4 5 6
def f(x, y):
    with x, y:
        if x:
            return 1
        a = 2
    c = 3
# === with-011
# code lines: 1 2 3 4 6 7 8 9
def f(x, y):
    with (
            x as a,
            y as b,
    ):
        if x:
            return 1
        a = 2
    c = 3
# === with-012
# code lines: 1 2 3
with x:
    raise E
c = 3
# === with-013
# code lines: 1 2 3
with x as y:
    raise E
c = 3
# === with-014
# code lines: 1 2 3
with x, y:
    raise E
c = 3
# === with-015
# code lines: 1 2 3 5 6
with (
        x as a,
        y as b,
):
    raise E
c = 3
# === with-016
# code lines: 1 2 3
with x:
    pass
c = 3
# === with-017
# code lines: 1 2 3
with x as y:
    pass
c = 3
# === with-018
# code lines: 1 2 3
with x, y:
    pass
c = 3
# === with-019
# code lines: 1 2 3 5 6
with (
        x as a,
        y as b,
):
    pass
c = 3
# === with-020
# code lines: 1 2 3 4
with x:
    with y:
        a = 1
b = 2
# === with-021
# code lines: 1 2 3
with x:
    with y:
        a = 1
# === with-022
# code lines: 1 2 3 4
def f():
    with x:
        with y:
            return 1
# === with-023
# code lines: 1 2 3
for i in x:
    with y:
        continue
# === with-024
# code lines: 1 2 3
while x:
    with y:
        break
# === with-025
# code lines: 1 2 3 4
async def f():
    async with x:
        a = 1
    b = 2
# === with-026
# code lines: 1 2
with x:
    pass
# === with-027
# code lines: 1 2 3 5
if x:
    with y:
        a = 1
else:
    b = 2
