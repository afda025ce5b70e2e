# === exclusions-000
# code lines: 1 2 3 4
def f():  # pragma: no cover
    a = 1
    return a
b = 2
# === exclusions-001
# code lines: 1 2 3 4
@dec  # pragma: no cover
def f():
    pass
b = 2
# === exclusions-002
# code lines: 1 2 3 4
@dec
def f():  # pragma: no cover
    pass
b = 2
# === exclusions-003
# code lines: 1 2 3 4
@dec(
    1)  # pragma: no cover
def f():
    pass
# === exclusions-004
# code lines: 1 2 3 4 5
class C:  # pragma: no cover
    x = 1
    def m(self):
        pass
b = 2
# === exclusions-005
# code lines: 1 2 3 4
class C:
    def m(self):  # pragma: no cover
        pass
    x = 1
# === exclusions-006
# code lines: 1 2 4
if x:  # pragma: no cover
    a = 1
else:
    a = 2
# === exclusions-007
# code lines: 1 2 4 5
if x:
    a = 1
else:  # pragma: no cover
    a = 2
b = 3
# === exclusions-008
# code lines: 1 2 3 4 5
if x:
    a = 1
elif y:  # pragma: no cover
    a = 2
b = 3
# === exclusions-009
# code lines: 1 3
a = (1,  # pragma: no cover
     2)
b = 3
# === exclusions-010
# code lines: 1 3
a = (1,
     2)  # pragma: no cover
b = 3
# === exclusions-011
# code lines: 1 2 3 4 5
try:
    a = 1
except E:  # pragma: no cover
    a = 2
b = 3
# === exclusions-012
# code lines: 1 2 4
try:
    a = 1
finally:  # pragma: no cover
    a = 2
# === exclusions-013
# code lines: 1 2 3
for i in x:  # pragma: no cover
    a = i
b = 1
# === exclusions-014
# code lines: 1 2 3
while x:
    a = 1  # pragma: no cover
b = 1
# === exclusions-015
# code lines: 1 2 3
with x:  # pragma: no cover
    a = 1
b = 2
# === exclusions-016
# code lines: 1 2
async def f():  # pragma: no cover
    await x
# === exclusions-017
# code lines: 1 2
def f(): return 1  # pragma: no cover
b = 2
# === exclusions-018
# code lines: 1 4
def f(
    a,  # pragma: no cover
):
    return a
# === exclusions-019
# code lines: 1
x = 1  # PRAGMA: NO COVER
# === exclusions-020
# code lines: 1
x = 1  #pragma:no cover
# === exclusions-021
# code lines: 1 2
def f():
    pass
    # pragma: no cover
# === exclusions-022
# code lines: 1 2 3
if TYPE_CHECKING:  # pragma: no cover
    import os
x = 1
# === exclusions-023
# code lines: 1 2
assert x  # pragma: no cover
y = 1
# === exclusions-024
# code lines: 1 2
'''Doc.'''  # pragma: no cover
x = 1
# === exclusions-025
# code lines: 1 3
def f():
    '''Doc.'''
    return 1
# === exclusions-026
# code lines: 1 4
def f():
    '''Doc
    more.'''
    return 1
# === exclusions-027
# code lines: 1 2 3
class C:
    '''Doc.'''
    x = 1
# === exclusions-028
# code lines: 1 4
def f():
    ('''Doc.'''
     '''More.''')
    return 1
# === exclusions-029
# code lines: 1
def f():
    '''Doc.'''
# === exclusions-030
# code lines: 1 2 3 4 5 6
match x:
    case 1:
        a = 1
    case _:
        a = 2  # pragma: no cover
b = 3
# === exclusions-031
# code lines: 1 2 3 4 5 6
match x:
    case [a,
          b]:
        c = 1
    case other:
        pass  # pragma: no cover
# === exclusions-032
# code lines: 1 2 3 4 5
match x:
    case 1:  # pragma: no cover
        a = 1
    case _:
        a = 2
# === exclusions-033
# code lines: 1 2 3 4 5
def f(x):
    match x:
        case _ if x:
            return 1  # pragma: no cover
    return 2
