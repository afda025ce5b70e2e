import os
import signal
import subprocess
import sys
import time

child = subprocess.Popen([sys.executable, "server.py"], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "ready"
child.send_signal(signal.SIGHUP)
assert child.stdout.readline().strip() == "reloaded"
child.terminate()
child.wait()
