# === definitions-000
# code lines: 1 2
def f():
    pass
# === definitions-001
# code lines: 1
def f(): return 1
# === definitions-002
# code lines: 1
def f():
    '''Doc.'''
# === definitions-003
# code lines: 1 3
def f():
    '''Doc.'''
    return 1
# === definitions-004
# code lines: 1 2 3
@d
def f():
    return 1
# === definitions-005
# code lines: 1 2 3 5 6
@d1
@d2(
    1,
)
def f():
    return 1
# === definitions-006
# code lines: 1 2 3
@d
class C:
    pass
# === definitions-007
# code lines: 1 2 3 4
class C:
    a = 1
    def m(self):
        return 1
# === definitions-008
# code lines: 1 2
class C:
    '''Doc.'''
# === definitions-009
# code lines: 1 2
class C(B, metaclass=M):
    x: int
# === definitions-010
# code lines: 1 2 3 4
def f():
    def g():
        return 1
    return g
# === definitions-011
# code lines: 1 2 3 4
def f():
    class C:
        pass
    return C
# === definitions-012
# code lines: 1
f = lambda x: x
# === definitions-013
# code lines: 1 2
def f(x=(lambda: 1)):
    return x
# === definitions-014
# code lines: 1 2
async def f():
    await x
# === definitions-015
# code lines: 1 2 3
def f():
    yield 1
    yield 2
# === definitions-016
# code lines: 1 2
def f():
    yield from x
# === definitions-017
# code lines: 1 2
def f():
    return
# === definitions-018
# code lines: 1 2
def f():
    raise E
# === definitions-019
# code lines: 1 3
def f(a,
      b):
    return a
# === definitions-020
# code lines: 1 2 3 4 5 6
class C:
    def m(self):
        pass
    @property
    def p(self):
        return 1
# === definitions-021
# code lines: 1 2
def f():
    ...
# === definitions-022
# code lines: 1 3
def f():
    global g
    g = 1
# === definitions-023
# code lines: 1 2 3 5
def f():
    x = 1
    def g():
        nonlocal x
        x = 2
# === definitions-024
# code lines: 1 2 3 4 5 6
class C:
    class D:
        def m(self):
            if x:
                return 1
            return 2
# === definitions-025
# code lines: 1 2 3 4
def f(x):
    return (
        x
        + 1
    )
# === definitions-026
# code lines: 1 2 3
def f(x):
    assert x
    del x
# === definitions-027
# code lines: 1 2 3
def f():
    if x:
        pass
# === definitions-028
# code lines: 1 2 3
@d
async def f():
    return 1
# === definitions-029
# code lines: 1 2
def f(x: 'T') -> 'T':
    return x
# === definitions-030
# code lines: 1 2 3
def f(x, y):
    if x:
        return 1
# === definitions-031
# code lines: 1 2 3
class C:
    if x:
        a = 1
# === definitions-032
# code lines: 1 2 3
def f(x, y):
    if not x:
        return 1
# === definitions-033
# code lines: 1 2 3
class C:
    if not x:
        a = 1
# === definitions-034
# code lines: 1 2 3
def f(x, y):
    if x and y:
        return 1
# === definitions-035
# code lines: 1 2 3
class C:
    if x and y:
        a = 1
# === definitions-036
# code lines: 1 2 3
def f(x, y):
    if x or y:
        return 1
# === definitions-037
# code lines: 1 2 3
class C:
    if x or y:
        a = 1
# === definitions-038
# code lines: 1 2 3
def f(x, y):
    if True:
        return 1
# === definitions-039
# code lines: 1 2 3
class C:
    if True:
        a = 1
# === definitions-040
# code lines: 1 2
def f(x, y):
    if False:
        return 1
# === definitions-041
# code lines: 1 2
class C:
    if False:
        a = 1
# === definitions-042
# code lines: 1 2
def f(x, y):
    if 0:
        return 1
# === definitions-043
# code lines: 1 2
class C:
    if 0:
        a = 1
# === definitions-044
# code lines: 1 2 3
def f(x, y):
    if 1:
        return 1
# === definitions-045
# code lines: 1 2 3
class C:
    if 1:
        a = 1
