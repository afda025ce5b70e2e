import subprocess
import sys

subprocess.run([sys.executable, "grandchild.py"], check=True)
