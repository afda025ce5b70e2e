# pytest-cov's custom signal handling example (ferrocov.embed in place of pytest_cov.embed);
# its "os.exec( ... )" placeholder filled in with a real exec of the restarted service.
import os
import signal
import sys
import time

def restart_service(frame, signum):
    os.execv(sys.executable, [sys.executable, "restarted.py"])  # or whatever your custom signal would do
signal.signal(signal.SIGHUP, restart_service)

try:
    from ferrocov.embed import cleanup_on_signal
except ImportError:  # not reached
    pass  # not reached
else:
    cleanup_on_signal(signal.SIGHUP)

print("ready", flush=True)
while True:  # may not be reached: the signal can arrive right after "ready"
    time.sleep(0.05)  # may not be reached
