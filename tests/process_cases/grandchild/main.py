import subprocess
import sys

subprocess.run([sys.executable, "child.py"], check=True)
