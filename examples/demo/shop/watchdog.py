"""A worker that is killed with SIGKILL part-way through, as a CI timeout or the OOM killer would."""

import os
import signal
import sys


def work_then_die():
    done = sum(range(100))
    print(done, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    print("never printed")


if __name__ == "__main__":
    work_then_die()
    sys.exit(1)
