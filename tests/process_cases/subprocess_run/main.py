import subprocess
import sys

result = subprocess.run([sys.executable, "child.py", "3"], capture_output=True, text=True, check=True)
print(result.stdout.strip())
