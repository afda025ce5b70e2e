# === statements-000
# code lines: 1
a = 1
# === statements-001
# code lines: 1 2
a = 1
b = 2
# === statements-002
# code lines: 1
a = (1,
     2)
# === statements-003
# code lines: 1 2 3
a = [
    1,
    2,
]
# === statements-004
# code lines: 1 2
a = {
    'k': 1,
}
# === statements-005
# code lines: 1 2
a = {
    **b,
}
# === statements-006
# code lines: 1
a = b = 1
# === statements-007
# code lines: 1
a: int = 1
# === statements-008
# code lines: 1
a += 1
# === statements-009
# code lines: 1 2
import os
from os import path
# === statements-010
# code lines: 1 2
'''Module doc.'''
a = 1
# === statements-011
# code lines: 1
a = 1; b = 2
# === statements-012
# code lines: 1
a = 1 \
    + 2
# === statements-013
# code lines: 1
pass
# === statements-014
# code lines: 1
...
# === statements-015
# code lines: 1 2
print(
    1,
)
# === statements-016
# code lines: 1 2
x = f'''
{a}
'''
# === statements-017
# code lines: 1
assert x, 'message'
# === statements-018
# code lines: 1
del a
# === statements-019
# code lines: 1
raise SystemExit
# === statements-020
# code lines: 2
global g
g = 1
# === statements-021
# code lines: 1 2 3
a = [
    i
    for i in x
]
# === statements-022
# code lines: 1 2
a = [x,
     y][0]
# === statements-023
# code lines: 1 2 3 4
x = (
    a
    if b
    else c
)
# === statements-024
# code lines: 1 2 3 4
if x:
    a = 1
a = [
    1]
# === statements-025
# code lines: 1 3
a = 1
# comment
b = 2
# === statements-026
# code lines: 1 4
a = 1


b = 2
# === statements-027
# code lines: 1
x = 1  # pragma: no cover
# === statements-028
# code lines: 1
X = int
# === statements-029
# code lines: 1
a = b'' or 1
# === statements-030
# code lines: 1 2 3
a = 1
if a:
    b = 1
# === statements-031
# code lines: 1 2 3
a = []
if a:
    b = 1
# === statements-032
# code lines: 1 2 3
a = [1]
if a:
    b = 1
# === statements-033
# code lines: 1 2 3
a = {}
if a:
    b = 1
# === statements-034
# code lines: 1 2 3
a = {'a': 1}
if a:
    b = 1
# === statements-035
# code lines: 1 2 3
a = (1, 2)
if a:
    b = 1
# === statements-036
# code lines: 1 2 3
a = f(1)
if a:
    b = 1
# === statements-037
# code lines: 1 2 3
a = x.y
if a:
    b = 1
# === statements-038
# code lines: 1 2 3
a = x[0]
if a:
    b = 1
# === statements-039
# code lines: 1 2 3
a = -1
if a:
    b = 1
