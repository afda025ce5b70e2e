import signal
import sys
import time

from ferrocov.embed import cleanup_on_signal, cleanup_on_sigterm

def reload(signum, frame):
    reloaded = True
    print("reloaded", flush=True)

signal.signal(signal.SIGHUP, reload)
cleanup_on_signal(signal.SIGHUP)
cleanup_on_sigterm()
print("ready", flush=True)
while True:  # may not be reached: signals can arrive right after "ready"
    time.sleep(0.05)  # may not be reached
