# === match-000
# code lines: 1 2 3 4 5 6
match v:
    case 1:
        a = 1
    case _:
        a = 2
b = 3
# === match-001
# code lines: 1 2 3 4 5 6
match v:
    case 1:
        a = 1
    case 2:
        a = 2
b = 3
# === match-002
# code lines: 1 2 3 4 5 6
match v:
    case 1:
        a = 1
    case z:
        a = 2
b = 3
# === match-003
# code lines: 1 2 3 4 5 6
match v:
    case 1:
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-004
# code lines: 1 2 3 4 5 6
match v:
    case 'a' | 'b':
        a = 1
    case _:
        a = 2
b = 3
# === match-005
# code lines: 1 2 3 4 5 6
match v:
    case 'a' | 'b':
        a = 1
    case 2:
        a = 2
b = 3
# === match-006
# code lines: 1 2 3 4 5 6
match v:
    case 'a' | 'b':
        a = 1
    case z:
        a = 2
b = 3
# === match-007
# code lines: 1 2 3 4 5 6
match v:
    case 'a' | 'b':
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-008
# code lines: 1 2 3 4 5 6
match v:
    case [a, b]:
        a = 1
    case _:
        a = 2
b = 3
# === match-009
# code lines: 1 2 3 4 5 6
match v:
    case [a, b]:
        a = 1
    case 2:
        a = 2
b = 3
# === match-010
# code lines: 1 2 3 4 5 6
match v:
    case [a, b]:
        a = 1
    case z:
        a = 2
b = 3
# === match-011
# code lines: 1 2 3 4 5 6
match v:
    case [a, b]:
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-012
# code lines: 1 2 3 4 5 6
match v:
    case {'k': v}:
        a = 1
    case _:
        a = 2
b = 3
# === match-013
# code lines: 1 2 3 4 5 6
match v:
    case {'k': v}:
        a = 1
    case 2:
        a = 2
b = 3
# === match-014
# code lines: 1 2 3 4 5 6
match v:
    case {'k': v}:
        a = 1
    case z:
        a = 2
b = 3
# === match-015
# code lines: 1 2 3 4 5 6
match v:
    case {'k': v}:
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-016
# code lines: 1 2 3 4 5 6
match v:
    case C(x=1):
        a = 1
    case _:
        a = 2
b = 3
# === match-017
# code lines: 1 2 3 4 5 6
match v:
    case C(x=1):
        a = 1
    case 2:
        a = 2
b = 3
# === match-018
# code lines: 1 2 3 4 5 6
match v:
    case C(x=1):
        a = 1
    case z:
        a = 2
b = 3
# === match-019
# code lines: 1 2 3 4 5 6
match v:
    case C(x=1):
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-020
# code lines: 1 2 3 4
match v:
    case _:
        a = 1
b = '_'
# === match-021
# code lines: 1 2 3 4
match v:
    case _:
        a = 1
b = '2'
# === match-022
# code lines: 1 2 3 4
match v:
    case _:
        a = 1
b = 'z'
# === match-023
# code lines: 1 2 3 4
match v:
    case _:
        a = 1
b = '[*rest]'
# === match-024
# code lines: 1 2 3 4
match v:
    case x:
        a = 1
b = '_'
# === match-025
# code lines: 1 2 3 4
match v:
    case x:
        a = 1
b = '2'
# === match-026
# code lines: 1 2 3 4
match v:
    case x:
        a = 1
b = 'z'
# === match-027
# code lines: 1 2 3 4
match v:
    case x:
        a = 1
b = '[*rest]'
# === match-028
# code lines: 1 2 3 4 5 6
match v:
    case (1 | 2) as y:
        a = 1
    case _:
        a = 2
b = 3
# === match-029
# code lines: 1 2 3 4 5 6
match v:
    case (1 | 2) as y:
        a = 1
    case 2:
        a = 2
b = 3
# === match-030
# code lines: 1 2 3 4 5 6
match v:
    case (1 | 2) as y:
        a = 1
    case z:
        a = 2
b = 3
# === match-031
# code lines: 1 2 3 4 5 6
match v:
    case (1 | 2) as y:
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-032
# code lines: 1 2 3 4 5 6
match v:
    case 1 if y:
        a = 1
    case _:
        a = 2
b = 3
# === match-033
# code lines: 1 2 3 4 5 6
match v:
    case 1 if y:
        a = 1
    case 2:
        a = 2
b = 3
# === match-034
# code lines: 1 2 3 4 5 6
match v:
    case 1 if y:
        a = 1
    case z:
        a = 2
b = 3
# === match-035
# code lines: 1 2 3 4 5 6
match v:
    case 1 if y:
        a = 1
    case [*rest]:
        a = 2
b = 3
# === match-036
# code lines: 1 2 3
match v:
    case 1:
        a = 1
# === match-037
# code lines: 1 2 3 4 5 6
def f(v):
    match v:
        case 1:
            return 1
        case _:
            return 2
# === match-038
# code lines: 1 2 3 4 5 6
for i in x:
    match i:
        case 1:
            break
        case 2:
            continue
# === match-039
# code lines: 1 3 5
match v:
    case (
        1
    ):
        a = 1
# === match-040
# code lines: 2 4 5
match (
    v
):
    case _:
        pass
