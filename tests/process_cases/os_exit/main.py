import os
import sys

def work():
    return 7

print(work())
sys.stdout.flush()
os._exit(4)
print("never")  # not reached
