# === try-000
# code lines: 1 2 3 4 5
try:
    a = 1
except E:
    b = 2
e = 5
# === try-001
# code lines: 1 2 3 4 6 7
try:
    a = 1
except E:
    b = 2
else:
    c = 3
e = 5
# === try-002
# code lines: 1 2 3 4 6 7
try:
    a = 1
except E:
    b = 2
finally:
    d = 4
e = 5
# === try-003
# code lines: 1 2 3 4 6 8 9
try:
    a = 1
except E:
    b = 2
else:
    c = 3
finally:
    d = 4
e = 5
# === try-004
# code lines: 1 2 3 4 5 6 7
try:
    a = 1
except E:
    b = 2
except (F, G) as g:
    b = 3
e = 5
# === try-005
# code lines: 1 2 3 4 5 6 8 9
try:
    a = 1
except E:
    b = 2
except (F, G) as g:
    b = 3
else:
    c = 3
e = 5
# === try-006
# code lines: 1 2 3 4 5 6 8 9
try:
    a = 1
except E:
    b = 2
except (F, G) as g:
    b = 3
finally:
    d = 4
e = 5
# === try-007
# code lines: 1 2 3 4 5 6 8 10 11
try:
    a = 1
except E:
    b = 2
except (F, G) as g:
    b = 3
else:
    c = 3
finally:
    d = 4
e = 5
# === try-008
# code lines: 1 2 3 4 5
try:
    a = 1
except:
    raise
e = 5
# === try-009
# code lines: 1 2 3 4 6 7
try:
    a = 1
except:
    raise
else:
    c = 3
e = 5
# === try-010
# code lines: 1 2 3 4 6 7
try:
    a = 1
except:
    raise
finally:
    d = 4
e = 5
# === try-011
# code lines: 1 2 3 4 6 8 9
try:
    a = 1
except:
    raise
else:
    c = 3
finally:
    d = 4
e = 5
# === try-012
# code lines: 1 2 4 5
try:
    a = 1
finally:
    d = 4
e = 5
# === try-013
# code lines: 1 2 3 4 5
try:
    raise E
except E:
    b = 2
e = 5
# === try-014
# code lines: 1 2 3 4 7
try:
    raise E
except E:
    b = 2
else:
    c = 3
e = 5
# === try-015
# code lines: 1 2 3 4 6 7
try:
    raise E
except E:
    b = 2
finally:
    d = 4
e = 5
# === try-016
# code lines: 1 2 3 4 8 9
try:
    raise E
except E:
    b = 2
else:
    c = 3
finally:
    d = 4
e = 5
# === try-017
# code lines: 1 2 3 4 5 6 7
try:
    raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
e = 5
# === try-018
# code lines: 1 2 3 4 5 6 9
try:
    raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
else:
    c = 3
e = 5
# === try-019
# code lines: 1 2 3 4 5 6 8 9
try:
    raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
finally:
    d = 4
e = 5
# === try-020
# code lines: 1 2 3 4 5 6 10 11
try:
    raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
else:
    c = 3
finally:
    d = 4
e = 5
# === try-021
# code lines: 1 2 3 4
try:
    raise E
except:
    raise
e = 5
# === try-022
# code lines: 1 2 3 4
try:
    raise E
except:
    raise
else:
    c = 3
e = 5
# === try-023
# code lines: 1 2 3 4 6
try:
    raise E
except:
    raise
finally:
    d = 4
e = 5
# === try-024
# code lines: 1 2 3 4 8
try:
    raise E
except:
    raise
else:
    c = 3
finally:
    d = 4
e = 5
# === try-025
# code lines: 1 2 4
try:
    raise E
finally:
    d = 4
e = 5
# === try-026
# code lines: 1 2 3 4 5 6
try:
    if x:
        raise E
except E:
    b = 2
e = 5
# === try-027
# code lines: 1 2 3 4 5 7 8
try:
    if x:
        raise E
except E:
    b = 2
else:
    c = 3
e = 5
# === try-028
# code lines: 1 2 3 4 5 7 8
try:
    if x:
        raise E
except E:
    b = 2
finally:
    d = 4
e = 5
# === try-029
# code lines: 1 2 3 4 5 7 9 10
try:
    if x:
        raise E
except E:
    b = 2
else:
    c = 3
finally:
    d = 4
e = 5
# === try-030
# code lines: 1 2 3 4 5 6 7 8
try:
    if x:
        raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
e = 5
# === try-031
# code lines: 1 2 3 4 5 6 7 9 10
try:
    if x:
        raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
else:
    c = 3
e = 5
# === try-032
# code lines: 1 2 3 4 5 6 7 9 10
try:
    if x:
        raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
finally:
    d = 4
e = 5
# === try-033
# code lines: 1 2 3 4 5 6 7 9 11 12
try:
    if x:
        raise E
except E:
    b = 2
except (F, G) as g:
    b = 3
else:
    c = 3
finally:
    d = 4
e = 5
# === try-034
# code lines: 1 2 3 4 5 6
try:
    if x:
        raise E
except:
    raise
e = 5
# === try-035
# code lines: 1 2 3 4 5 7 8
try:
    if x:
        raise E
except:
    raise
else:
    c = 3
e = 5
# === try-036
# code lines: 1 2 3 4 5 7 8
try:
    if x:
        raise E
except:
    raise
finally:
    d = 4
e = 5
# === try-037
# code lines: 1 2 3 4 5 7 9 10
try:
    if x:
        raise E
except:
    raise
else:
    c = 3
finally:
    d = 4
e = 5
# === try-038
# code lines: 1 2 3 5 6
try:
    if x:
        raise E
finally:
    d = 4
e = 5
# === try-039
# code lines: 1 2 3 4 5 6
def f(x):
    try:
        return 1
    except E:
        b = 2
    e = 5
# === try-040
# code lines: 1 2 3 4 5 8
def f(x):
    try:
        return 1
    except E:
        b = 2
    else:
        c = 3
    e = 5
# === try-041
# code lines: 1 2 3 4 5 7 8
def f(x):
    try:
        return 1
    except E:
        b = 2
    finally:
        d = 4
    e = 5
# === try-042
# code lines: 1 2 3 4 5 9 10
def f(x):
    try:
        return 1
    except E:
        b = 2
    else:
        c = 3
    finally:
        d = 4
    e = 5
# === try-043
# code lines: 1 2 3 4 5 6 7 8
def f(x):
    try:
        return 1
    except E:
        b = 2
    except (F, G) as g:
        b = 3
    e = 5
# === try-044
# code lines: 1 2 3 4 5 6 7 10
def f(x):
    try:
        return 1
    except E:
        b = 2
    except (F, G) as g:
        b = 3
    else:
        c = 3
    e = 5
# === try-045
# code lines: 1 2 3 4 5 6 7 9 10
def f(x):
    try:
        return 1
    except E:
        b = 2
    except (F, G) as g:
        b = 3
    finally:
        d = 4
    e = 5
# === try-046
# code lines: 1 2 3 4 5 6 7 11 12
def f(x):
    try:
        return 1
    except E:
        b = 2
    except (F, G) as g:
        b = 3
    else:
        c = 3
    finally:
        d = 4
    e = 5
# === try-047
# code lines: 1 2 3 4 5
def f(x):
    try:
        return 1
    except:
        raise
    e = 5
# === try-048
# code lines: 1 2 3 4 5
def f(x):
    try:
        return 1
    except:
        raise
    else:
        c = 3
    e = 5
# === try-049
# code lines: 1 2 3 4 5 7
def f(x):
    try:
        return 1
    except:
        raise
    finally:
        d = 4
    e = 5
# === try-050
# code lines: 1 2 3 4 5 9
def f(x):
    try:
        return 1
    except:
        raise
    else:
        c = 3
    finally:
        d = 4
    e = 5
# === try-051
# code lines: 1 2 3 5
def f(x):
    try:
        return 1
    finally:
        d = 4
    e = 5
# === try-052
# code lines: 1 2 3 5
def f():
    try:
        return 1
    finally:
        a = 2
# === try-053
# code lines: 1 2 3 5
def f():
    try:
        a = 1
    finally:
        return 2
# === try-054
# code lines: 1 2 3 5
for i in x:
    try:
        break
    finally:
        a = 1
# === try-055
# code lines: 1 2 3 4
try:
    a = 1
except* E:
    b = 2
# === try-056
# code lines: 1 2 3 4 5 6 7
try:
    try:
        a = 1
    except E:
        raise F
except F:
    b = 2
# === try-057
# code lines: 1 2 3 4 5 7
def f():
    try:
        a = 1
    except E:
        return 2
    else:
        return 3
