"""Code that saves the trace function, turns tracing off and restores it (as
test.support.no_tracing, debuggers and profilers do): measurement must resume, in the frame
that restored it too. (While tracing is off only builtins run: coverage.py, a trace function,
misses lines run then, and ferrocov's sys.monitoring core on 3.12+ does not.)"""
import sys


def loud(n):
    if n > 2:
        return "big"
    return "small"


saved = sys.gettrace(); sys.settrace(None); sum(range(10)); sys.settrace(saved)
print(loud(1))
print(loud(5))
for i in range(3):
    if i == 1:
        print("one")
