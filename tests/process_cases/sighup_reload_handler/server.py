import os
import signal
import sys
import time

from ferrocov.embed import cleanup_on_signal, cleanup_on_sigterm

def reload(signum, frame):
    reloaded = True
    # Not print(): a signal that arrives while print("ready") is still flushing would make
    # print re-enter the same buffered writer, which raises (seen on 3.14 under load).
    os.write(1, b"reloaded\n")

signal.signal(signal.SIGHUP, reload)
cleanup_on_signal(signal.SIGHUP)
cleanup_on_sigterm()
print("ready", flush=True)
while True:  # may not be reached: signals can arrive right after "ready"
    time.sleep(0.05)  # may not be reached
