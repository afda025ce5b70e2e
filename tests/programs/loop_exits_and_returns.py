# Loops and branches whose other way leaves the function (a return on the loop's own line):
# 3.12/3.13 watch that way with the return's PY_RETURN event instead of firing the branch.
def brk(xs):
    for x in xs:
        if x:
            break

def brk2(xs):
    for x in xs:
        if x:
            break
    else:
        return 5

def early(x):
    if x:
        return 1

def wloop(n):
    while n:
        n -= 1
        if n == 100:
            break

def nested(xs):
    for x in xs:
        for y in x:
            if y:
                return y

def tryloop(xs):
    for x in xs:
        try:
            if x:
                break
        finally:
            pass

def withloop(xs, cm):
    for x in xs:
        with cm:
            if x: break

import contextlib
for i in range(3):
    brk([1]); brk2([1]); early(0); early(0)
    wloop(5); nested([[0], [1]]); tryloop([1]); withloop([1], contextlib.nullcontext())
brk([0]) 
nested([[0]])
