import sys
import time

print("ready", flush=True)
time.sleep(60)  # may not be reached: terminated right after "ready"
print("never")  # not reached
