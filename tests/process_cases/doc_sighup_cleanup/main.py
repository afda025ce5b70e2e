import signal
import subprocess
import sys

service = subprocess.Popen([sys.executable, "service.py"], stdout=subprocess.PIPE, text=True)
assert service.stdout.readline().strip() == "ready"
service.send_signal(signal.SIGHUP)
print(service.stdout.readline().strip())
service.wait()
