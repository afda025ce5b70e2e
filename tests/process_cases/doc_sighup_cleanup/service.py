# pytest-cov's "Alternatively you can do this" example (ferrocov.embed in place of
# pytest_cov.embed); its "os.exec( ... )" placeholder filled in with a real exec.
import os
import signal
import sys
import time

try:
    from ferrocov.embed import cleanup
except ImportError:  # not reached
    cleanup = None  # not reached

def restart_service(frame, signum):
    if cleanup is not None:
        cleanup()

    os.execv(sys.executable, [sys.executable, "restarted.py"])  # or whatever your custom signal would do
signal.signal(signal.SIGHUP, restart_service)

print("ready", flush=True)
while True:  # may not be reached: the signal can arrive right after "ready"
    time.sleep(0.05)  # may not be reached
