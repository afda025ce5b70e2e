import subprocess
import sys

child = subprocess.Popen([sys.executable, "child.py"], stdout=subprocess.PIPE, text=True)
line = child.stdout.readline()
child.terminate()
child.wait()
print(line.strip(), child.returncode)
