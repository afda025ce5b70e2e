# === if-000
# code lines: 1 2 3
if x:
    a = 1
b = 2
# === if-001
# code lines: 1 2 4 5
if x:
    a = 1
else:
    a = 2
b = 3
# === if-002
# code lines: 1 2 3
if not x:
    a = 1
b = 2
# === if-003
# code lines: 1 2 4 5
if not x:
    a = 1
else:
    a = 2
b = 3
# === if-004
# code lines: 1 2 3
if x and y:
    a = 1
b = 2
# === if-005
# code lines: 1 2 4 5
if x and y:
    a = 1
else:
    a = 2
b = 3
# === if-006
# code lines: 1 2 3
if x or y:
    a = 1
b = 2
# === if-007
# code lines: 1 2 4 5
if x or y:
    a = 1
else:
    a = 2
b = 3
# === if-008
# code lines: 1 2 3
if True:
    a = 1
b = 2
# === if-009
# code lines: 1 2 5
if True:
    a = 1
else:
    a = 2
b = 3
# === if-010
# code lines: 1 3
if False:
    a = 1
b = 2
# === if-011
# code lines: 1 4 5
if False:
    a = 1
else:
    a = 2
b = 3
# === if-012
# code lines: 1 3
if 0:
    a = 1
b = 2
# === if-013
# code lines: 1 4 5
if 0:
    a = 1
else:
    a = 2
b = 3
# === if-014
# code lines: 1 2 3
if 1:
    a = 1
b = 2
# === if-015
# code lines: 1 2 5
if 1:
    a = 1
else:
    a = 2
b = 3
# === if-016
# code lines: 1 2 3
if not False:
    a = 1
b = 2
# === if-017
# code lines: 1 2 5
if not False:
    a = 1
else:
    a = 2
b = 3
# === if-018
# code lines: 1 2 3
if __debug__:
    a = 1
b = 2
# === if-019
# code lines: 1 2 5
if __debug__:
    a = 1
else:
    a = 2
b = 3
# === if-020
# code lines: 1 2 3
if x is None:
    a = 1
b = 2
# === if-021
# code lines: 1 2 4 5
if x is None:
    a = 1
else:
    a = 2
b = 3
# === if-022
# code lines: 1 2 3 4
if (x
        and y):
    a = 1
b = 2
# === if-023
# code lines: 1 2 3 5 6
if (x
        and y):
    a = 1
else:
    a = 2
b = 3
# === if-024
# code lines: 1 2 3 4 5
if x:
    a = 1
elif y:
    a = 2
b = 3
# === if-025
# code lines: 1 2 3 4 6 7
if x:
    a = 1
elif y:
    a = 2
else:
    a = 3
b = 4
# === if-026
# code lines: 1 2 3 4
def f(x, y):
    if x:
        return 1
    return 2
# === if-027
# code lines: 1 2 3 5
def f(x, y):
    if x:
        return 1
    else:
        return 2
# === if-028
# code lines: 1 2 3 4 5
if x:
    if x:
        a = 1
    b = 2
c = 3
# === if-029
# code lines: 1 2 3 4 5
if not x:
    a = 1
elif y:
    a = 2
b = 3
# === if-030
# code lines: 1 2 3 4 6 7
if not x:
    a = 1
elif y:
    a = 2
else:
    a = 3
b = 4
# === if-031
# code lines: 1 2 3 4
def f(x, y):
    if not x:
        return 1
    return 2
# === if-032
# code lines: 1 2 3 5
def f(x, y):
    if not x:
        return 1
    else:
        return 2
# === if-033
# code lines: 1 2 3 4 5
if x:
    if not x:
        a = 1
    b = 2
c = 3
# === if-034
# code lines: 1 2 3 4 5
if x and y:
    a = 1
elif y:
    a = 2
b = 3
# === if-035
# code lines: 1 2 3 4 6 7
if x and y:
    a = 1
elif y:
    a = 2
else:
    a = 3
b = 4
# === if-036
# code lines: 1 2 3 4
def f(x, y):
    if x and y:
        return 1
    return 2
# === if-037
# code lines: 1 2 3 5
def f(x, y):
    if x and y:
        return 1
    else:
        return 2
# === if-038
# code lines: 1 2 3 4 5
if x:
    if x and y:
        a = 1
    b = 2
c = 3
# === if-039
# code lines: 1 2 3 4 5
if x or y:
    a = 1
elif y:
    a = 2
b = 3
# === if-040
# code lines: 1 2 3 4 6 7
if x or y:
    a = 1
elif y:
    a = 2
else:
    a = 3
b = 4
# === if-041
# code lines: 1 2 3 4
def f(x, y):
    if x or y:
        return 1
    return 2
# === if-042
# code lines: 1 2 3 5
def f(x, y):
    if x or y:
        return 1
    else:
        return 2
# === if-043
# code lines: 1 2 3 4 5
if x:
    if x or y:
        a = 1
    b = 2
c = 3
# === if-044
# code lines: 1 2 5
if True:
    a = 1
elif y:
    a = 2
b = 3
# === if-045
# code lines: 1 2 7
if True:
    a = 1
elif y:
    a = 2
else:
    a = 3
b = 4
# === if-046
# code lines: 1 2 3
def f(x, y):
    if True:
        return 1
    return 2
# === if-047
# code lines: 1 2 3
def f(x, y):
    if True:
        return 1
    else:
        return 2
# === if-048
# code lines: 1 2 3 4 5
if x:
    if True:
        a = 1
    b = 2
c = 3
# === if-049
# code lines: 1 3 4 5
if False:
    a = 1
elif y:
    a = 2
b = 3
# === if-050
# code lines: 1 3 4 6 7
if False:
    a = 1
elif y:
    a = 2
else:
    a = 3
b = 4
# === if-051
# code lines: 1 2 4
def f(x, y):
    if False:
        return 1
    return 2
# === if-052
# code lines: 1 2 5
def f(x, y):
    if False:
        return 1
    else:
        return 2
# === if-053
# code lines: 1 2 4 5
if x:
    if False:
        a = 1
    b = 2
c = 3
# === if-054
# code lines: 1 2
if x: a = 1
b = 2
# === if-055
# code lines: 1 2
if x: a = 1
else: a = 2
# === if-056
# code lines: 1 2 3 4 5 6 8
if x:
    pass
elif y:
    pass
elif z:
    pass
else:
    pass
# === if-057
# code lines: 1 2 3 4 6 8
if x:
    a = 1
    if y:
        b = 2
    else:
        b = 3
else:
    a = 4
# === if-058
# code lines: 1 2
a = 1 if x else 2
b = 3
# === if-059
# code lines: 1 2 3
if (x and
        y):
    a = 1
# === if-060
# code lines: 1 3
if x:
    # only a comment
    pass
# === if-061
# code lines: 1 2 3 4
if x:
    a = 1
elif True:
    a = 2
else:
    a = 3
# === if-062
# code lines: 1 3 4
if False:
    a = 1
elif x:
    a = 2
# === if-063
# code lines: 1 2 3
if x:
    raise ValueError
b = 1
