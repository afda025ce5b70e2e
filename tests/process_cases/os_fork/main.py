import os

pid = os.fork()
if pid == 0:
    child_line = 1
    os._exit(0)
else:
    os.waitpid(pid, 0)
    parent_line = 2
