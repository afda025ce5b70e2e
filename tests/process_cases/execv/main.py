import os
import sys

def before():
    return "before exec"

print(before())
sys.stdout.flush()
os.execv(sys.executable, [sys.executable, "after.py"])
print("never")  # not reached
