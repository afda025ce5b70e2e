import os
import sys

def work():
    total = 0
    for i in range(3):
        total += i
    return total

print(work())
sys.stdout.flush()
os._exit(0)
print("never")
