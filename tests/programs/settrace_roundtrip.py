"""Code that saves the trace function, turns tracing off and restores it (as
test.support.no_tracing, debuggers and profilers do): measurement must resume."""
import sys


def quiet():
    return sum(range(10))


def loud(n):
    if n > 2:
        return "big"
    return "small"


saved = sys.gettrace()
sys.settrace(None)
quiet()
sys.settrace(saved)
print(loud(1))
print(loud(5))
for i in range(3):
    if i == 1:
        print("one")
