import os
import signal
import sys

def work():
    total = 0
    for i in range(5):
        total += i
    return total

print(work())
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGKILL)
print("never")  # not reached
