# requires: 3.11
def raise_group():
    raise ExceptionGroup("many", [ValueError(1), TypeError(2)])

try:
    raise_group()
except* ValueError as group:
    values = len(group.exceptions)
except* TypeError:
    types = True
print(values, types)
