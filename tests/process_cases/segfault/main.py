import ctypes
import sys

def work():
    return 1

print(work())
sys.stdout.flush()
ctypes.string_at(0)
print("never")  # not reached
